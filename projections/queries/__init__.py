"""Read queries over the projections' tables (asyncpg): the only SQL the
GraphQL layer runs."""
