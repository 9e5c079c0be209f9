"""Benchmark scripts: synthetic data, load, HTTP throughput and analysis timings."""
