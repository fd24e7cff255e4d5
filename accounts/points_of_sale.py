"""Points of sale (CUIT + punto de venta): their settings and credentials, kept in Redis.

A point of sale is what TusFacturas' `apikey`/`apitoken`/`usertoken` identify. The tokens are stored
only as SHA-256 digests and compared in constant time. The tokens and the webhook token rotate (the new
ones shown once); a rotation of the tokens raises `credentials_version`, which ends the page's sessions
opened before it. Its webhook endpoint (signing secrets, health) is webhook_dispatch's: creating a point of
sale, or changing it, lets the caller stage that part in the same MULTI (`also`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from copy import copy
from dataclasses import asdict, dataclass, fields

from accounts.webhook_url import check_webhook_url
from config import clock
from config.keys import key
from config.settings import get_settings

ISSUER_CONDITIONS = ("RI", "M", "E")  # Responsable Inscripto, Monotributo, Exento
CONCEPTOS = (1, 2, 3)  # productos, servicios, productos y servicios


class PointOfSaleExists(ValueError):
    pass


class UnknownPointOfSale(LookupError):
    pass


@dataclass
class PointOfSale:
    id: str
    cuit: int
    pto_vta: int
    razon_social: str
    condicion_iva: str
    concepto: int
    webhook_url: str
    webhook_token: str
    cert_path: str
    key_path: str
    apikey: str
    apitoken_sha256: str
    usertoken_sha256: str
    idempotent_submission: bool = True
    active: bool = True
    monthly_quota: int = 0  # 0 = unlimited
    batch_size: int = 0  # comprobantes per FECAESolicitar; 0 = AFIP's RegXReq
    created: float = 0.0
    # Caps on what the point of sale may hold waiting in Redis (producers/limits.py); 0 = the global default.
    max_waiting_comprobantes: int = 0
    max_waiting_hooks: int = 0
    # Raised by each rotation of the API credentials: page sessions opened under an older one end.
    credentials_version: int = 0
    # The issuer's data a printed comprobante carries besides razón social, CUIT and IVA condition (RG 1415):
    # domicilio comercial, ingresos brutos, inicio de actividades (yyyy-mm-dd), and a logo's file, if any.
    domicilio: str = ""
    iibb: str = ""
    inicio_actividades: str = ""
    logo_path: str = ""
    # The sender of the comprobantes it e-mails; "" = ENCOLA_MAIL_FROM (mailing.message).
    mail_from: str = ""

    def to_redis(self) -> dict[str, str]:
        return {k: _encode(v) for k, v in asdict(self).items()}

    @classmethod
    def from_redis(cls, raw: dict[str, str]) -> "PointOfSale":
        values = {}
        for f in fields(cls):
            if f.name in raw:
                values[f.name] = _decode(f.type, raw[f.name])
        return cls(**values)

    def public_view(self) -> dict:
        """What may be shown to the owner: everything but token digests. The webhook token is a secret
        too (receivers that check only TF-WebhookToken take it as proof): it is shown at creation and
        rotation only."""
        view = asdict(self)
        for hidden in ("apitoken_sha256", "usertoken_sha256", "webhook_token"):
            view.pop(hidden)
        return view


def _encode(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _decode(type_name: str, raw: str):
    if type_name == "bool":
        return raw == "1"
    if type_name == "int":
        return int(raw)
    if type_name == "float":
        return float(raw)
    return raw


def pdv_id(cuit: int, pto_vta: int) -> str:
    return f"{cuit}-{pto_vta:05d}"


def pdv_key(ident: str) -> str:
    return key("pdv", ident)


def _check_url(url: str) -> None:
    """An empty URL is allowed: the point of sale then cannot queue (TusFacturas' nuevo_encola page), but it exists."""
    if url:
        check_webhook_url(url, development=get_settings().development)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_tokens() -> tuple[str, str]:
    """A new apitoken and usertoken."""
    return secrets.token_hex(16), secrets.token_hex(20)


def new_webhook_token() -> str:
    return secrets.token_hex(16)


def _reserve_apikey(r, ident: str) -> str:
    """A six-digit apikey that no other point of sale has, now naming `ident`."""
    while True:
        apikey = str(secrets.randbelow(900000) + 100000)
        if r.set(key("cred", apikey), ident, nx=True):
            return apikey


def create_point_of_sale(
    r,
    *,
    cuit: int,
    pto_vta: int,
    webhook_url: str,
    cert_path: str,
    key_path: str,
    razon_social: str = "",
    condicion_iva: str = "RI",
    concepto: int = 1,
    idempotent_submission: bool = True,
    monthly_quota: int = 0,
    batch_size: int = 0,
    also: Callable[..., object],
) -> tuple[PointOfSale, dict[str, str]]:
    """Create a point of sale; returns it and the credentials, which are shown this once only.
    `also(pipe, ident)` stages, in the MULTI that writes the point of sale, what must exist exactly when
    it does (webhook_dispatch.points_of_sale: its webhook endpoint and signing secret)."""
    if condicion_iva not in ISSUER_CONDITIONS:
        raise ValueError(f"condicion_iva must be one of {', '.join(ISSUER_CONDITIONS)}")
    if concepto not in CONCEPTOS:
        raise ValueError("concepto must be 1 (productos), 2 (servicios) or 3 (productos y servicios)")
    if not 0 <= batch_size <= 9998:
        raise ValueError("batch_size must be 0 (AFIP's RegXReq) or a number of comprobantes per request")
    _check_url(webhook_url)
    ident = pdv_id(cuit, pto_vta)
    apitoken, usertoken = _new_tokens()
    apikey = _reserve_apikey(r, ident)
    pdv = PointOfSale(
        id=ident,
        cuit=cuit,
        pto_vta=pto_vta,
        razon_social=razon_social,
        condicion_iva=condicion_iva,
        concepto=concepto,
        webhook_url=webhook_url,
        webhook_token=new_webhook_token(),
        cert_path=cert_path,
        key_path=key_path,
        apikey=apikey,
        apitoken_sha256=_digest(apitoken),
        usertoken_sha256=_digest(usertoken),
        idempotent_submission=idempotent_submission,
        monthly_quota=monthly_quota,
        batch_size=batch_size,
        created=clock.timestamp(),
    )
    if not r.hsetnx(key("pdv", ident), "id", ident):
        r.delete(key("cred", apikey))
        raise PointOfSaleExists(f"the point of sale {pto_vta} of CUIT {cuit} already exists")
    pipe = r.pipeline()
    pipe.hset(key("pdv", ident), mapping=pdv.to_redis())
    pipe.zadd(key("pdvs"), {ident: pdv.created})
    also(pipe, ident)
    pipe.execute()
    credentials = {"apikey": apikey, "apitoken": apitoken, "usertoken": usertoken}
    return pdv, credentials


def get_point_of_sale(r, ident: str) -> PointOfSale:
    raw = r.hgetall(key("pdv", ident))
    if not raw:
        raise UnknownPointOfSale(ident)
    return PointOfSale.from_redis(raw)


def list_points_of_sale(r) -> list[PointOfSale]:
    return [get_point_of_sale(r, ident) for ident in r.zrange(key("pdvs"), 0, -1)]


def update_point_of_sale(r, ident: str, *, also: Callable[..., object] | None = None, **changes) -> PointOfSale:
    """Change some settings; only the changed fields are written, so a concurrent change of another
    field (a credentials rotation) is never overwritten with an older value. `also(pipe, before, after)`
    stages more writes in the same MULTI (webhook_dispatch.points_of_sale: a new URL enables its endpoint)."""
    before = get_point_of_sale(r, ident)
    pdv = copy(before)
    for name, value in changes.items():
        if not hasattr(pdv, name) or name in ("id", "cuit", "pto_vta", "apikey"):
            raise ValueError(f"{name} cannot be changed")
        if name == "webhook_url" and value != pdv.webhook_url:
            _check_url(value)
        setattr(pdv, name, value)
    written = pdv.to_redis()
    pipe = r.pipeline()
    if changes:  # an empty HSET is an error in Redis
        pipe.hset(key("pdv", ident), mapping={name: written[name] for name in changes})
    if also is not None:
        also(pipe, before, pdv)
    pipe.execute()
    return pdv


_DUMMY_DIGEST = _digest("no such point of sale")


def authenticate(r, apikey, apitoken, usertoken) -> PointOfSale | None:
    """The point of sale these credentials open, or None; never says which part was wrong."""
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in (apikey, apitoken, usertoken)):
        return None
    ident = r.get(key("cred", str(apikey)))
    pdv = None
    expected_api = expected_user = _DUMMY_DIGEST
    if ident:
        try:
            pdv = get_point_of_sale(r, ident)
        except UnknownPointOfSale:
            pdv = None
        if pdv is not None:
            expected_api, expected_user = pdv.apitoken_sha256, pdv.usertoken_sha256
    # Both comparisons always run, so timing says nothing about which token failed.
    ok_api = hmac.compare_digest(_digest(str(apitoken)), expected_api)
    ok_user = hmac.compare_digest(_digest(str(usertoken)), expected_user)
    if pdv is not None and ok_api and ok_user:
        return pdv
    return None


def rotate_credentials(r, ident: str) -> dict[str, str]:
    """New apitoken and usertoken for the point of sale (its apikey stays: it names the account); the old
    ones open nothing from now on, and page sessions opened with them end (credentials_version).
    Returns the credentials, shown this once only. Raises UnknownPointOfSale."""
    pdv = get_point_of_sale(r, ident)
    apitoken, usertoken = _new_tokens()
    pipe = r.pipeline()  # MULTI: a reader sees the old tokens and version or the new ones, never a mix
    pipe.hset(pdv_key(ident), mapping={"apitoken_sha256": _digest(apitoken), "usertoken_sha256": _digest(usertoken)})
    pipe.hincrby(pdv_key(ident), "credentials_version", 1)
    pipe.execute()
    return {"apikey": pdv.apikey, "apitoken": apitoken, "usertoken": usertoken}


def rotate_webhook_token(r, ident: str) -> str:
    """A new TF-WebhookToken for the point of sale, shown this once only. It has no grace period: the
    token is read at each delivery attempt, so every attempt made after the rotation (a retry of an older
    hook included) carries the new one. Raises UnknownPointOfSale."""
    get_point_of_sale(r, ident)
    token = new_webhook_token()
    r.hset(pdv_key(ident), "webhook_token", token)
    return token
