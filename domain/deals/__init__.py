"""Deals: collaboration agreements, purchase orders and scale-up loans."""
