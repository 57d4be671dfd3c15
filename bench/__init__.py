"""Benchmarks at scale (`make bench` runs `python -m bench`); not part of the timed test suite."""
