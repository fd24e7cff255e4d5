"""A point of sale's webhooks, as its client reaches them with its credentials: the hook log (what
TusFacturas shows as "Log de hooks", per external_reference), a manual redelivery, a test event, and the
rotation of the signing secret. Thin wrappers over webhook_dispatch's Python API, which only ever reads
or acts on the hooks of the point of sale the credentials open.
"""

from __future__ import annotations

from datetime import datetime

from marshmallow import fields, validate

from config import clock
from producers.bodies import Credenciales, done, handles, refused
from producers.fields import between, one_of, reference, spanish_messages, text, whole
from webhook_dispatch import endpoints, hook_log, operations
from webhook_dispatch.endpoints import ROTATION_GRACE_SECONDS
from webhook_dispatch.events import HOOK_ID_PATTERN
from webhook_dispatch.outbox import STATES

MAX_LISTED = 500


def _hook_id(description: str):
    return text(validate=validate.Regexp(HOOK_ID_PATTERN, error="no es un hook_id."),
                metadata={"description": description, "example": "hk_1k9759fcd2j27m2c26j0l4"})


class Moment(fields.Field):
    """A moment in Argentina time, as `creado` is written in every hook: dd/mm/aaaa hh:mm:ss, or a day."""

    default_error_messages = spanish_messages("debe ser una fecha dd/mm/aaaa u hora dd/mm/aaaa hh:mm:ss.")

    def _deserialize(self, value, attr, data, **kwargs) -> float:
        if isinstance(value, str):
            for form in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
                try:
                    moment = datetime.strptime(value.strip(), form)
                except ValueError:
                    continue
                return moment.replace(tzinfo=clock.ARGENTINA).timestamp()
        raise self.make_error("invalid")


def _moment(description: str, **kwargs) -> Moment:
    return Moment(metadata={"type": "string", "description": f"{description} (dd/mm/aaaa [hh:mm:ss], hora "
                                                             f"argentina).", "example": "18/03/2022 15:58:11"},
                  **kwargs)


class HooksConsulta(Credenciales):
    external_reference = reference("Los hooks de ese comprobante, del primero al ultimo (el log de hooks de "
                                   "TusFacturas).")
    hook_id = _hook_id("Un hook, por su hook_id.")
    estado = text(validate=one_of(list(STATES)), metadata={
        "description": "Sin external_reference ni hook_id: solo los de ese estado."})
    desde = _moment("Sin external_reference ni hook_id: solo los creados desde")
    limite = whole(validate=between(1, MAX_LISTED), metadata={
        "description": f"Sin external_reference ni hook_id: cuantos, del mas nuevo al mas viejo (hasta {MAX_LISTED})."})


class HooksReenviar(Credenciales):
    hook_id = _hook_id("El hook a enviar de nuevo ahora: mismos bytes y mismo webhook-id.")
    fallidos_desde = _moment("O bien: todos los hooks fallidos creados desde")


class RotarSecreto(Credenciales):
    gracia_segundos = whole(validate=between(0, 7 * 86400), metadata={
        "description": f"Cuanto sigue firmando tambien el secreto anterior (por defecto {ROTATION_GRACE_SECONDS:g}; "
                       "0: deja de firmar ya)."})


@handles(HooksConsulta)
def hooks_consulta(r, pdv, data) -> dict:
    """`hooks/consulta`: the hooks of one comprobante, one hook, or the latest of the point of sale."""
    if "external_reference" in data and "hook_id" in data:
        return refused("Envia external_reference o hook_id, no los dos.")
    if "hook_id" in data:
        found = hook_log.get_hook(r, pdv.id, data["hook_id"])
        entries = [found] if found else []
    elif "external_reference" in data:
        entries = hook_log.hooks_for_reference(r, pdv.id, data["external_reference"])
    else:
        entries = hook_log.hooks_for_pdv(r, pdv.id, since=data.get("desde"), state=data.get("estado"),
                                         limit=data.get("limite", 100))
    return done(hooks=[entry.to_dict() for entry in entries])


@handles(HooksReenviar)
def hooks_reenviar(r, pdv, data) -> dict:
    """`hooks/reenviar`: one manual attempt of a hook now, or of every failed hook since a moment."""
    if ("hook_id" in data) == ("fallidos_desde" in data):
        return refused("Envia hook_id (un hook) o fallidos_desde (todos los fallidos desde esa fecha).")
    if "hook_id" in data:
        if not operations.redeliver(r, pdv.id, data["hook_id"]):
            return refused(f"No se encontro el hook {data['hook_id']}.")
        return done(hooks=[data["hook_id"]])
    return done(hooks=operations.redeliver_failed(r, pdv.id, data["fallidos_desde"]))


@handles(Credenciales)
def hooks_test(r, pdv, data) -> dict:
    """`hooks/test`: the `test` event (recurso test) sent to the point of sale's webhook now."""
    if not pdv.webhook_url:
        return refused("Tu punto de venta no tiene una direccion de webhook definida.")
    return done(hook_id=operations.send_test_event(r, pdv.id))


@handles(RotarSecreto)
def rotar_secreto_webhook(r, pdv, data) -> dict:
    """`puntos_venta/rotar_secreto_webhook`: a new signing secret, shown this once; the previous one keeps
    signing too during the grace period, so the receiver can switch without losing a hook."""
    grace = data.get("gracia_segundos", ROTATION_GRACE_SECONDS)
    secret = endpoints.rotate_secret(r, pdv.id, grace_seconds=grace)
    return done(webhook_secret=secret, secreto_anterior_hasta=clock.timestamp() + grace if grace else None)
