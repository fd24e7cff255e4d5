"""`encola flower`: the Procfile's flower process. Flower's UI shows every task's arguments and can
revoke tasks and shut workers down, so in production it starts only behind authentication: Flower's own
basic auth (FLOWER_BASIC_AUTH=user:password, which Flower reads from the environment, so the password
never shows in `ps`), or an authenticating proxy the operator states is in front of it
(ENCOLA_FLOWER_AUTH_PROXY=true). Then it becomes Flower itself (`celery -A config.celery_app flower`).
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from config.settings import ConfigurationError, get_settings


def add_arguments(parser) -> None:
    parser.add_argument("--address", default="127.0.0.1", help="address Flower binds (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5555, help="Flower's port (default 5555)")


def check_authentication(environ) -> None:
    """Raises ConfigurationError when Flower would answer without authentication in production, or when
    FLOWER_BASIC_AUTH is set but not a comma-separated list of user:password."""
    basic_auth = environ.get("FLOWER_BASIC_AUTH") or ""
    # Flower splits the list on commas and compares each entry with what the browser sends.
    for entry in basic_auth.split(",") if basic_auth else ():
        user, _, password = entry.partition(":")
        if not user or not password:
            raise ConfigurationError("FLOWER_BASIC_AUTH must be user:password (several separated by commas)")
    settings = get_settings()
    if not settings.development and not basic_auth and not settings.flower_auth_proxy:
        raise ConfigurationError("ENCOLA_ENV=production needs FLOWER_BASIC_AUTH=user:password for Flower, or "
                                 "ENCOLA_FLOWER_AUTH_PROXY=true when a proxy that authenticates every request "
                                 "is the only way to reach it")


def run(args) -> NoReturn:
    check_authentication(os.environ)
    # exec: the supervisor's signals reach Flower itself, and no parent waits around.
    os.execv(sys.executable, [sys.executable, "-m", "celery", "-A", "config.celery_app", "flower",
                              f"--address={args.address}", f"--port={args.port}"])
