"""Benchmarks: scripts that print ours/peer ratios and absolute figures (not tests)."""
