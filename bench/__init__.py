"""Benchmarks (`make bench`): figures as ratios against a limit, one JSON line per scenario."""
