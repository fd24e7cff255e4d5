"""`encola pdv`: the operator's commands over points of sale. Each builds the body of the operator API
(producers/operator.py, the same one the admin HTTP API calls), prints its JSON answer, and exits 0
when the answer has no errors and 1 otherwise."""

from __future__ import annotations

import argparse
import json
import os

from producers import operator


def _settings_arguments(parser: argparse.ArgumentParser, *, creating: bool) -> None:
    parser.add_argument("--webhook", dest="webhook_url", required=creating,
                        help="webhook URL (https outside development)")
    parser.add_argument("--cert", dest="cert_path", required=creating, help="AFIP certificate of the CUIT (PEM)")
    parser.add_argument("--key", dest="key_path", required=creating, help="private key of the certificate (PEM)")
    parser.add_argument("--razon-social")
    parser.add_argument("--condicion-iva", choices=["RI", "M", "E"])
    parser.add_argument("--concepto", type=int, choices=[1, 2, 3],
                        help="1 productos, 2 servicios, 3 productos y servicios")
    parser.add_argument("--monthly-quota", type=int, help="comprobantes per calendar month; 0 = unlimited")
    parser.add_argument("--batch-size", type=int, help="comprobantes per FECAESolicitar; 0 = AFIP's RegXReq")
    parser.add_argument("--max-waiting-comprobantes", type=int,
                        help="comprobantes encolado or procesando at once; 0 = ENCOLA_MAX_WAITING_COMPROBANTES")
    parser.add_argument("--max-waiting-hooks", type=int,
                        help="webhooks not yet delivered at once; 0 = ENCOLA_MAX_WAITING_HOOKS")
    parser.add_argument("--mail-from", help="sender of the comprobantes it e-mails; empty = ENCOLA_MAIL_FROM")
    parser.add_argument("--idempotent", dest="idempotent_submission", action=argparse.BooleanOptionalAction,
                        help="a queued external_reference is not queued again (default on)")
    parser.add_argument("--active", action=argparse.BooleanOptionalAction,
                        help="subscription active; --no-active stops the point of sale from queueing")
    parser.add_argument("--domicilio", help="the issuer's domicilio comercial, printed on its comprobantes")
    parser.add_argument("--iibb", help="the issuer's ingresos brutos (number, Exento, Convenio Multilateral...)")
    parser.add_argument("--inicio-actividades", metavar="DD/MM/AAAA", help="the issuer's inicio de actividades")
    parser.add_argument("--logo", dest="logo_path", help="a PNG or JPEG printed on its comprobantes' PDFs")


def _identity_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cuit", type=int, required=True)
    parser.add_argument("--pto-vta", type=int, required=True)


def add_arguments(pdv: argparse.ArgumentParser) -> None:
    commands = pdv.add_subparsers(dest="pdv_command", required=True)
    add = commands.add_parser("add", help="create a point of sale; prints its credentials and webhook secret")
    _identity_arguments(add)
    _settings_arguments(add, creating=True)
    commands.add_parser("list", help="every point of sale, without secrets (nor webhook token)")
    show = commands.add_parser("show", help="one point of sale, without secrets")
    _identity_arguments(show)
    set_webhook = commands.add_parser("set-webhook", help="change the webhook URL")
    _identity_arguments(set_webhook)
    set_webhook.add_argument("url")
    change = commands.add_parser("set", help="change settings and subscription")
    _identity_arguments(change)
    _settings_arguments(change, creating=False)
    enable = commands.add_parser("enable-webhook", help="enable a webhook endpoint disabled after failing for a day")
    _identity_arguments(enable)
    rotate = commands.add_parser("rotate-credentials", help="new apitoken and usertoken, printed once; the old "
                                                            "ones and the page's sessions end at once")
    _identity_arguments(rotate)
    rotate = commands.add_parser("rotate-webhook-token", help="a new TF-WebhookToken, printed once; every delivery "
                                                              "attempt from now on carries it")
    _identity_arguments(rotate)


SETTINGS = ("webhook_url", "cert_path", "key_path", "razon_social", "condicion_iva", "concepto", "monthly_quota",
            "batch_size", "idempotent_submission", "active", "max_waiting_comprobantes", "max_waiting_hooks",
            "domicilio", "iibb", "inicio_actividades", "logo_path", "mail_from")


def _body(args) -> dict:
    body = {"cuit": args.cuit, "pto_vta": args.pto_vta} if hasattr(args, "cuit") else {}
    for name in SETTINGS:
        value = getattr(args, name, None)
        if value is not None:
            # The API wants absolute paths: the emitters read them from their own working directory.
            body[name] = os.path.abspath(value) if name in ("cert_path", "key_path", "logo_path") else value
    if getattr(args, "url", None) is not None:
        body["webhook_url"] = args.url
    return body


def run(args) -> int:
    call = {"add": operator.alta, "list": operator.listado, "show": operator.consulta,
            "set-webhook": operator.modificar, "set": operator.modificar,
            "enable-webhook": operator.habilitar_webhook, "rotate-credentials": operator.rotar_credenciales,
            "rotate-webhook-token": operator.rotar_token_webhook}[args.pdv_command]
    answer = call(_body(args))
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0 if answer["error"] == "N" else 1
