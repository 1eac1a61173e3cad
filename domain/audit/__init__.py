"""Audit: the right to erasure (crypto-shredding) and ledger checkpoints."""
