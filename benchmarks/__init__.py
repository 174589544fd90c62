"""On-demand speed and memory figures (python -m benchmarks); see benchmarks/README.md."""
