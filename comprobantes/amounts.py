"""The amounts of a comprobante, computed as AFIP checks them (WSFEv1 manual).

Decimal end to end under a context wide enough that nothing is rounded by accident; rounding happens
only where AFIP's tolerance expects a rounded figure, half-even to cents: each line's net, each share of
the general bonificación, each rate's IVA, each tributo. Unit prices are taken to 3 decimals first, as
TusFacturas does ("precios unitarios con 3 decimales, totales con 2").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal, localcontext

from comprobantes.codes import ALICUOTAS, EXENTO, NO_GRAVADO, RATES

CENT = Decimal("0.01")
PRICE_STEP = Decimal("0.001")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
RELATIVE_TOLERANCE = Decimal("0.0001")  # AFIP: 0.01 % of the figure, or 0.01 per summed term
MAX_AMOUNT = Decimal(10) ** 13  # 13 integer digits
# Inputs are bounded to 13 integer and 20 decimal digits: products of two stay exact in 60 digits.
EXACT = Context(prec=60, rounding=ROUND_HALF_EVEN)

# The groups a line's net falls in; taxed lines group by AlicIva Id.
EXENTO_GROUP, NO_GRAVADO_GROUP, FINAL_PRICE_GROUP = "exento", "no_gravado", "neto"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN, context=EXACT)


def unit_price(value: Decimal) -> Decimal:
    return value.quantize(PRICE_STEP, rounding=ROUND_HALF_EVEN, context=EXACT)


@dataclass(frozen=True)
class Line:
    cantidad: Decimal
    precio: Decimal  # without IVA for A, B and M; the final price for C
    bonificacion_porcentaje: Decimal
    alicuota: Decimal

    @property
    def net(self) -> Decimal:
        """cantidad × precio less the line's bonificación, in cents."""
        with localcontext(EXACT):
            gross = self.cantidad * unit_price(self.precio)
            return cents(gross * (HUNDRED - self.bonificacion_porcentaje) / HUNDRED)

    def group(self, discriminates_iva: bool):
        if not discriminates_iva:
            return FINAL_PRICE_GROUP
        if self.alicuota == EXENTO:
            return EXENTO_GROUP
        if self.alicuota == NO_GRAVADO:
            return NO_GRAVADO_GROUP
        return ALICUOTAS[self.alicuota]


@dataclass(frozen=True)
class Tributo:
    id: int
    desc: str
    base: Decimal
    alicuota: Decimal
    importe: Decimal


@dataclass
class Totals:
    neto: Decimal = ZERO  # ImpNeto (class C: the whole subtotal)
    no_gravado: Decimal = ZERO  # ImpTotConc
    exento: Decimal = ZERO  # ImpOpEx
    iva: Decimal = ZERO  # ImpIVA
    alicuotas: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)  # Id → (BaseImp, Importe)
    tributos: list[Tributo] = field(default_factory=list)

    @property
    def imp_trib(self) -> Decimal:
        return sum((t.importe for t in self.tributos), ZERO)

    @property
    def total(self) -> Decimal:
        return self.neto + self.no_gravado + self.exento + self.iva + self.imp_trib

    @property
    def terms(self) -> int:
        """How many rounded figures the total sums, for AFIP's per-term tolerance."""
        return len(self.alicuotas) + len(self.tributos)


def subtotal(lines: list[Line]) -> Decimal:
    return sum((line.net for line in lines), ZERO)


def prorate(amount: Decimal, parts: dict) -> dict:
    """Split `amount` (cents, at most the parts' sum) over `parts` in proportion, in cents that add up
    exactly: floors first, then the cents left over go to the largest remainders."""
    whole = sum(parts.values(), ZERO)
    if amount == 0 or whole == 0:
        return {key: ZERO for key in parts}
    with localcontext(EXACT):
        exact = {key: amount * part / whole for key, part in parts.items()}
        shares = {key: value.quantize(CENT, rounding=ROUND_FLOOR) for key, value in exact.items()}
        left = int((amount - sum(shares.values(), ZERO)) / CENT)
        for key in sorted(parts, key=lambda k: exact[k] - shares[k], reverse=True)[:left]:
            shares[key] += CENT
    return shares


def group_nets(lines: list[Line], bonificacion: Decimal, *, discriminates_iva: bool) -> dict:
    """Net per group after the general bonificación, which TusFacturas applies to the subtotal without
    IVA (IVA is then computed on what remains), shared among the groups in proportion to their nets."""
    nets: dict = {}
    for line in lines:
        key = line.group(discriminates_iva)
        nets[key] = nets.get(key, ZERO) + line.net
    shares = prorate(cents(bonificacion), nets)
    return {key: net - shares[key] for key, net in nets.items()}


def compute_totals(nets: dict, tributos: list[Tributo]) -> Totals:
    totals = Totals(tributos=[t for t in tributos if t.importe != 0])
    for key, net in nets.items():
        if key == FINAL_PRICE_GROUP:
            totals.neto += net
        elif key == EXENTO_GROUP:
            totals.exento += net
        elif key == NO_GRAVADO_GROUP:
            totals.no_gravado += net
        elif net != 0:  # an AlicIva with nothing taxed would only draw AFIP's 10018
            importe = cents(net * RATES[key] / HUNDRED)
            totals.alicuotas[key] = (net, importe)
            totals.neto += net
            totals.iva += importe
    totals.alicuotas = dict(sorted(totals.alicuotas.items()))
    return totals


def within_tolerance(claimed: Decimal, computed: Decimal, terms: int) -> bool:
    """AFIP's margin: an absolute 0.01 per rounded term, or 0.01 % of the figure."""
    difference = abs(claimed - computed)
    return difference <= CENT * max(1, terms) or difference <= abs(computed) * RELATIVE_TOLERANCE
