"""Infrastructure: configuration, database plumbing, authentication, ledger storage."""
