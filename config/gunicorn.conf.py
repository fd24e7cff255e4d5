"""gunicorn's settings for the `web` process: its port, its worker (threads reading each request under
deadlines), JSON-lines logs like every other process, and in development a key for the page's cookies
when ENCOLA_WEB_SECRET is not set."""

import os
import secrets

from config.redis_target import warn_if_unprotected
from config.settings import ConfigurationError, get_settings

# Read by the master before it forks: every worker inherits the same key, so a cookie signed by one
# opens in all (a restart signs everyone out, fine in development; production must set its own). Without
# ENCOLA_ENV nothing is drawn: the app's settings then refuse to start.
if os.environ.get("ENCOLA_ENV") == "development" and not os.environ.get("ENCOLA_WEB_SECRET"):
    os.environ["ENCOLA_WEB_SECRET"] = secrets.token_urlsafe(32)

bind = f"{os.environ.get('ENCOLA_WEB_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, so that the instant `facturacion/nuevo` (up to 90 s waiting on Redis for a worker to emit
# it) holds one thread, not a whole worker; the timeout is the workers' heartbeat, kept above that wait.
# The worker class reads every request under a deadline for its head and one for its body
# (producers/http/worker.py), so a slow client holds a thread for ENCOLA_HTTP_HEAD_TIMEOUT +
# ENCOLA_HTTP_BODY_TIMEOUT at most. 16 threads, not 8: an idle thread costs little, and it takes twice as
# many slow clients (or instant waits) at once to leave nothing for everyone else; far more would only
# multiply Redis connections for no throughput, as a request's own work is short. A buffering proxy in
# front (docs/production.md) is what keeps slow clients away.
worker_class = "producers.http.worker.DeadlineWorker"
threads = 16
timeout = 120
# gunicorn's control socket defaults to one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl),
# so every web process of the host would bind the same one and the last started would take it from the
# others; nothing here uses gunicornc, and processes are managed by signals from their supervisor.
control_socket_disable = True
accesslog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logs.formatter"}},
    "filters": {"redact": {"()": "config.logs.Redactor"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json",
                            "filters": ["redact"]}},
    "root": {"level": os.environ.get("ENCOLA_LOG_LEVEL", "INFO"), "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
}


def when_ready(server):
    """Once for the whole `web` process (the master, with logging set up), not once per worker."""
    try:
        warn_if_unprotected(get_settings())
    except ConfigurationError:
        pass  # each worker refuses to start with the message, loading the app
