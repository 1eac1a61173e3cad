"""The GraphQL edge: strawberry types, one root per area merged together,
DataLoaders, permissions and error mapping. Resolvers translate and delegate."""
