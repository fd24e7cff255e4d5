"""The endpoints: TusFacturas' paths and encola's own, each a POST of a JSON body handed to one function
of the Python API, under both /api/v2/ and /app/api/v2/ as TusFacturas serves them. This table drives
the Flask routes and the OpenAPI document alike, so the two cannot disagree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request
from marshmallow import Schema

import producers
from config.redis_client import get_redis
from config.settings import get_settings
from producers import hooks, operator, pdv_settings, queue_listing
from producers import bodies, queue_bodies
from producers.http import schemas as answers
from producers.http.body import read_body
from producers.http.callers import count_client_request, require_operator
from producers.http.errors import json_response

PREFIXES = ("/api/v2", "/app/api/v2")
TUSFACTURAS, ENCOLA, OPERATOR = "TusFacturas", "encola", "operador"


@dataclass(frozen=True)
class Endpoint:
    path: str  # under a prefix, e.g. "facturacion/nuevo_encola"
    call: Callable[[dict], dict]
    request: type[Schema]
    answer: type[Schema]
    summary: str
    description: str
    tag: str = TUSFACTURAS

    @property
    def operator(self) -> bool:
        return self.tag == OPERATOR

    @property
    def name(self) -> str:
        return self.path.replace("/", "_")


ENDPOINTS = (
    Endpoint("facturacion/nuevo_encola", producers.enqueue, bodies.NuevoEncola, answers.RespuestaComprobante,
             "Nuevo comprobante en la cola (asincronico)",
             "Valida el comprobante al instante y lo encola para emitirlo en su fecha; cada resultado llega por "
             "webhook (encolado, emitido, error). Con errores de validacion responde error S y, si el request "
             "cumple los requisitos basicos, tambien envia un webhook de error."),
    Endpoint("facturacion/lotes_encola", producers.enqueue_batch, bodies.LotesEncola, answers.RespuestaLote,
             "Lote de comprobantes en la cola (asincronico)",
             "Hasta 100 comprobantes por request. Los validos se encolan y los invalidos se informan en response, "
             "en el orden enviado (y por webhook de error si cumplen los requisitos basicos). Un lote con mas de "
             "100, vacio, o de un punto de venta sin webhook se rechaza entero."),
    Endpoint("facturacion/lotes", producers.enqueue_lotes, bodies.Lotes, answers.RespuestaLotes,
             "Lote de comprobantes (metodo anterior)",
             "El metodo de lotes anterior de TusFacturas: hasta 500 requests, cada uno con las credenciales del "
             "lote y su facturacion_lote_id_referencia; responde procesados y las validaciones por fila."),
    Endpoint("facturacion/reenviar_encolado", producers.reenviar_encolado, queue_bodies.ReenviarEncolado,
             answers.Respuesta, "Reenviar a procesar un comprobante con error",
             "Devuelve a la cola un comprobante que termino con error; llega un webhook encolado."),
    Endpoint("facturacion/cambiar_fecha_encolado", producers.cambiar_fecha_encolado, queue_bodies.CambiarFechaEncolado,
             answers.Respuesta, "Cambiar la fecha de un comprobante encolado",
             "Nueva fecha (y vencimiento) para un comprobante en cola o con error, que se valida de nuevo y "
             "vuelve a la cola; llega un webhook cambio_fecha."),
    Endpoint("facturacion/eliminar_encolado", producers.eliminar_encolado, queue_bodies.EliminarEncolado,
             answers.RespuestaEliminar, "Eliminar comprobantes encolados",
             "Elimina los comprobantes en cola o con error de esa external_reference; un comprobante emitido no "
             "se puede eliminar. Llega un webhook eliminado por cada uno."),
    Endpoint("facturacion/consulta_avanzada", producers.consulta_avanzada, queue_bodies.ConsultaAvanzada,
             answers.RespuestaConsultaAvanzada, "Consulta avanzada",
             "Busca por external_reference (EXT_REF), fecha (F) o tipo y rango de numeros (TN), del mas nuevo "
             "al mas viejo, incluidos los que estan en cola."),
    Endpoint("facturacion/consulta", producers.consulta, queue_bodies.Consulta, answers.RespuestaConsulta,
             "Consulta de un comprobante", "Un comprobante emitido, por tipo, punto de venta y numero."),
    Endpoint("facturacion/nuevo", producers.nuevo, bodies.Nuevo, answers.RespuestaComprobante,
             "Nuevo comprobante instantaneo",
             "Emite ahora y responde con el CAE (puede tardar hasta 90 segundos si AFIP esta lento). No se puede "
             "usar mientras el punto de venta tenga comprobantes en cola."),
    Endpoint("puntos_venta/administrar", pdv_settings.administrar, pdv_settings.Administrar,
             answers.RespuestaPuntoVenta, "Modificar tu punto de venta",
             "Con operacion M cambia la URL del webhook y otros datos del punto de venta de las credenciales. "
             "El alta (A) la hace el operador de encola. CUIT, numero, condicion de IVA y esta_activo solo se "
             "aceptan con los valores que ya tiene; los datos de PDF, e-mail e integraciones de TusFacturas se "
             "aceptan y no tienen efecto."),
    Endpoint("puntos_venta/consulta", pdv_settings.consulta, bodies.Credenciales, answers.RespuestaPuntoVenta,
             "Ver tu punto de venta", "La configuracion del punto de venta de las credenciales.", ENCOLA),
    Endpoint("facturacion/ventas_en_cola", queue_listing.ventas_en_cola, queue_listing.VentasEnCola,
             answers.RespuestaVentasEnCola, "Ventas en cola",
             "Los comprobantes que aun no se emitieron (encolados, procesando o con error), en el orden en que la "
             "cola los toma, con filtros por estado, fecha y tipo.", ENCOLA),
    Endpoint("puntos_venta/rotar_secreto_webhook", hooks.rotar_secreto_webhook, hooks.RotarSecreto,
             answers.RespuestaSecreto, "Rotar el secreto de los webhooks",
             "Un nuevo secreto de firma (Standard Webhooks); el anterior sigue firmando durante la gracia, asi tu "
             "receptor cambia de secreto sin perder hooks.", ENCOLA),
    Endpoint("puntos_venta/rotar_credenciales", pdv_settings.rotar_credenciales, bodies.Credenciales,
             answers.RespuestaCredenciales, "Rotar tus credenciales",
             "Un apitoken y un usertoken nuevos (el apikey no cambia), que se muestran solo esta vez: los "
             "enviados dejan de valer en el acto y se cierran las sesiones de la pagina de ventas en cola.",
             ENCOLA),
    Endpoint("puntos_venta/rotar_token_webhook", pdv_settings.rotar_token_webhook, bodies.Credenciales,
             answers.RespuestaTokenWebhook, "Rotar el token de los webhooks",
             "Un TF-WebhookToken nuevo, que se muestra solo esta vez. No hay gracia: todo intento de entrega "
             "desde ahora lleva el nuevo (tambien los reintentos de hooks anteriores), asi que tu receptor "
             "acepta los dos mientras cambia.", ENCOLA),
    Endpoint("hooks/consulta", hooks.hooks_consulta, hooks.HooksConsulta, answers.RespuestaHooks, "Log de hooks",
             "Los hooks de un comprobante (por external_reference), uno (por hook_id), o los ultimos del punto de "
             "venta, con cada intento de entrega: cuando, status, duracion y largo de tu respuesta (nunca su "
             "contenido).", ENCOLA),
    Endpoint("hooks/reenviar", hooks.hooks_reenviar, hooks.HooksReenviar, answers.RespuestaReenvio,
             "Reenviar hooks",
             "Un intento manual ahora de un hook (mismos bytes y mismo webhook-id) o de todos los fallidos desde "
             "una fecha. Se hace aunque el webhook este deshabilitado.", ENCOLA),
    Endpoint("hooks/test", hooks.hooks_test, bodies.Credenciales, answers.RespuestaTest, "Hook de prueba",
             "Envia ahora a tu webhook un evento test (recurso test), firmado como los demas.", ENCOLA),
    Endpoint("admin/puntos_venta/alta", operator.alta, operator.AltaPuntoVenta, answers.RespuestaAlta,
             "Alta de un punto de venta",
             "Crea el punto de venta de un CUIT y responde sus credenciales, su token y su secreto de webhooks, "
             "que solo se muestran esta vez.", OPERATOR),
    Endpoint("admin/puntos_venta/listado", operator.listado, operator.ListadoPuntosVenta, answers.RespuestaListado,
             "Listado de puntos de venta", "Todos los puntos de venta, sin sus secretos ni su token de webhooks.",
             OPERATOR),
    Endpoint("admin/puntos_venta/consulta", operator.consulta, operator.PuntoVentaId, answers.RespuestaPuntoVenta,
             "Ver un punto de venta", "Un punto de venta por CUIT y numero, sin sus secretos.", OPERATOR),
    Endpoint("admin/puntos_venta/modificar", operator.modificar, operator.ModificarPuntoVenta,
             answers.RespuestaPuntoVenta,
             "Modificar un punto de venta",
             "Cambia la configuracion y la suscripcion (active, monthly_quota) de un punto de venta.", OPERATOR),
    Endpoint("admin/puntos_venta/habilitar_webhook", operator.habilitar_webhook, operator.PuntoVentaId,
             answers.RespuestaPuntoVenta, "Habilitar un webhook deshabilitado",
             "Vuelve a intentar las entregas a un webhook deshabilitado tras fallar un dia; sus hooks fallidos "
             "se reenvian con hooks/reenviar.", OPERATOR),
    Endpoint("admin/puntos_venta/rotar_credenciales", operator.rotar_credenciales, operator.PuntoVentaId,
             answers.RespuestaCredenciales, "Rotar las credenciales de un punto de venta",
             "Un apitoken y un usertoken nuevos, que se muestran solo esta vez: los anteriores dejan de valer en "
             "el acto y se cierran las sesiones de su pagina de ventas en cola.", OPERATOR),
    Endpoint("admin/puntos_venta/rotar_token_webhook", operator.rotar_token_webhook, operator.PuntoVentaId,
             answers.RespuestaTokenWebhook, "Rotar el token de webhooks de un punto de venta",
             "Un TF-WebhookToken nuevo, que se muestra solo esta vez; todo intento de entrega desde ahora lo "
             "lleva.", OPERATOR),
)


def _view(endpoint: Endpoint):
    def view():
        r = get_redis()
        if endpoint.operator:  # the operator's token is in a header: checked before any body is read
            require_operator(r, request)
        body = read_body(request.get_data(cache=False), get_settings().http_max_body_bytes)
        if not endpoint.operator:
            count_client_request(r, request, body)
        return json_response(endpoint.call(body))

    view.__name__ = endpoint.name
    return view


def register(app: Flask) -> None:
    for endpoint in ENDPOINTS:
        view = _view(endpoint)
        for prefix in PREFIXES:
            app.add_url_rule(f"{prefix}/{endpoint.path}", f"{endpoint.name}{prefix}", view, methods=["POST"],
                             strict_slashes=False)
