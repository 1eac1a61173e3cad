"""GraphQL for deals: agreements, purchase orders, scale-up loans."""
