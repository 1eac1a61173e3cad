"""Organisations: startups and corporates, their members and labels."""
