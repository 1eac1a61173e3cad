"""GraphQL for calls for projects and applications."""
