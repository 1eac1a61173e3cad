"""GraphQL for organisations: startups, corporates, members, the viewer."""
