"""Configuration shared by every process: settings, the Redis connection, Redis key names, the clock and the Celery app."""
