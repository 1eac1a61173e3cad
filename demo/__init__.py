"""French-flavoured demo data, recorded through the application services so
every demo fact is a real, hash-chained ledger entry."""
