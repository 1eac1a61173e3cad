"""End-to-end benchmarks of Passerelle: `python -m bench` (see bench/__main__.py)."""
