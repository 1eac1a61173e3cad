"""GraphQL for open content (resources, case studies, platform events) and the key figures."""
