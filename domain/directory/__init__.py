"""The directory of solutions: what startups offer, searchable by anyone."""
