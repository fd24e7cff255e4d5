"""Where Redis is and how to reach it safely: ENCOLA_REDIS_URL read once, for every client that talks to it.

Four clients share the one Redis: the process's own (config.redis_client, also RedBeat's), Celery's
broker (kombu's Redis transport), Flower's broker view, and the tests' helpers. Each library reads TLS
options its own way, so they are read here once and handed to each in the form it takes:

- `rediss://[:PASSWORD@]host:port/db?ssl_ca_certs=…&ssl_certfile=…&ssl_keyfile=…&ssl_cert_reqs=…` is
  redis-py's own URL (https://redis.readthedocs.io/en/stable/connections.html, `from_url`) and
  kombu's (https://docs.celeryq.dev/en/stable/userguide/configuration.html#broker-use-ssl). The
  server's certificate is verified (`ssl_cert_reqs=required`) unless the URL says otherwise: redis-py
  does so by default, kombu does not (a bare rediss:// URL would skip verification), so Celery gets a
  URL that spells it out, and the same options as `broker_use_ssl`, the only place Flower reads them.
- `sentinel://[:PASSWORD@]h1:26379;sentinel://h2:26379/db?ssl_…` lists Sentinels as kombu writes them
  (https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#sentinel);
  ENCOLA_REDIS_SENTINEL_MASTER names the master. The URL's password is the master's;
  ENCOLA_REDIS_SENTINEL_PASSWORD is the Sentinels' own (their `requirepass`), when they have one. Any
  `ssl_*` parameter turns TLS on for the Sentinels and the master alike (Redis's TLS set-up is one
  CA for a deployment: https://redis.io/docs/latest/operate/oss_and_stack/management/security/encryption/).

A Redis reached with neither a password nor TLS is open to anyone on its network; production warns
about it once per process (`warn_if_unprotected`) and `encola status` says so.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

log = logging.getLogger("encola.redis")

SSL_CERT_REQS = ("required", "optional", "none")
_TLS_PATHS = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile")
TLS_PARAMETERS = (*_TLS_PATHS, "ssl_cert_reqs", "ssl_check_hostname")
DEFAULT_SENTINEL_PORT = 26379


class RedisUrlError(ValueError):
    """ENCOLA_REDIS_URL cannot be used as written; the message says why."""


@dataclass(frozen=True)
class RedisTarget:
    url: str
    tls: dict | None  # the ssl_* options (redis-py's names) when TLS is on, else None
    password: bool  # the connection to Redis (the master, with Sentinel) authenticates
    sentinels: tuple[tuple[str, int], ...] = ()
    db: int = 0
    master_username: str | None = None
    master_password: str | None = None
    sentinel_password: str | None = None
    broker_url: str = ""  # the URL Celery is given, TLS options spelt out

    @property
    def sentinel(self) -> bool:
        return bool(self.sentinels)

    @property
    def unprotected(self) -> bool:
        """Neither a password nor TLS: anyone who reaches the port reads and writes the queue. A unix
        socket is protected by the file system instead."""
        return not self.password and self.tls is None and not self.url.startswith("unix://")

    def connection_tls(self) -> dict:
        """redis-py keyword arguments for a TLS connection (empty without TLS)."""
        return {"ssl": True, **self.tls} if self.tls is not None else {}

    def sentinel_kwargs(self) -> dict:
        """redis-py keyword arguments for the connections to the Sentinels themselves."""
        return {"password": self.sentinel_password, **self.connection_tls()}

    def describe(self) -> str:
        return (f"{'Sentinel, ' if self.sentinel else ''}TLS {'on' if self.tls is not None else 'off'}, "
                f"password {'set' if self.password else 'not set'}")


def _tls_options(query: dict[str, str]) -> dict:
    unknown = sorted(name for name in query if name.startswith("ssl_") and name not in TLS_PARAMETERS)
    if unknown:
        raise RedisUrlError(f"ENCOLA_REDIS_URL has unknown TLS parameters {', '.join(unknown)}; encola passes "
                            f"{', '.join(TLS_PARAMETERS)}")
    options = {name: query[name] for name in _TLS_PATHS if query.get(name)}
    reqs = query.get("ssl_cert_reqs", "required").lower()
    if reqs not in SSL_CERT_REQS:
        raise RedisUrlError(f"ssl_cert_reqs in ENCOLA_REDIS_URL must be required, optional or none, got {reqs!r}")
    options["ssl_cert_reqs"] = reqs
    if "ssl_check_hostname" in query:
        options["ssl_check_hostname"] = query["ssl_check_hostname"].lower() in ("1", "true", "yes", "on")
    return options


def _with_tls(query: dict[str, str], tls: dict | None) -> str:
    """The query with the TLS options as read (the server's verification spelt out)."""
    kept = {k: v for k, v in query.items() if k not in TLS_PARAMETERS}
    spelt = {k: str(v).lower() if isinstance(v, bool) else v for k, v in (tls or {}).items()}
    return urlencode({**kept, **spelt}, safe="/")


def parse(url: str, sentinel_password: str | None = None) -> RedisTarget:
    """Read ENCOLA_REDIS_URL (and the Sentinels' password); RedisUrlError when it cannot be used."""
    if url.startswith("sentinel://"):
        return _parse_sentinels(url, sentinel_password)
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("redis", "rediss", "unix"):
        raise RedisUrlError(f"ENCOLA_REDIS_URL must start with redis://, rediss://, unix:// or sentinel://, "
                            f"got {scheme}://")
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    tls_query = {k: v for k, v in query.items() if k.startswith("ssl_")}
    if tls_query and scheme != "rediss":
        raise RedisUrlError("ENCOLA_REDIS_URL has ssl_* parameters but no TLS: write rediss:// to use TLS")
    tls = _tls_options(query) if scheme == "rediss" else None
    broker_url = urlunsplit(parts._replace(query=_with_tls(query, tls)))
    return RedisTarget(url=url, tls=tls, password=bool(parts.password), broker_url=broker_url)


def _parse_sentinels(url: str, sentinel_password: str | None) -> RedisTarget:
    parts = [urlsplit(part) for part in url.split(";") if part]
    if any(p.scheme != "sentinel" or not p.hostname for p in parts):
        raise RedisUrlError("a Sentinel ENCOLA_REDIS_URL lists sentinel://host:port parts separated by ';'")
    query: dict[str, str] = {}
    for p in parts:
        query.update(parse_qsl(p.query))
    path = next((p.path.strip("/") for p in reversed(parts) if p.path.strip("/")), "0")
    try:
        db = int(path)
    except ValueError:
        raise RedisUrlError(f"the database in ENCOLA_REDIS_URL must be a number, got {path!r}") from None
    # user:password, as written (still percent-encoded), from whichever part carries it.
    userinfo = next((p.netloc.rpartition("@")[0] for p in parts if "@" in p.netloc), "")
    quoted_user, _, quoted = userinfo.partition(":")
    password = unquote(quoted) if quoted else None
    tls = _tls_options(query) if any(k.startswith("ssl_") for k in query) else None
    sentinels = tuple((p.hostname, p.port or DEFAULT_SENTINEL_PORT) for p in parts)
    # kombu reads the master's password and the database from the first part only: every part carries them.
    auth = f"{userinfo}@" if userinfo else ""
    broker_url = ";".join(f"sentinel://{auth}{host}:{port}/{db}" for host, port in sentinels)
    return RedisTarget(url=url, tls=tls, password=password is not None, sentinels=sentinels, db=db,
                       master_username=unquote(quoted_user) or None, master_password=password,
                       sentinel_password=sentinel_password, broker_url=broker_url)


def with_db(url: str, db: int) -> str:
    """The same redis:// or rediss:// Redis, another database (tests keep quiet data apart this way),
    its TLS options kept."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


_warned: set[str] = set()
_lock = threading.Lock()


def warn_if_unprotected(settings) -> bool:
    """In production, log once per process that Redis is reached with neither a password nor TLS.
    Waits until the process's logging is set up (a process calls it again from there); True once said."""
    if settings.development or not settings.redis_url or not logging.getLogger().handlers:
        return False
    target = settings.redis_target()
    if not target.unprotected:
        return False
    with _lock:
        if settings.redis_url in _warned:
            return False
        _warned.add(settings.redis_url)
    log.warning("ENCOLA_REDIS_URL reaches Redis with neither a password nor TLS: anyone who can connect to it "
                "reads and changes the queue. Set a password (requirepass, redis://:PASSWORD@host) and TLS "
                "(rediss://) unless Redis is reachable only by encola's machines (docs/production.md)")
    return True
