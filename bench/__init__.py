"""Benchmarks that print figures, with their baseline measured in the same run."""
