"""Calls for projects and the applications startups send to them."""
