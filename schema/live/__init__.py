"""Subscription.ledger: the ledger followed live over graphql-transport-ws."""
