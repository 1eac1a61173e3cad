"""Read models folded from the ledger. Each projection is a pure `evolve`
plus the SQL that stores its rows; rows and tracking positions commit together."""
