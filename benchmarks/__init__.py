"""Benchmarks of stress against the obvious slow way; run `python benchmarks/run.py`."""
