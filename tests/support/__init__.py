"""Helpers that run the real parts for the tests: Redis, the AFIP simulator, Celery workers, beat."""
