"""Development helpers that are not commands: a private redis-server, a webhook receiver and the
development point of sale, used by `encola demo`, the tests and the benchmarks; production never imports them."""
