"""GraphQL for the directory of solutions."""
