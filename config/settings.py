"""Settings read from environment variables: the one place that knows their names and defaults.

Every process (web, workers, beat, CLI) builds the same `Settings` from its environment, so a value set
in the Procfile's environment reaches all of them. docs/configuration.md documents each variable.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import urlsplit

from config.redis_target import RedisUrlError, parse
from config.smtp_target import SmtpTarget, SmtpUrlError, parse_smtp_url


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


# AFIP's real endpoints (its WSAA specification and WSFEv1 developer manual, docs/production.md, "Sources"). The
# simulator's paths are the same, on a local host.
AFIP_URLS = {
    "homologacion": (
        "https://wsaahomo.afip.gov.ar/ws/services/LoginCms",
        "https://wswhomo.afip.gov.ar/wsfev1/service.asmx",
    ),
    "produccion": (
        "https://wsaa.afip.gov.ar/ws/services/LoginCms",
        "https://servicios1.afip.gov.ar/wsfev1/service.asmx",
    ),
}
DEFAULT_SIMULATOR_PORT = 8085


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from None


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None


def _at_least(read, name: str, default, minimum):
    value = read(name, default)
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum:g}, got {value:g}")
    return value


def _decimal(name: str, default: str) -> Decimal:
    raw = os.environ.get(name) or default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if not value.is_finite() or value < 0:
        raise ConfigurationError(f"{name} must be a positive number, got {raw!r}")
    return value


SECRET_HINT = "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
# An operator token shorter than this is guessable enough to matter on an API reachable from outside.
MIN_ADMIN_TOKEN_LENGTH = 32


def _admin_token() -> str | None:
    token = os.environ.get("ENCOLA_ADMIN_TOKEN") or None
    if token is not None and len(token) < MIN_ADMIN_TOKEN_LENGTH:
        raise ConfigurationError(
            f"ENCOLA_ADMIN_TOKEN must have at least {MIN_ADMIN_TOKEN_LENGTH} characters {SECRET_HINT}")
    return token


# Signs the "ventas en cola" page's session cookies: shorter would be guessable offline from one cookie.
MIN_WEB_SECRET_LENGTH = 32


def _web_secret() -> str | None:
    secret = os.environ.get("ENCOLA_WEB_SECRET") or None
    if secret is not None and len(secret) < MIN_WEB_SECRET_LENGTH:
        raise ConfigurationError(f"ENCOLA_WEB_SECRET must have at least {MIN_WEB_SECRET_LENGTH} characters "
                                 f"{SECRET_HINT}")
    return secret


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


def _public_url() -> str | None:
    """Where clients reach the web process from outside, e.g. https://facturas.example.com; the links to
    invoice documents start with it."""
    raw = (os.environ.get("ENCOLA_PUBLIC_URL") or "").strip().rstrip("/")
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError(f"ENCOLA_PUBLIC_URL must be the http(s) address clients reach the web process "
                                 f"at, e.g. https://facturas.example.com, got {raw!r}")
    return raw


ENVIRONMENTS = {
    "production": "a real deployment: https-only public webhook URLs, AFIP's homologacion or produccion, the "
                  "real clock, and every secret production needs (docs/production.md)",
    "development": "a developer's machine: plain-http webhook URLs, the AFIP simulator or AFIP's homologacion, "
                   "a clock tests can move, and a cookie key drawn at start-up",
}


def _env() -> str:
    env = os.environ.get("ENCOLA_ENV") or None
    if env is None:
        # Forgetting the variable must not quietly give a deployment development's allowances.
        raise ConfigurationError("ENCOLA_ENV is not set: set it to production (" + ENVIRONMENTS["production"]
                                 + ") or development (" + ENVIRONMENTS["development"] + ")")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"ENCOLA_ENV must be development or production, got {env!r}")
    return env


# The sender of comprobantes e-mailed by a point of sale without a `mail_from` of its own.
DEFAULT_MAIL_FROM = "encola@localhost"


@dataclass(frozen=True)
class Settings:
    redis_url: str | None
    redis_sentinel_master: str | None
    env: str
    afip_target: str
    wsaa_url: str
    wsfe_url: str
    port: int
    data_dir: str
    afip_connect_timeout: float
    afip_read_timeout: float
    webhook_connect_timeout: float
    webhook_read_timeout: float
    webhook_max_per_endpoint: int
    webhook_retention_days: float
    max_attempts: int
    lane_lease_seconds: float
    schedule_horizon_seconds: float
    consumidor_final_threshold: Decimal
    http_max_body_bytes: int
    http_rate_limit: float
    http_rate_burst: int
    admin_token: str | None
    metrics_token: str | None
    web_secret: str | None
    redis_durability: str
    http_head_timeout: float
    http_body_timeout: float
    max_waiting_comprobantes: int
    max_waiting_hooks: int
    max_days_ahead: int
    redis_memory_alert_percent: float
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    admin_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    webhook_private_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    flower_auth_proxy: bool
    redis_sentinel_password: str | None
    public_url: str | None
    document_link_seconds: float
    retention_days: int
    smtp: SmtpTarget | None = None  # None: no mail server, comprobantes are not e-mailed (docs/email.md)
    mail_from: str = DEFAULT_MAIL_FROM

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def sentinel(self) -> bool:
        return bool(self.redis_url and self.redis_url.startswith("sentinel://"))

    def require_redis_url(self) -> str:
        if self.sentinel and not self.redis_sentinel_master:
            raise ConfigurationError("a sentinel:// ENCOLA_REDIS_URL needs ENCOLA_REDIS_SENTINEL_MASTER, the name of "
                                     "the master the sentinels watch (e.g. mymaster)")
        if not self.redis_url:
            raise ConfigurationError(
                "ENCOLA_REDIS_URL is not set: point it at the Redis that holds the queue, "
                "e.g. redis://127.0.0.1:6379/0 (`encola demo` starts a private one by itself)"
            )
        self.redis_target()
        return self.redis_url

    def redis_target(self):
        """ENCOLA_REDIS_URL read for its clients (config.redis_target): TLS options, passwords, Sentinels."""
        try:
            return parse(self.redis_url or "", self.redis_sentinel_password)
        except RedisUrlError as exc:
            raise ConfigurationError(str(exc)) from None

    def require_web_secret(self) -> str | None:
        """The page's cookie key; only development may go without one (gunicorn's master then draws one
        for all its workers, config/gunicorn.conf.py)."""
        if self.web_secret is None and not self.development:
            raise ConfigurationError("ENCOLA_ENV=production needs ENCOLA_WEB_SECRET, the key that signs the ventas en "
                                     f"cola page's session cookies, the same in every web process {SECRET_HINT}")
        return self.web_secret

    @property
    def document_base_url(self) -> str | None:
        """ENCOLA_PUBLIC_URL; in development, the web process on this machine when it is not set."""
        return self.public_url or (f"http://127.0.0.1:{self.port}" if self.development else None)

    def require_public_url(self) -> str | None:
        """The web process serves the invoice documents whose links the answers and hooks carry: in
        production those links must work from outside, so it needs to know its own public address."""
        if self.document_base_url is None:
            raise ConfigurationError("ENCOLA_ENV=production needs ENCOLA_PUBLIC_URL, the https address clients "
                                     "reach the web process at (e.g. https://facturas.example.com): the links to "
                                     "the invoices' PDFs start with it")
        return self.document_base_url

    def require_metrics_token(self) -> str | None:
        """/metrics' token; its labels name CUITs and volumes, so production does not serve them openly."""
        if self.metrics_token is None and not self.development:
            raise ConfigurationError("ENCOLA_ENV=production needs ENCOLA_METRICS_TOKEN, the bearer token Prometheus "
                                     f"presents to read /metrics {SECRET_HINT}")
        return self.metrics_token


# What the emitter does when Redis could lose an acknowledged write (config/durability.py).
REDIS_DURABILITY_MODES = ("check", "accept-risk")


def _redis_durability() -> str:
    mode = os.environ.get("ENCOLA_REDIS_DURABILITY") or "check"
    if mode not in REDIS_DURABILITY_MODES:
        raise ConfigurationError(f"ENCOLA_REDIS_DURABILITY must be check or accept-risk, got {mode!r}")
    return mode


def _networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """A comma-separated list of addresses or CIDR networks (e.g. 10.0.0.0/8, ::1); empty if unset."""
    networks = []
    for part in (os.environ.get(name) or "").split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ConfigurationError(f"{name} must be addresses or networks separated by commas "
                                         f"(e.g. 10.0.0.0/8,127.0.0.1), got {part.strip()!r}") from None
    return tuple(networks)


def _smtp() -> SmtpTarget | None:
    url = os.environ.get("ENCOLA_SMTP_URL") or None
    if url is None:
        return None
    try:
        return parse_smtp_url(url)
    except SmtpUrlError as exc:
        raise ConfigurationError(str(exc)) from None


def _afip(env: str) -> tuple[str, str, str]:
    """ENCOLA_AFIP and the WSAA and WSFEv1 addresses it means, unless ENCOLA_AFIP_*_URL say otherwise."""
    target = os.environ.get("ENCOLA_AFIP", "simulador")
    if target == "simulador":
        base = f"http://127.0.0.1:{_int('ENCOLA_AFIP_SIM_PORT', DEFAULT_SIMULATOR_PORT)}"
        default_wsaa, default_wsfe = f"{base}/ws/services/LoginCms", f"{base}/wsfev1/service.asmx"
    elif target in AFIP_URLS:
        default_wsaa, default_wsfe = AFIP_URLS[target]
    else:
        raise ConfigurationError(f"ENCOLA_AFIP must be simulador, homologacion or produccion, got {target!r}")
    if env == "production" and target == "simulador":
        raise ConfigurationError("ENCOLA_ENV=production needs ENCOLA_AFIP=homologacion or produccion")
    # Homologacion is AFIP's test service and emits nothing real, so development may use it; produccion
    # from a process with development's allowances (plain http, a movable clock) may not.
    if env == "development" and target == "produccion":
        raise ConfigurationError("ENCOLA_AFIP=produccion needs ENCOLA_ENV=production (development may use the "
                                 "simulador or homologacion)")
    return target, default_wsaa, default_wsfe


def load_settings() -> Settings:
    env = _env()
    target, default_wsaa, default_wsfe = _afip(env)
    return Settings(
        redis_url=os.environ.get("ENCOLA_REDIS_URL") or None,
        redis_sentinel_master=os.environ.get("ENCOLA_REDIS_SENTINEL_MASTER") or None,
        env=env,
        afip_target=target,
        wsaa_url=os.environ.get("ENCOLA_AFIP_WSAA_URL") or default_wsaa,
        wsfe_url=os.environ.get("ENCOLA_AFIP_WSFE_URL") or default_wsfe,
        port=_int("PORT", 8000),
        data_dir=os.environ.get("ENCOLA_DATA_DIR", ".encola"),
        afip_connect_timeout=_float("ENCOLA_AFIP_CONNECT_TIMEOUT", 5.0),
        afip_read_timeout=_float("ENCOLA_AFIP_READ_TIMEOUT", 60.0),
        webhook_connect_timeout=_float("ENCOLA_WEBHOOK_CONNECT_TIMEOUT", 3.0),
        webhook_read_timeout=_float("ENCOLA_WEBHOOK_READ_TIMEOUT", 15.0),
        webhook_max_per_endpoint=_at_least(_int, "ENCOLA_WEBHOOK_MAX_PER_ENDPOINT", 4, 1),
        webhook_retention_days=_at_least(_float, "ENCOLA_WEBHOOK_RETENTION_DAYS", 30.0, 1),
        max_attempts=_int("ENCOLA_MAX_ATTEMPTS", 100),
        lane_lease_seconds=_float("ENCOLA_LANE_LEASE_SECONDS", 30.0),
        schedule_horizon_seconds=_float("ENCOLA_SCHEDULE_HORIZON_SECONDS", 60.0),
        # RG 5700/2025: above $10,000,000 a consumidor final must be identified.
        consumidor_final_threshold=_decimal("ENCOLA_CONSUMIDOR_FINAL_THRESHOLD", "10000000"),
        http_max_body_bytes=_at_least(_int, "ENCOLA_HTTP_MAX_BODY_BYTES", 5 * 1024 * 1024, 1024),
        http_rate_limit=_at_least(_float, "ENCOLA_HTTP_RATE_LIMIT", 10.0, 0),
        http_rate_burst=_at_least(_int, "ENCOLA_HTTP_RATE_BURST", 20, 1),
        admin_token=_admin_token(),
        metrics_token=os.environ.get("ENCOLA_METRICS_TOKEN") or None,
        web_secret=_web_secret(),
        redis_durability=_redis_durability(),
        # Totals for all the reads of a request's head and of its body (producers/http/worker.py).
        http_head_timeout=_at_least(_float, "ENCOLA_HTTP_HEAD_TIMEOUT", 10.0, 1),
        http_body_timeout=_at_least(_float, "ENCOLA_HTTP_BODY_TIMEOUT", 30.0, 1),
        # What one point of sale may hold in Redis (producers/limits.py), each settable per point of sale.
        max_waiting_comprobantes=_at_least(_int, "ENCOLA_MAX_WAITING_COMPROBANTES", 10_000, 1),
        max_waiting_hooks=_at_least(_int, "ENCOLA_MAX_WAITING_HOOKS", 10_000, 1),
        # A year of monthly invoices queued at once fits; AFIP itself takes dates within days of emission.
        max_days_ahead=_at_least(_int, "ENCOLA_MAX_DAYS_AHEAD", 366, 0),
        redis_memory_alert_percent=_at_least(_float, "ENCOLA_REDIS_MEMORY_ALERT_PERCENT", 80.0, 1),
        trusted_proxies=_networks("ENCOLA_TRUSTED_PROXIES"),
        admin_networks=_networks("ENCOLA_ADMIN_NETWORKS"),
        webhook_private_networks=_networks("ENCOLA_WEBHOOK_PRIVATE_NETWORKS"),
        flower_auth_proxy=_bool("ENCOLA_FLOWER_AUTH_PROXY", False),
        redis_sentinel_password=os.environ.get("ENCOLA_REDIS_SENTINEL_PASSWORD") or None,
        public_url=_public_url(),
        # TusFacturas' links to a comprobante's PDF last a day; a consulta always answers fresh ones.
        document_link_seconds=_at_least(_float, "ENCOLA_DOCUMENT_LINK_SECONDS", 86400.0, 60),
        # How long finished comprobantes stay (docs/retention.md); a week at least, so a client's consulta
        # of last week's invoices never finds them gone.
        retention_days=_at_least(_int, "ENCOLA_RETENTION_DAYS", 90, 7),
        smtp=_smtp(), mail_from=os.environ.get("ENCOLA_MAIL_FROM") or DEFAULT_MAIL_FROM,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
