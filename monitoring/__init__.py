"""Watching the service run: structured logs and Prometheus metrics shared by every process."""
