"""The HTTP API's tests talk to the real `web` process (the Procfile's gunicorn line) over a socket, in
front of the run's real stack: Redis, Celery workers, beat, the AFIP simulator and a webhook receiver."""

from __future__ import annotations

import pytest

from tests.support.web import ADMIN_TOKEN, Web


@pytest.fixture(scope="session")
def web(stack):
    # A budget no functional test reaches; the 429 has its own server with a small one.
    server = Web("web", stack.env, stack.base_dir, ENCOLA_HTTP_RATE_LIMIT="1000", ENCOLA_HTTP_RATE_BURST="1000",
                 ENCOLA_ADMIN_TOKEN=ADMIN_TOKEN)
    yield server
    server.stop()
