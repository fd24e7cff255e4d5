"""The rules a comprobante must meet beyond its format: the queue's own (TusFacturas' queue pages) and pre-flight
checks that mirror AFIP's (WSFEv1 manual), so that errors come back at submission, not at emission.

Each rule reads only fields that loaded cleanly, so one request gets every problem that can be judged,
never only the first. `judge` returns the problems and, when there are none, what AFIP will receive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from comprobantes import problems as P
from comprobantes.amounts import (
    MAX_AMOUNT, Line, Totals, Tributo, cents, compute_totals, group_nets, subtotal, within_tolerance,
)
from comprobantes.answers import Problem
from comprobantes.dates import ddmmyyyy
from comprobantes.codes import (
    ALICUOTAS, CONDICION_PAGO_OTRA, CONDICIONES_IVA, CONDICIONES_POR_CLASE, DOCUMENTO_TIPOS, EXENTO,
    IMPUESTOS_INTERNOS, NO_GRAVADO, NOT_QUEUEABLE, PERCEPCION_IIBB, PERCEPCION_IVA, PESOS, PRODUCTOS, REGIMENES,
    REMITOS_Y_PEDIDOS, TIPOS, TRIBUTOS, WITH_CHECK_DIGIT, TipoComprobante, normalize_name,
)
from comprobantes.wsfe_mapping import Asociado, Emision, Receptor

EXTERNAL_REFERENCE = re.compile(r"[A-Za-z0-9_-]+")
MAX_REFERENCE = 255
MAX_ABONO_REFERENCE = MAX_REFERENCE - len("-aaaamm")  # each repetition of an abono adds its month
MAX_COTIZACION = Decimal(10) ** 4  # MonCotiz: 4 integer and 6 decimal digits
ONE = Decimal(1)


def days_back(concepto: int) -> int:
    """How far back AFIP accepts CbteFch from the day the request is sent (WSFEv1 manual). The
    emitter sends a comprobante on its own fecha, or today when that has passed: only the past is
    limited."""
    return 5 if concepto == PRODUCTOS else 10


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def reference_of(raw_cbte) -> tuple[str, list[Problem]]:
    """external_reference as text, and its problems in the words of TusFacturas' nuevo_encola page. An
    empty reference fails both ways, as in that page's second example."""
    ref = raw_cbte.get("external_reference") if isinstance(raw_cbte, dict) else None
    if isinstance(ref, int) and not isinstance(ref, bool):
        ref = str(ref)  # TusFacturas' own examples send 17032
    if ref is None or (isinstance(ref, str) and ref.strip() == ""):
        return "", [P.MISSING_REFERENCE, P.BAD_REFERENCE]
    if not isinstance(ref, str):
        return "", [P.BAD_REFERENCE]
    found = []
    if not EXTERNAL_REFERENCE.fullmatch(ref):
        found.append(P.BAD_REFERENCE)
    if len(ref) > MAX_REFERENCE:
        found.append(P.LONG_REFERENCE)
    return ref, found


def resolve_tipo(name: str) -> tuple[TipoComprobante | None, Problem | None]:
    key = normalize_name(name)
    if key in NOT_QUEUEABLE:
        return None, P.NOT_QUEUEABLE(NOT_QUEUEABLE[key])
    if key not in TIPOS:
        return None, P.TIPO(f"El tipo de comprobante '{name}' no es valido. Consultá la tabla de tipos de comprobante.")
    return TIPOS[key], None


def cuit_is_valid(digits: str) -> bool:
    if not re.fullmatch(r"\d{11}", digits):
        return False
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    remainder = 11 - sum(int(d) * w for d, w in zip(digits, weights)) % 11
    check = {11: 0, 10: None}.get(remainder, remainder)
    return check == int(digits[10])


def document_number(documento_tipo: str, raw: str) -> tuple[int | None, Problem | None]:
    """DocNro for AFIP, or why the number does not fit its document type."""
    text = raw.strip()
    if documento_tipo == "OTRO":
        if text == "" or re.fullmatch(r"0+", text):
            return 0, None
        return None, P.DOCUMENTO("Con documento_tipo OTRO (consumidor final sin identificar) el documento_nro "
                                 "debe ser 0.")
    if not re.fullmatch(r"\d+", text):
        return None, P.DOCUMENTO(f"El documento_nro '{raw}' debe contener solo digitos, sin puntos ni guiones.")
    if documento_tipo in WITH_CHECK_DIGIT and not cuit_is_valid(text):
        return None, P.DOCUMENTO(f"El {documento_tipo} {text} no es valido: debe tener 11 digitos y su digito "
                                 f"verificador.")
    if documento_tipo == "DNI" and not 0 < int(text) <= 99_999_999:
        return None, P.DOCUMENTO(f"El DNI {text} no es valido: debe tener hasta 8 digitos.")
    if len(text) > 18 or int(text) == 0:
        return None, P.DOCUMENTO(f"El documento_nro {text} no es valido para {documento_tipo}.")
    return int(text), None


@dataclass
class Judgement:
    problems: list[Problem] = field(default_factory=list)
    emision: Emision | None = None
    totals: Totals | None = None


class _Judge:
    """One item's rules, over the data of both blocks that loaded and the names of those that did not."""

    def __init__(self, cliente: dict, cliente_errors: dict, cbte: dict, cbte_errors: dict, pdv, today: date,
                 threshold: Decimal, days_ahead: int, submitted: bool):
        self.cliente, self.cliente_errors = cliente, cliente_errors
        self.cbte, self.cbte_errors = cbte, cbte_errors
        self.pdv, self.today, self.threshold, self.submitted = pdv, today, threshold, submitted
        self.days_ahead = days_ahead
        self.problems: list[Problem] = []
        self.tipo: TipoComprobante | None = None

    def has(self, name: str) -> bool:
        return name in self.cbte and name not in self.cbte_errors

    def has_cliente(self, name: str) -> bool:
        return name in self.cliente and name not in self.cliente_errors

    def add(self, problem: Problem | None) -> None:
        if problem is not None:
            self.problems.append(problem)

    # The queue

    def queue_rules(self) -> None:
        if self.has("tipo"):
            self.tipo, problem = resolve_tipo(self.cbte["tipo"])
            self.add(problem)
        if self.has("operacion") and self.cbte["operacion"] == "C":
            self.add(P.NOT_QUEUEABLE("La cola de procesamiento solo admite ventas (operacion V); las compras no se "
                                     "emiten en AFIP."))
        if self.has("numero") and self.cbte["numero"] != 0:
            self.add(P.NUMERO("Cuando se envia un comprobante a la cola, el campo numero debe ser 0: "
                              "el numero se asigna al emitirlo."))
        if self.has("punto_venta") and self.cbte["punto_venta"] != self.pdv.pto_vta:
            self.add(P.PUNTO_VENTA(f"El punto de venta {self.cbte['punto_venta']} no corresponde a tus credenciales "
                                   f"(punto de venta {self.pdv.pto_vta})."))
        if self.has("abono") and self.cbte["abono"] == "S":
            self.abono_rules()

    def abono_rules(self) -> None:
        """An abono is emitted again every abono_frecuencia months until abono_hasta (comprobantes/abonos.py),
        each occurrence under the reference plus "-aaaamm": what it needs must be right from the start, or
        the recurrence would stop unseen."""
        if "abono_frecuencia" not in self.cbte_errors and "abono_frecuencia" not in self.cbte:
            self.add(P.ABONO("Un abono (abono S) debe informar abono_frecuencia, en meses."))
        if "abono_hasta" not in self.cbte_errors:
            hasta = self.cbte.get("abono_hasta")
            if hasta is None:
                self.add(P.ABONO("Un abono (abono S) debe informar abono_hasta (mm/aaaa)."))
            elif self.has("fecha") and (hasta.year, hasta.month) < (self.cbte["fecha"].year, self.cbte["fecha"].month):
                self.add(P.ABONO(f"El abono_hasta ({hasta:%m/%Y}) es anterior al mes del comprobante."))
        if self.cbte.get("abono_actualiza_precios") == "S":
            self.add(P.ABONO("La cola repite los precios enviados en cada abono: abono_actualiza_precios S no se "
                             "puede aplicar (no hay lista de precios)."))
        reference, _ = reference_of(self.cbte)
        # Only a client's submission: a repetition, judged again, already carries its -aaaamm.
        if self.submitted and len(reference) > MAX_ABONO_REFERENCE:
            self.add(P.ABONO(f"La external_reference de un abono puede tener hasta {MAX_ABONO_REFERENCE} caracteres: "
                             f"cada repeticion agrega -aaaamm."))

    # Dates

    def date_rules(self) -> None:
        if not self.has("fecha"):
            return
        fecha = self.cbte["fecha"]
        days = days_back(self.pdv.concepto)
        if fecha < self.today - timedelta(days=days):
            self.add(P.FECHA(f"La fecha del comprobante ({ddmmyyyy(fecha)}) es anterior a lo que AFIP acepta: hasta {days} "
                             f"dias antes del dia de emision para el concepto de tu punto de venta."))
        # A queued comprobante waits in Redis until its fecha: years ahead is a mistake, not a plan.
        latest = self.today + timedelta(days=self.days_ahead)
        if fecha > latest:
            self.add(P.FECHA_FUTURA(f"La fecha del comprobante ({ddmmyyyy(fecha)}) es posterior a lo que la cola acepta: "
                                    f"hasta {self.days_ahead} dias despues de hoy ({ddmmyyyy(latest)})."))
        if self.pdv.concepto == PRODUCTOS:
            return
        desde, hasta = self.cbte.get("periodo_facturado_desde"), self.cbte.get("periodo_facturado_hasta")
        if "periodo_facturado_desde" not in self.cbte_errors and "periodo_facturado_hasta" not in self.cbte_errors:
            if desde is None or hasta is None:
                self.add(P.PERIODO("Para conceptos tipo servicios debe existir el periodo facturado "
                                   "(periodo_facturado_desde y periodo_facturado_hasta)."))
            elif desde > hasta:
                self.add(P.PERIODO(f"El periodo facturado termina ({ddmmyyyy(hasta)}) antes de empezar ({ddmmyyyy(desde)})."))
        if "vencimiento" not in self.cbte_errors:
            vencimiento = self.cbte.get("vencimiento")
            if vencimiento is None:
                self.add(P.VENCIMIENTO("Para conceptos tipo servicios debe informarse el vencimiento del pago."))
            elif vencimiento < fecha:
                self.add(P.VENCIMIENTO(f"El vencimiento del pago ({ddmmyyyy(vencimiento)}) no puede ser anterior a la "
                                       f"fecha del comprobante ({ddmmyyyy(fecha)})."))

    # Currency

    def currency_rules(self) -> None:
        if not self.has("moneda") or "cotizacion" in self.cbte_errors:
            return
        cotizacion = self.cbte.get("cotizacion")
        paga_misma = (self.cbte.get("datos_informativos") or {}).get("paga_misma_moneda") == "S"
        if self.cbte["moneda"] == PESOS:
            if cotizacion is not None and cotizacion != ONE:
                self.add(P.MONEDA(f"Para moneda PES la cotizacion debe ser 1, no {cotizacion}."))
            if paga_misma:
                self.add(P.MONEDA("paga_misma_moneda S solo corresponde a comprobantes en moneda extranjera."))
        elif cotizacion is None:
            self.add(P.MONEDA(f"Para moneda {self.cbte['moneda']} debe informarse la cotizacion."))
        elif cotizacion >= MAX_COTIZACION or cotizacion.as_tuple().exponent < -6:
            self.add(P.MONEDA(f"La cotizacion {cotizacion} excede lo que admite AFIP (4 enteros y 6 decimales)."))

    def cotizacion(self) -> Decimal | None:
        return self.cbte.get("cotizacion") if self.cbte.get("moneda") != PESOS else ONE

    # Lines

    def line_rules(self) -> bool:
        """Whether every line can be priced."""
        if not self.has("detalle"):
            return False
        fine = True
        for index, line in enumerate(self.cbte["detalle"]):
            rate = line["producto"]["alicuota"]
            # a line as the client counts it, and as its JSON path names it
            where = f"la linea {index + 1} del detalle (comprobante.detalle[{index}].producto"
            if rate not in ALICUOTAS and rate not in (EXENTO, NO_GRAVADO):
                self.add(P.ALICUOTA(f"La alicuota {rate} de {where}.alicuota) no es valida: debe ser 27, 21, 10.5, "
                                    f"5, 2.5, 0, -1 (exento) o -2 (no gravado)."))
                fine = False
            if line["producto"].get("impuestos_internos_alicuota"):
                self.add(P.IMPUESTOS_INTERNOS(f"En {where}.impuestos_internos_alicuota) hay una alicuota de impuestos "
                                              f"internos: informá el importe de impuestos internos en "
                                              f"comprobante.impuestos_internos."))
        return fine

    def tributo_rules(self) -> bool:
        """Whether every tributo can be mapped."""
        if not self.has("tributos"):
            return False
        fine = True
        for index, tributo in enumerate(self.cbte["tributos"]):
            if tributo["tipo"] not in TRIBUTOS:
                self.add(P.INVALID(f"El campo comprobante.tributos[{index}].tipo ({tributo['tipo']}) no es un tipo de "
                                   f"tributo de AFIP."))
                fine = False
            if tributo["regimen"] not in REGIMENES:
                self.add(P.INVALID(f"El campo comprobante.tributos[{index}].regimen ({tributo['regimen']}) no es un "
                                   f"regimen de percepcion de la tabla de TusFacturas."))
        return fine

    # Notes and their associated comprobantes

    def asociados_rules(self) -> list[Asociado]:
        asociados = []
        for index, raw in enumerate(self.cbte.get("comprobantes_asociados") or []):
            if not isinstance(raw, dict):
                continue  # its own field problem is already reported
            asociado = self._asociado(index, raw)
            if asociado is not None:
                asociados.append(asociado)
        if self.tipo is None or "comprobantes_asociados" in self.cbte_errors:
            return asociados
        has_list = bool(self.cbte.get("comprobantes_asociados"))
        has_period = any("comprobantes_asociados_periodo" in found for found in (self.cbte, self.cbte_errors))
        if self.tipo.is_note and has_list == has_period:
            self.add(P.ASOCIADOS_FALTAN(
                "Las notas de credito y debito deben informar sus comprobantes_asociados o bien su "
                "comprobantes_asociados_periodo (uno de los dos)." if not has_list else
                "Envía comprobantes_asociados o comprobantes_asociados_periodo, no ambos."))
        if not self.tipo.is_note and (has_list or has_period):
            self.add(P.ASOCIADOS_EN_FACTURA(f"Un comprobante {self.tipo.nombre} no lleva comprobantes asociados: "
                                            f"solo las notas de credito y debito."))
        if self.has("comprobantes_asociados_periodo"):
            periodo = self.cbte["comprobantes_asociados_periodo"]
            desde, hasta = periodo["fecha_desde"], periodo["fecha_hasta"]
            if desde > hasta:
                self.add(P.ASOCIADO(f"El periodo asociado termina ({ddmmyyyy(hasta)}) antes de empezar ({ddmmyyyy(desde)})."))
            if self.has("fecha") and hasta > self.cbte["fecha"]:
                self.add(P.ASOCIADO(f"El periodo asociado ({ddmmyyyy(hasta)}) no puede terminar despues de la fecha del "
                                    f"comprobante ({ddmmyyyy(self.cbte['fecha'])})."))
        return asociados

    def _asociado(self, index: int, raw: dict) -> Asociado | None:
        where = f"El comprobante asociado {index}"
        if not {"tipo_comprobante", "punto_venta", "numero", "comprobante_fecha"} <= raw.keys():
            return None  # its own fields already failed
        key = normalize_name(raw["tipo_comprobante"])
        if key in REMITOS_Y_PEDIDOS:
            self.add(P.REMITOS_PEDIDOS(f"{where} es un {key.lower()}: la cola de procesamiento no admite comprobantes "
                                       f"relacionados con remitos o pedidos."))
            return None
        tipo = TIPOS.get(key)
        if tipo is None:
            self.add(P.ASOCIADO(f"{where} ('{raw['tipo_comprobante']}') no es un comprobante autorizado por AFIP que "
                                f"una nota pueda asociar."))
            return None
        found = False
        if self.tipo is not None and tipo.clase != self.tipo.clase:
            self.add(P.ASOCIADO(f"{where} es {tipo.nombre}: una {self.tipo.nombre} solo puede asociar comprobantes "
                                f"de clase {self.tipo.clase}."))
            found = True
        if self.has("fecha") and raw["comprobante_fecha"] > self.cbte["fecha"]:
            self.add(P.ASOCIADO(f"{where} tiene fecha {ddmmyyyy(raw['comprobante_fecha'])}, posterior a la del comprobante "
                                f"({ddmmyyyy(self.cbte['fecha'])})."))
            found = True
        cuit = raw.get("cuit", self.pdv.cuit)
        if cuit != self.pdv.cuit:
            self.add(P.ASOCIADO(f"{where} informa la CUIT {cuit}: debe ser la del emisor ({self.pdv.cuit})."))
            found = True
        if found:
            return None
        return Asociado(tipo.cbte_tipo, raw["punto_venta"], raw["numero"], cuit, raw["comprobante_fecha"])

    # The receiver

    def condicion_pago_rule(self) -> None:
        """condicion_pago 214 (Otra) names the condition in condicion_pago_otra."""
        if (self.has_cliente("condicion_pago") and self.cliente["condicion_pago"] == CONDICION_PAGO_OTRA
                and "condicion_pago_otra" not in self.cliente_errors
                and not (self.cliente.get("condicion_pago_otra") or "").strip()):
            self.add(P.CLIENTE_INVALID("El campo cliente.condicion_pago_otra es obligatorio cuando condicion_pago es "
                                       "214 (Otra)."))

    def receptor_rules(self) -> Receptor | None:
        if not (self.has_cliente("documento_tipo") and self.has_cliente("documento_nro")):
            return None
        documento_tipo = self.cliente["documento_tipo"]
        doc_nro, problem = document_number(documento_tipo, self.cliente["documento_nro"])
        self.add(problem)
        if doc_nro is not None and doc_nro == self.pdv.cuit:
            self.add(P.DOCUMENTO_PROPIO(f"El documento del cliente ({doc_nro}) es la CUIT del emisor: no podés "
                                        f"facturarte a vos mismo."))
        condicion = self.cliente.get("condicion_iva_operacion") or self.cliente.get("condicion_iva")
        if self.tipo is not None and self.tipo.clase in ("A", "M") and documento_tipo != "CUIT":
            self.add(P.CLASE_NEEDS_CUIT(f"Los comprobantes {self.tipo.clase} requieren un cliente identificado con "
                                        f"CUIT, no con {documento_tipo}."))
        if self.tipo is not None and condicion is not None and "condicion_iva_operacion" not in self.cliente_errors:
            if CONDICIONES_IVA[condicion] not in CONDICIONES_POR_CLASE[self.tipo.clase]:
                self.add(P.CONDICION_IVA_CLASE(f"Para la condicion de IVA seleccionada no se permite realizar "
                                               f"comprobantes de tipo {self.tipo.clase}."))
        if doc_nro is None or condicion is None:
            return None
        return Receptor(DOCUMENTO_TIPOS[documento_tipo], doc_nro, CONDICIONES_IVA[condicion])

    # Amounts

    AMOUNT_FIELDS = ("detalle", "total", "bonificacion", "tributos", "percepciones_iva", "percepciones_iva_base",
                     "percepciones_iva_alicuota", "percepciones_iibb", "percepciones_iibb_base",
                     "percepciones_iibb_alicuota", "impuestos_internos", "impuestos_internos_base",
                     "impuestos_internos_alicuota", "exentos", "nogravados", "moneda", "cotizacion")

    def amount_rules(self, priceable: bool) -> Totals | None:
        if self.tipo is None or not priceable or any(name in self.cbte_errors for name in self.AMOUNT_FIELDS):
            return None
        cbte = self.cbte
        lines = [Line(d["cantidad"], d["producto"]["precio_unitario_sin_iva"], d["bonificacion_porcentaje"],
                      d["producto"]["alicuota"]) for d in cbte["detalle"]]
        gross = subtotal(lines)
        if cents(cbte["bonificacion"]) > gross:
            self.add(P.BONIFICACION(f"La bonificacion ({_money(cbte['bonificacion'])}) supera el subtotal sin IVA "
                                    f"({_money(gross)})."))
            return None
        nets = group_nets(lines, cbte["bonificacion"], discriminates_iva=self.tipo.discriminates_iva)
        neto = compute_totals(nets, []).neto
        totals = compute_totals(nets, self._tributos(neto))
        if totals.total >= MAX_AMOUNT:
            self.add(P.IMPORTE_MAXIMO(f"El total calculado ({_money(totals.total)}) supera los 13 digitos enteros "
                                      f"que admite AFIP."))
            return None
        self._declared_parts(totals)
        if totals.iva == 0 and any(iva_id != ALICUOTAS[Decimal(0)] for iva_id in totals.alicuotas):
            self.add(P.IVA_CERO("El IVA de las alicuotas gravadas redondea a 0.00: AFIP rechaza alicuotas distintas "
                                "de 0% cuando el IVA total es 0. Revisá los importes."))
        if not within_tolerance(cbte["total"], totals.total, totals.terms):
            self.add(P.TOTAL(f"El total informado ({_money(cbte['total'])}) no coincide con el total calculado "
                             f"({_money(totals.total)}): neto {_money(totals.neto)} + IVA {_money(totals.iva)} + "
                             f"exento {_money(totals.exento)} + no gravado {_money(totals.no_gravado)} + tributos "
                             f"{_money(totals.imp_trib)}."))
        self._pagos(totals.total)
        return totals

    def _tributos(self, neto: Decimal) -> list[Tributo]:
        cbte = self.cbte
        listed = [Tributo(t["tipo"], TRIBUTOS[t["tipo"]], cents(t["base_imponible"]), t["alicuota"], cents(t["total"]))
                  for t in cbte["tributos"]]
        shorthand = [(PERCEPCION_IVA, "percepciones_iva"), (PERCEPCION_IIBB, "percepciones_iibb"),
                     (IMPUESTOS_INTERNOS, "impuestos_internos")]
        for tributo_id, name in shorthand:
            importe = cents(cbte[name])
            if importe == 0:
                continue
            base = cents(cbte.get(f"{name}_base") or neto)
            alicuota = cbte.get(f"{name}_alicuota")
            if alicuota is None:
                alicuota = cents(importe * 100 / base) if base else Decimal(0)
            listed.append(Tributo(tributo_id, TRIBUTOS[tributo_id], base, alicuota, importe))
        return listed

    def _declared_parts(self, totals: Totals) -> None:
        for name, computed, what in (("exentos", totals.exento, "exentos (alicuota -1)"),
                                     ("nogravados", totals.no_gravado, "no gravados (alicuota -2)")):
            declared = self.cbte[name]
            if declared != 0 and not within_tolerance(declared, computed, 1):
                self.add(P.EXENTOS(f"El campo {name} ({_money(declared)}) no coincide con la suma de los conceptos "
                                   f"{what}: {_money(computed)}."))

    def _pagos(self, total: Decimal) -> None:
        if not self.has("pagos"):
            return
        pagos = self.cbte["pagos"]
        suma = sum((forma["importe"] for forma in pagos["formas_pago"]), Decimal(0))
        if not within_tolerance(pagos["total"], suma, 1):
            self.add(P.PAGOS(f"El total de pagos ({_money(pagos['total'])}) no es la suma de sus formas de pago "
                             f"({_money(suma)})."))
        if pagos["total"] > total:
            self.add(P.PAGOS(f"El total de pagos ({_money(pagos['total'])}) supera el total del comprobante "
                             f"({_money(total)})."))

    def consumidor_final_rule(self, receptor: Receptor | None, totals: Totals | None) -> None:
        cotizacion = self.cotizacion()
        if None in (receptor, totals, self.tipo, cotizacion) or self.tipo.clase not in ("B", "C"):
            return
        identified = receptor.doc_tipo != DOCUMENTO_TIPOS["OTRO"] and receptor.doc_nro != 0
        pesos = totals.total * cotizacion
        if not identified and pesos >= self.threshold:
            self.add(P.CONSUMIDOR_FINAL(f"Un comprobante de {_money(pesos)} pesos a un consumidor final requiere "
                                        f"identificarlo (documento_tipo y documento_nro): el tope sin identificar es "
                                        f"{_money(self.threshold)}."))

    # Putting it together

    def run(self) -> Judgement:
        self.condicion_pago_rule()
        self.queue_rules()
        receptor = self.receptor_rules()
        self.date_rules()
        self.currency_rules()
        lines_fine = self.line_rules()
        tributos_fine = self.tributo_rules()
        asociados = self.asociados_rules()
        totals = self.amount_rules(lines_fine and tributos_fine)
        self.consumidor_final_rule(receptor, totals)
        if self.problems or self.cbte_errors or self.cliente_errors or receptor is None or totals is None:
            return Judgement(self.problems)
        return Judgement([], self._emision(receptor, asociados), totals)

    def _emision(self, receptor: Receptor, asociados: list[Asociado]) -> Emision:
        cbte = self.cbte
        periodo = None
        if self.pdv.concepto != PRODUCTOS:
            periodo = (cbte["periodo_facturado_desde"], cbte["periodo_facturado_hasta"])
        asociado = cbte.get("comprobantes_asociados_periodo")
        rg = cbte.get("rg_especiales") or {"datos": []}
        return Emision(
            tipo=self.tipo,
            concepto=self.pdv.concepto,
            receptor=receptor,
            fecha=cbte["fecha"],
            moneda=cbte["moneda"],
            cotizacion=self.cotizacion(),
            paga_misma_moneda=(cbte.get("datos_informativos") or {}).get("paga_misma_moneda") == "S",
            vencimiento=cbte.get("vencimiento"),
            periodo=periodo,
            asociados=asociados,
            periodo_asociado=(asociado["fecha_desde"], asociado["fecha_hasta"]) if asociado else None,
            # TusFacturas skips an rg_especiales dato with an empty valor (its reference says so).
            opcionales=[(dato["id"], dato["valor"]) for dato in rg["datos"] if dato["valor"].strip()],
        )


def judge(*, cliente: dict, cliente_errors: dict, comprobante: dict, comprobante_errors: dict, pdv, today: date,
          threshold: Decimal, days_ahead: int, submitted: bool = False) -> Judgement:
    """`days_ahead`: how many days after `today` fecha may be. `submitted`: a client's request, as opposed
    to a stored comprobante judged again (a new date, an abono's repetition)."""
    return _Judge(cliente, cliente_errors, comprobante, comprobante_errors, pdv, today, threshold, days_ahead,
                  submitted).run()
