"""Benchmark scripts (not tests): run them as `python -m bench.<name>`; see each module's docstring."""
