"""The answers of the API as marshmallow schemas, for the OpenAPI document (the requests are in
producers/bodies.py, beside the functions that judge them). The fuzzing tests check every real
answer against these, so they say what the server really sends. Extra fields are allowed: TusFacturas
adds fields over time and clients must ignore the ones they do not know."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate


class Open(Schema):
    """An answer's object: the fields it documents, and maybe others a client should ignore."""

    class Meta:
        unknown = EXCLUDE


class Respuesta(Open):
    error = fields.String(required=True, validate=validate.OneOf(["N", "S"]),
                          metadata={"description": "N: sin errores; S: ver errores."})
    errores = fields.List(fields.String(), required=True, metadata={"description": "Los errores, en castellano."})


class DetalleError(Open):
    code = fields.String(required=True, metadata={"example": "TFC-8002"})
    text = fields.String(required=True)


class Problema(Respuesta):
    """A request refused before reaching the API: unreadable body, too large, too many requests…"""

    error_cod = fields.List(fields.String(), required=True)
    error_details = fields.List(fields.Nested(DetalleError), required=True,
                                metadata={"description": "Cada error con su codigo TFC estable."})


class Micrositios(Open):
    cliente = fields.String()
    descarga = fields.String()


PDF_URL = "El PDF A4 del comprobante emitido (un enlace firmado que vence en un dia); vacio sin CAE."
TICKET_URL = "El ticket de 80 mm del comprobante emitido (un enlace firmado que vence en un dia); vacio sin CAE."


class RespuestaComprobante(Respuesta):
    """nuevo_encola and nuevo: accepted (error N, with the comprobante's data) or refused (error S)."""

    error_cod = fields.List(fields.String())
    error_details = fields.List(fields.Nested(DetalleError))
    external_reference = fields.String()
    rta = fields.String(metadata={"example": "El comprobante  se ha guardado correctamente "})
    cae = fields.String(metadata={"description": "Vacio (\" \") mientras esta en cola."})
    vencimiento_cae = fields.String(metadata={"example": "01/01/2000"})
    vencimiento_pago = fields.String()
    comprobante_nro = fields.String(metadata={"example": "00010-00000000"})
    comprobante_tipo = fields.String(metadata={"example": "FACTURA B"})
    requiere_fec = fields.String()
    observaciones = fields.String()
    tfc_generacion_tipo = fields.Integer()
    afip_qr = fields.String()
    afip_codigo_barras = fields.String()
    envio_x_mail = fields.String()
    envio_x_mail_direcciones = fields.String()
    comprobante_pdf_url = fields.String(metadata={"description": PDF_URL})
    comprobante_ticket_url = fields.String(metadata={"description": TICKET_URL})
    micrositios = fields.Nested(Micrositios)


class RespuestaLote(Respuesta):
    """lotes_encola: one answer per request, in order."""

    error_cod = fields.List(fields.String())
    error_details = fields.List(fields.Nested(DetalleError))
    response = fields.List(fields.Nested(RespuestaComprobante), metadata={
        "description": "Una respuesta por request, en el orden enviado; vacia si el lote entero se rechazo."})


class RespuestaLotes(Respuesta):
    """The legacy lotes (TusFacturas' legacy lotes page)."""

    procesados = fields.Integer(metadata={"description": "Cuantos se encolaron."})
    validaciones = fields.List(fields.String(), metadata={
        "description": "Por que no se encolo cada fila que no se encolo (comenzando en 0)."})


class RespuestaEliminar(Respuesta):
    error = fields.String(required=True, validate=validate.OneOf(["N", "S", "PARCIAL"]),
                          metadata={"description": "PARCIAL: algunos se eliminaron y otros no (ver errores)."})
    procesados_cant = fields.Integer(required=True)
    procesados = fields.List(fields.String(), required=True)


class ClienteConsultado(Open):
    documento_tipo = fields.String()
    documento_nro = fields.Raw()
    razon_social = fields.String()
    email = fields.String()
    domicilio = fields.String()


class ComprobanteConsultado(Open):
    fecha = fields.String()
    tipo = fields.String()
    punto_venta = fields.Integer()
    numero = fields.Integer()
    total = fields.String()
    cae = fields.String()
    vencimiento_cae = fields.String()
    vencimiento_pago = fields.String()
    afip_qr = fields.String()
    comprobante_pdf_url = fields.String(metadata={"description": PDF_URL})
    comprobante_ticket_url = fields.String(metadata={"description": TICKET_URL})
    afip_observaciones = fields.List(fields.Raw())
    external_reference = fields.String()
    status = fields.String(metadata={"description": "EMITIDO, APROBADO Y EN COLA. SE EMITE EL dd/mm/aaaa, "
                                                    "EN COLA, ESPERANDO APROBACION o ENVIADO A PROCESAR - CON ERROR."})
    errores = fields.List(fields.String(), metadata={"description": "Los errores de un comprobante con error."})


class Consultado(Open):
    cliente = fields.Nested(ClienteConsultado)
    comprobante = fields.Nested(ComprobanteConsultado)


class RespuestaConsultaAvanzada(Respuesta):
    rta = fields.String()
    total = fields.Integer(metadata={"description": "Cuantos hay en total, antes de paginar."})
    comprobantes = fields.List(fields.Nested(Consultado))


class RespuestaConsulta(Respuesta):
    rta = fields.String()
    cliente = fields.Nested(ClienteConsultado)
    comprobante = fields.Nested(ComprobanteConsultado)


class Cola(Open):
    estado = fields.String(metadata={"description": "encolado, procesando o error."})
    intentos = fields.Integer(metadata={"description": "Intentos de emision hechos."})


class EnCola(Consultado):
    cola = fields.Nested(Cola)


class RespuestaVentasEnCola(Respuesta):
    total = fields.Integer(metadata={"description": "Cuantos hay en total con esos filtros, antes de paginar."})
    comprobantes = fields.List(fields.Nested(EnCola), metadata={"description": "Por fecha y orden de llegada."})


class PuntoDeVenta(Open):
    id = fields.String(metadata={"example": "20111111112-00001"})
    cuit = fields.Integer()
    pto_vta = fields.Integer()
    razon_social = fields.String()
    condicion_iva = fields.String()
    concepto = fields.Integer()
    webhook_url = fields.String()
    cert_path = fields.String(metadata={"description": "Solo para el operador."})
    key_path = fields.String(metadata={"description": "Solo para el operador."})
    apikey = fields.String()
    idempotent_submission = fields.Boolean()
    active = fields.Boolean()
    monthly_quota = fields.Integer()
    batch_size = fields.Integer()
    created = fields.Float()
    webhook_secret_previous_until = fields.Float()
    webhook_disabled_at = fields.Float()
    webhook_disabled_reason = fields.String()
    max_waiting_comprobantes = fields.Integer(metadata={"description": "0 = el maximo global."})
    max_waiting_hooks = fields.Integer(metadata={"description": "0 = el maximo global."})
    mail_from = fields.String(metadata={
        "description": "Remitente de los comprobantes que envia por e-mail; vacio = ENCOLA_MAIL_FROM."})


class EstadoWebhook(Open):
    webhook_url = fields.String()
    disabled = fields.Boolean(metadata={"description": "Deshabilitado tras fallar un dia entero (o un 410)."})
    disabled_at = fields.Float(allow_none=True)
    disabled_reason = fields.String()
    failing_since = fields.Float(allow_none=True, metadata={"description": "Falla desde (epoch, segundos)."})
    last_failure = fields.Float(allow_none=True)
    previous_secret_until = fields.Float(allow_none=True, metadata={
        "description": "Hasta cuando firma tambien el secreto anterior a una rotacion."})


class RespuestaPuntoVenta(Respuesta):
    punto_venta = fields.Nested(PuntoDeVenta)
    webhook = fields.Nested(EstadoWebhook, metadata={"description": "En las consultas."})


class CredencialesNuevas(Open):
    apikey = fields.String()
    apitoken = fields.String()
    usertoken = fields.String()


def _webhook_token():
    return fields.String(metadata={"description": "El token del header TF-WebhookToken de cada webhook; se muestra "
                                                  "solo al crear el punto de venta y al rotarlo."})


class RespuestaAlta(RespuestaPuntoVenta):
    credenciales = fields.Nested(CredencialesNuevas, metadata={"description": "Se muestran solo esta vez."})
    webhook_token = _webhook_token()
    webhook_secret = fields.String(metadata={
        "description": "Secreto whsec_ de la firma Standard Webhooks de cada webhook; se muestra solo esta vez."})


class RespuestaListado(Respuesta):
    puntos_venta = fields.List(fields.Nested(PuntoDeVenta))


class Intento(Open):
    attempt = fields.Integer()
    trigger = fields.String(metadata={"description": "automatic o manual."})
    at = fields.Float(metadata={"description": "Cuando (epoch, segundos)."})
    url = fields.String()
    status = fields.Integer(allow_none=True, metadata={"description": "El HTTP status de tu respuesta, o null."})
    duration_ms = fields.Integer()
    response_bytes = fields.Integer(allow_none=True, metadata={
        "description": "El largo en bytes del cuerpo de tu respuesta (su Content-Length, o contado si no lo "
                       "declara y no pasa de 2 KB; si no, null). El cuerpo no se guarda ni se muestra."})
    error = fields.String()


class Hook(Open):
    hook_id = fields.String()
    pdv_id = fields.String()
    comprobante_id = fields.String(metadata={"description": "Vacio en los hooks de prueba."})
    evento = fields.String(metadata={"description": "encolado, emitido, error, eliminado, cambio_fecha o test."})
    external_reference = fields.String()
    state = fields.String(metadata={"description": "pendiente, entregado o fallido."})
    created = fields.Float()
    next_at = fields.Float(allow_none=True, metadata={"description": "El proximo intento automatico, si hay."})
    failure = fields.String()
    payload = fields.Dict(metadata={"description": "El cuerpo enviado."})
    attempts = fields.List(fields.Nested(Intento))


class RespuestaHooks(Respuesta):
    hooks = fields.List(fields.Nested(Hook))


class RespuestaReenvio(Respuesta):
    hooks = fields.List(fields.String(), metadata={"description": "Los hook_id enviados de nuevo."})


class RespuestaTest(Respuesta):
    hook_id = fields.String()


class RespuestaSecreto(Respuesta):
    webhook_secret = fields.String(metadata={"description": "El nuevo secreto whsec_; se muestra solo esta vez."})
    secreto_anterior_hasta = fields.Float(allow_none=True, metadata={
        "description": "Hasta cuando firma tambien el secreto anterior (epoch, segundos); null si ya no firma."})


class RespuestaCredenciales(Respuesta):
    credenciales = fields.Nested(CredencialesNuevas, metadata={
        "description": "El mismo apikey y un apitoken y usertoken nuevos; se muestran solo esta vez."})


class RespuestaTokenWebhook(Respuesta):
    webhook_token = _webhook_token()
