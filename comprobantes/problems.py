"""Every kind of problem a submission can have, each with its stable TFC code.

One code per kind of problem; the Spanish text says what exactly is wrong. The table in
docs/errores.md lists the same codes (a test keeps the two in step). TusFacturas publishes no list:
the three codes its examples show keep their meaning here (TFC-6001, TFC-8002, TFC-8004).
"""

from __future__ import annotations

from dataclasses import dataclass

from comprobantes.answers import Problem


@dataclass(frozen=True)
class Kind:
    code: str
    meaning: str  # English, for the documentation table

    def __call__(self, text: str) -> Problem:
        return Problem(self.code, text)


# The request as a whole
CREDENTIALS = Kind("TFC-1000", "The credentials (apikey, apitoken, usertoken) open no point of sale.")
NOT_AN_OBJECT = Kind("TFC-1001", "The request, or an item of a batch, is not a JSON object.")
UNKNOWN_FIELD = Kind("TFC-1002", "A field that TusFacturas' format does not have (usually a typo).")

# The HTTP request (producers/http): answered by the HTTP layer with the status in parentheses
NOT_JSON = Kind("TFC-1003", "The request cannot be read: its body is not JSON in UTF-8, or has NaN, Infinity, a "
                            "number of thousands of digits, more than 32 levels of nesting or the escape of a lone "
                            "surrogate such as \\ud800 (HTTP 400).")
TOO_LARGE = Kind("TFC-1004", "The body is larger than ENCOLA_HTTP_MAX_BODY_BYTES (HTTP 413).")
RATE_LIMIT = Kind("TFC-1005", "More requests per second than ENCOLA_HTTP_RATE_LIMIT allows (HTTP 429, Retry-After).")
NO_ROUTE = Kind("TFC-1006", "No such path (HTTP 404).")
METHOD = Kind("TFC-1007", "A method other than POST (HTTP 405).")
INTERNAL = Kind("TFC-1008", "An unexpected error, logged by the server (HTTP 500).")
UNAVAILABLE = Kind("TFC-1009", "Redis unreachable (HTTP 503, Retry-After): send the same request again; the same "
                   "external_reference is not queued twice.")
ADMIN_OFF = Kind("TFC-1010", "The admin API is off: ENCOLA_ADMIN_TOKEN is not set (HTTP 403).")
ADMIN_TOKEN = Kind("TFC-1011", "The operator token is missing or wrong (HTTP 401).")
SLOW_REQUEST = Kind("TFC-1012", "The request's head or body took longer than ENCOLA_HTTP_HEAD_TIMEOUT or "
                                "ENCOLA_HTTP_BODY_TIMEOUT to arrive (HTTP 408, connection closed).")
ADMIN_NETWORK = Kind("TFC-1020", "The admin API refuses addresses outside ENCOLA_ADMIN_NETWORKS (HTTP 403).")
CHARACTER = Kind("TFC-1030", "A text field holds a character XML cannot carry or no invoice has: a control character "
                             "other than tab and line breaks (C0, DEL, C1), a lone surrogate, U+FFFE or U+FFFF.")

# The queue's own rules (TusFacturas' queue pages)
NO_WEBHOOK = Kind("TFC-8001", "The point of sale has no webhook URL (basic requirement: no webhook is sent).")
REFERENCE = Kind("TFC-8002", "external_reference missing, longer than 255, or with characters other than "
                             "letters, digits, _ and -.")
NOT_QUEUEABLE = Kind("TFC-8003", "A kind of comprobante the queue does not take: tipo E, FCE, remito, pedido, "
                                 "presupuesto, orden de compra, NO VALIDO EN AFIP, or a compra.")
CONDICION_IVA_CLASE = Kind("TFC-8004", "The receiver's IVA condition does not allow this class of comprobante.")
NUMERO = Kind("TFC-8005", "numero is not 0: queued comprobantes are numbered when emitted.")
SUBSCRIPTION_INACTIVE = Kind("TFC-8006", "The point of sale's subscription is not active (no webhook is sent).")
QUOTA = Kind("TFC-8007", "The point of sale's monthly quota of comprobantes is used up.")
REMITOS_PEDIDOS = Kind("TFC-8008", "The comprobante relates to a remito or a pedido.")
ABONO = Kind("TFC-8009", "An abono (abono S) without abono_frecuencia or abono_hasta, ending before its first "
                         "month, with abono_actualiza_precios S, or with a reference too long for its repetitions.")
REFERENCE_TAKEN = Kind("TFC-8010", "The external_reference belongs to a different comprobante already in the "
                                   "queue (idempotent submission; no webhook is sent).")
BATCH_SIZE = Kind("TFC-8011", "A batch with more requests than allowed (100 in lotes_encola, 500 in lotes).")
BATCH_EMPTY = Kind("TFC-8012", "A batch whose requests is missing, empty or not a list.")
BATCH_PARTIAL = Kind("TFC-8013", "Summary of a batch in which some or all requests were refused.")
LOTE_WEBHOOK_URL = Kind("TFC-8014", "Legacy lote: webhook_url missing, not a URL, or not the point of sale's.")
LOTE_FECHA_ENVIO = Kind("TFC-8015", "Legacy lote: fecha_envio_inicial not dd/mm/aaaa, or before today.")
BATCH_CREDENTIALS = Kind("TFC-8016", "A request inside a batch carries credentials that are not the batch's.")
LOTE_REFERENCE = Kind("TFC-8017", "Legacy lote: a request without facturacion_lote_id_referencia.")
LOTE_BEFORE_START = Kind("TFC-8018", "Legacy lote: a comprobante dated before fecha_envio_inicial.")
WAITING_COMPROBANTES = Kind("TFC-8019", "The point of sale has as many comprobantes waiting (encolado or procesando) "
                                        "as its cap allows (ENCOLA_MAX_WAITING_COMPROBANTES).")
WAITING_HOOKS = Kind("TFC-8020", "The point of sale has as many webhooks not yet delivered as its cap allows "
                                 "(ENCOLA_MAX_WAITING_HOOKS); refusals then come without their error webhook.")

# The cliente block
CLIENTE = Kind("TFC-6001", "Closing line whenever the reference or the cliente block failed: the customer "
                           "could not be created (TusFacturas' own wording).")
CLIENTE_REQUIRED = Kind("TFC-6002", "A required field of cliente is missing.")
CLIENTE_INVALID = Kind("TFC-6003", "A field of cliente has a value outside its type or table.")
DOCUMENTO = Kind("TFC-6004", "documento_nro is not valid for documento_tipo (digits, length, CUIT check digit).")
CLASE_NEEDS_CUIT = Kind("TFC-6005", "Classes A and M need a receiver identified by CUIT.")
CONSUMIDOR_FINAL = Kind("TFC-6006", "An unidentified consumidor final at or above the threshold "
                                    "(ENCOLA_CONSUMIDOR_FINAL_THRESHOLD).")
DOCUMENTO_PROPIO = Kind("TFC-6007", "The receiver's document is the issuer's own CUIT.")

# The comprobante block
REQUIRED = Kind("TFC-7001", "A required field of comprobante is missing.")
INVALID = Kind("TFC-7002", "A field of comprobante has a value outside its type, length or range.")
TIPO = Kind("TFC-7003", "tipo is not a known comprobante type.")
PUNTO_VENTA = Kind("TFC-7004", "punto_venta is not the one the credentials belong to.")
ALICUOTA = Kind("TFC-7005", "An alicuota outside 27, 21, 10.5, 5, 2.5, 0, -1, -2.")
TOTAL = Kind("TFC-7006", "total differs from the computed total beyond AFIP's tolerance (both figures shown).")
FECHA = Kind("TFC-7007", "fecha earlier than AFIP accepts (5 days for productos, 10 for servicios).")
PERIODO = Kind("TFC-7008", "Servicios without the billed period, or a period that ends before it starts.")
VENCIMIENTO = Kind("TFC-7009", "Servicios without vencimiento, or a vencimiento before fecha.")
MONEDA = Kind("TFC-7010", "Currency and rate do not agree (PES at 1, other currencies with a rate).")
ASOCIADOS_FALTAN = Kind("TFC-7011", "A nota de crédito/débito without comprobantes_asociados or "
                                    "comprobantes_asociados_periodo, or with both.")
ASOCIADO = Kind("TFC-7012", "An associated comprobante or period that AFIP would refuse (tipo, class, date, CUIT).")
IVA_CERO = Kind("TFC-7013", "A taxed rate whose IVA rounds to 0.00 while no IVA is due (AFIP 10018).")
BONIFICACION = Kind("TFC-7014", "bonificacion larger than the subtotal it applies to.")
IMPORTE_MAXIMO = Kind("TFC-7015", "An amount beyond AFIP's 13 integer digits.")
EXENTOS = Kind("TFC-7016", "exentos or nogravados differ from the exempt or untaxed lines.")
PAGOS = Kind("TFC-7017", "pagos whose total is not the sum of formas_pago, or exceeds the comprobante's total.")
IMPUESTOS_INTERNOS = Kind("TFC-7018", "impuestos_internos_alicuota on a product: send the amount in the "
                                      "comprobante's impuestos_internos instead.")
ASOCIADOS_EN_FACTURA = Kind("TFC-7019", "comprobantes_asociados on a factura or recibo (only notes carry them).")
FECHA_FUTURA = Kind("TFC-7020", "fecha more than ENCOLA_MAX_DAYS_AHEAD days (366 by default) after today.")

CATALOG = [value for value in dict(globals()).values() if isinstance(value, Kind)]

# The texts of TusFacturas' nuevo_encola page, verbatim.
MISSING_REFERENCE = REFERENCE(
    "Cuando se envia un comprobante a la cola, debes enviar una referencia externa en el campo external_reference."
)
BAD_REFERENCE = REFERENCE("La external reference enviada, posee caracteres no validos.")
LONG_REFERENCE = REFERENCE("La external reference enviada supera los 255 caracteres permitidos.")
CLIENTE_NOT_CREATED = CLIENTE(
    "Error al crear al cliente . No se podra generar el comprobante. Revise los datos enviados."
)
