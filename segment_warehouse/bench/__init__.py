"""Benchmarks: scripts that print timings, never assert them (`make bench`, `make bench-generate`)."""
