"""The rules FECAESolicitar enforces, as pure functions: the header of a request and each of its details
(AFIP's WSFEv1 developer manual, docs/production.md, "Sources"; the codes and texts are in `messages`).

A detail's check returns two lists of (code, message): the excluding ones (the detail is rejected) and
the observations that still let it through with a CAE. Amounts are compared the way AFIP states its
margin of error: relative error up to 0.01 % or absolute error up to 0.01 (times the number of rates or
tributos for a sum), with expected figures rounded half-even to cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from afip import parameters
from afip.simulator import messages as msg
from afip.simulator import tables

CENT = Decimal("0.01")
RELATIVE_MARGIN = Decimal("0.0001")
MAX_CANT_REG = 9998
# RG 5700/2025 (in force 29-May-2025): a consumidor final must be identified from $10,000,000 on.
IDENTIFICATION_THRESHOLD = Decimal("10000000")
MONOTRIBUTO_CONDITIONS = frozenset({6, 13, 16})
OBS_MONOTRIBUTO = (
    10217,
    "El credito fiscal discriminado en el presente comprobante solo podra ser computado a efectos del "
    "Procedimiento permanente de transicion al Regimen General.",
)

Problems = list[tuple[int, str]]


@dataclass(frozen=True)
class RuleOptions:
    """What differs between AFIP's environments and periods, and so is configurable in the simulator."""

    reg_x_req: int = 250
    identification_threshold: Decimal = IDENTIFICATION_THRESHOLD
    # Before 1-Jul-2025 a missing CondicionIVAReceptorId was only observed (10245), not rejected (10246).
    condicion_iva_optional: bool = False


def amount(value) -> Decimal:
    """A double from the request as a Decimal; a missing value counts as 0, as .NET reads it."""
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def within_margin(actual: Decimal, expected: Decimal, terms: int = 1) -> bool:
    diff = abs(actual - expected)
    if diff <= CENT * max(terms, 1):
        return True
    return expected != 0 and diff / abs(expected) <= RELATIVE_MARGIN


def parse_date(text) -> date | None:
    if not isinstance(text, str) or len(text) != 8 or not text.isdigit():
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def header_errors(cant_reg: int, pto_vta: int, cbte_tipo: int, details: list, options: RuleOptions) -> Problems:
    """Errors that reject the whole request before any detail is looked at."""
    if not 1 <= cant_reg <= MAX_CANT_REG:
        return [(10001, msg.CANT_REG_RANGE)]
    if cant_reg != len(details):
        return [(10002, msg.CANT_REG_MISMATCH.format(informed=cant_reg, sent=len(details)))]
    if cant_reg > options.reg_x_req or (cbte_tipo in tables.FCE and cant_reg > 1):
        return [(10003, msg.CANT_REG_MAX)]
    if not 1 <= pto_vta <= 99998:
        return [(10004, msg.PTO_VTA_RANGE)]
    if cbte_tipo <= 0:
        return [(10006, "Campo CbteTipo debe ser un valor numérico mayor a 0.")]
    if cbte_tipo not in {row[0] for row in parameters.TIPOS_CBTE}:
        return [(10007, msg.CBTE_TIPO_INVALID)]
    return []


@dataclass(frozen=True)
class DetailContext:
    cuit: int
    cbte_tipo: int
    expected_numero: int
    last_fch: str  # yyyymmdd of the lane's last comprobante, "" if none
    today: date  # N: the date the request is sent, in Argentina
    cotizaciones: dict[str, Decimal]
    options: RuleOptions


def check_detail(detail: dict, ctx: DetailContext) -> tuple[Problems, Problems]:
    """(excluding problems, observations) of one FECAEDetRequest, in AFIP's order of the fields."""
    problems: Problems = []
    observations: Problems = []
    problems += _numbering(detail, ctx)
    problems += _receiver(detail, ctx)
    problems += _dates(detail, ctx)
    problems += _service_dates(detail, ctx)
    problems += _amounts(detail, ctx)
    problems += _iva(detail, ctx)
    problems += _tributos(detail)
    problems += _currency(detail, ctx)
    condition_problems, condition_observations = _condicion_iva(detail, ctx)
    return problems + condition_problems, observations + condition_observations


def cbte_fch(detail: dict, today: date) -> str:
    """The comprobante's date: as sent, or the process date when it is left out."""
    return detail.get("CbteFch") or today.strftime("%Y%m%d")


def _numbering(detail: dict, ctx: DetailContext) -> Problems:
    problems = []
    desde, hasta = int(detail.get("CbteDesde") or 0), int(detail.get("CbteHasta") or 0)
    if desde != ctx.expected_numero or cbte_fch(detail, ctx.today) < ctx.last_fch:
        problems.append((10016, msg.SEQUENCE))
    if ctx.cbte_tipo in tables.CLASS_B and ctx.cbte_tipo not in tables.FCE:
        if hasta < desde:
            problems.append((10011, msg.DETAIL[10011]))
    elif desde != hasta:
        problems.append((10012, msg.DETAIL[10012]))
    if int(detail.get("Concepto") or 0) not in (1, 2, 3):
        problems.append((10030, msg.DETAIL[10030]))
    return problems


def _receiver(detail: dict, ctx: DetailContext) -> Problems:
    problems = []
    doc_tipo, doc_nro = int(detail.get("DocTipo") or 0), int(detail.get("DocNro") or 0)
    if (ctx.cbte_tipo in tables.CLASS_A or ctx.cbte_tipo in tables.CLASS_M) and doc_tipo != 80:
        problems.append((10013, msg.DETAIL[10013]))
    if ctx.cbte_tipo in tables.CLASS_B:
        problems += _consumidor_final(detail, ctx, doc_tipo, doc_nro)
    if doc_nro == ctx.cuit:
        problems.append((10069, msg.DETAIL[10069]))
    return problems


def _consumidor_final(detail: dict, ctx: DetailContext, doc_tipo: int, doc_nro: int) -> Problems:
    """Class B: who must be identified, by the amount per comprobante in pesos (10014, 10015)."""
    count = max(int(detail.get("CbteHasta") or 0) - int(detail.get("CbteDesde") or 0) + 1, 1)
    cotiz = amount(detail.get("MonCotiz")) if detail.get("MonCotiz") is not None else Decimal(1)
    per_comprobante = amount(detail.get("ImpTotal")) * cotiz / count
    threshold = ctx.options.identification_threshold
    if count > 1:
        problems = [] if per_comprobante < threshold else [(10014, msg.DETAIL[10014])]
        if doc_tipo != 99 or doc_nro != 0:
            problems.append((10015, msg.DOC_RANGE_CF))
        return problems
    if per_comprobante >= threshold:
        return [(10015, msg.DOC_ABOVE_THRESHOLD)] if doc_tipo == 99 or doc_nro <= 0 else []
    if doc_tipo == 99:
        return [(10015, msg.DOC_SINGLE_CF)] if doc_nro != 0 else []
    known = {row[0] for row in parameters.TIPOS_DOC}
    if doc_tipo not in (80, 86, 87) and (doc_tipo not in known or doc_nro <= 0):
        return [(10015, msg.DOC_OTHER)]
    return []


def _dates(detail: dict, ctx: DetailContext) -> Problems:
    """CbteFch within the window of its Concepto (or of FCE), and a future date only within the month."""
    raw = detail.get("CbteFch")
    if not raw:
        return []
    fch = parse_date(raw)
    concepto = int(detail.get("Concepto") or 0)
    n = ctx.today
    if ctx.cbte_tipo in tables.FCE_FACTURAS:
        window, text, same_month = (n - timedelta(days=5), n + timedelta(days=1)), msg.WINDOW_FCE_FACTURA, True
    elif ctx.cbte_tipo in tables.FCE:
        window, text, same_month = (n - timedelta(days=5), n), msg.WINDOW_FCE_NOTA, False
    elif concepto in (2, 3):
        text = msg.WINDOW_SERVICIOS.format(concepto=msg.CONCEPTOS[concepto])
        window, same_month = (n - timedelta(days=10), n + timedelta(days=10)), False
    else:
        window, text, same_month = (n - timedelta(days=5), n + timedelta(days=5)), msg.WINDOW_PRODUCTOS, True
    if fch is None or not window[0] <= fch <= window[1]:
        return [(10016, text)]
    if same_month and fch > n and (fch.year, fch.month) != (n.year, n.month):
        return [(10152, msg.DETAIL[10152])]
    return []


def _service_dates(detail: dict, ctx: DetailContext) -> Problems:
    desde, hasta, vto = (detail.get(name) or "" for name in ("FchServDesde", "FchServHasta", "FchVtoPago"))
    concepto = int(detail.get("Concepto") or 0)
    if concepto in (2, 3):
        if not all(parse_date(value) for value in (desde, hasta, vto)):
            return [(10049, msg.DETAIL[10049])]
    elif desde or hasta or vto:
        missing = [(code, msg.DETAIL[code]) for code, value in ((10031, desde), (10033, hasta), (10035, vto))
                   if not value]
        if missing:
            return missing
        if not all(parse_date(value) for value in (desde, hasta, vto)):
            return [(10049, msg.DETAIL[10049])]
    else:
        return []
    problems = []
    if parse_date(desde) > parse_date(hasta):
        problems.append((10032, msg.DETAIL[10032]))
    if parse_date(vto) < (parse_date(cbte_fch(detail, ctx.today)) or ctx.today):
        problems.append((10036, msg.DETAIL[10036]))
    return problems


def _amounts(detail: dict, ctx: DetailContext) -> Problems:
    total, conc, neto, opex, trib, iva = (
        amount(detail.get(name)) for name in ("ImpTotal", "ImpTotConc", "ImpNeto", "ImpOpEx", "ImpTrib", "ImpIVA"))
    clase_c = ctx.cbte_tipo in tables.CLASS_C
    problems = []
    for code, value, zero_in_c in ((10043, conc, True), (10044, opex, True), (10045, neto, False),
                                   (10046, trib, False), (10047, iva, True)):
        if value < 0 or (clase_c and zero_in_c and value != 0):
            problems.append((code, msg.DETAIL[code]))
    if total < 0:
        problems.append((10065, msg.DETAIL[10065]))
    expected = neto + trib if clase_c else conc + neto + opex + trib + iva
    if not within_margin(total, expected):
        problems.append((10048, msg.DETAIL[10048]))
    return problems


def _iva(detail: dict, ctx: DetailContext) -> Problems:
    alicuotas = list((detail.get("Iva") or {}).get("AlicIva") or [])
    if ctx.cbte_tipo in tables.CLASS_C:
        return [(10071, msg.DETAIL[10071])] if detail.get("Iva") is not None else []
    neto, iva = amount(detail.get("ImpNeto")), amount(detail.get("ImpIVA"))
    if not alicuotas:
        if neto > 0:
            return [(10070, msg.DETAIL[10070])]
        return [(10018, msg.DETAIL[10018])] if iva > 0 else []
    problems = []
    ids = [int(a.get("Id") or 0) for a in alicuotas]
    if iva == 0 and any(i != 3 for i in ids):
        problems.append((10018, msg.DETAIL[10018]))
    if any(i not in parameters.IVA_RATES for i in ids):
        return problems + [(10019, msg.DETAIL[10019])]
    if len(set(ids)) != len(ids):
        problems.append((10022, msg.DETAIL[10022]))
    if not within_margin(iva, sum(amount(a.get("Importe")) for a in alicuotas), len(alicuotas)):
        problems.append((10023, msg.DETAIL[10023]))
    if ctx.cbte_tipo in tables.NOTAS_SIN_CONTROL_IVA:
        return problems
    for alicuota in alicuotas:
        base = amount(alicuota.get("BaseImp"))
        due = (base * parameters.IVA_RATES[int(alicuota["Id"])] / 100).quantize(CENT, rounding=ROUND_HALF_EVEN)
        if not within_margin(amount(alicuota.get("Importe")), due):
            problems.append((10051, msg.DETAIL[10051]))
            break
    if not within_margin(neto, sum(amount(a.get("BaseImp")) for a in alicuotas), len(alicuotas)):
        problems.append((10061, msg.DETAIL[10061]))
    return problems


def _tributos(detail: dict) -> Problems:
    tributos = list((detail.get("Tributos") or {}).get("Tributo") or [])
    trib = amount(detail.get("ImpTrib"))
    if (trib > 0) != bool(tributos):
        return [(10024, msg.DETAIL[10024])]
    problems = []
    known = {row[0] for row in parameters.TIPOS_TRIBUTOS}
    if any(int(t.get("Id") or 0) not in known for t in tributos):
        problems.append((10025, msg.DETAIL[10025]))
    if any(int(t.get("Id") or 0) == 99 and not (t.get("Desc") or "").strip() for t in tributos):
        problems.append((10042, msg.DETAIL[10042]))
    if tributos and not within_margin(trib, sum(amount(t.get("Importe")) for t in tributos), len(tributos)):
        problems.append((10029, msg.DETAIL[10029]))
    return problems


def _currency(detail: dict, ctx: DetailContext) -> Problems:
    mon_id = detail.get("MonId") or ""
    if mon_id not in {row[0] for row in parameters.TIPOS_MONEDAS}:
        return [(10037, msg.DETAIL[10037])]
    same_currency = (detail.get("CanMisMonExt") or "").upper() == "S"
    cotiz = amount(detail.get("MonCotiz")) if detail.get("MonCotiz") is not None else None
    if mon_id == "PES":
        problems = [(10241, msg.DETAIL[10241])] if same_currency else []
        return problems + ([] if cotiz == 1 else [(10039, msg.DETAIL[10039])])
    if cotiz is None or cotiz <= 0:
        return [] if same_currency and cotiz is None else [(10038, msg.DETAIL[10038])]
    reference = ctx.cotizaciones.get(mon_id)
    if reference is not None and not reference * Decimal("0.02") <= cotiz <= reference * 4:
        return [(10119, msg.DETAIL[10119])]
    return []


def _condicion_iva(detail: dict, ctx: DetailContext) -> tuple[Problems, Problems]:
    condition = detail.get("CondicionIVAReceptorId")
    if condition is None:
        if ctx.options.condicion_iva_optional:
            return [], [(10245, msg.DETAIL[10245])]
        return [(10246, msg.DETAIL[10246])], []
    classes = {row[0]: row[2] for row in parameters.CONDICIONES_IVA_RECEPTOR}
    if int(condition) not in classes:
        return [(10242, msg.DETAIL[10242])], []
    if tables.clase(ctx.cbte_tipo) not in classes[int(condition)]:
        return [(10243, msg.DETAIL[10243])], []
    if tables.clase(ctx.cbte_tipo) == "A" and int(condition) in MONOTRIBUTO_CONDITIONS:
        return [], [OBS_MONOTRIBUTO]
    return [], []
