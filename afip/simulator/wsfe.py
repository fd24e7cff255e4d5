"""The simulator's WSFEv1 operations and AFIP's answer shapes (AFIP's WSFEv1 developer manual,
docs/production.md, "Sources").

Business errors are answers, not faults: every result carries `Errors`/`Events`, and FECAESolicitar
reports each detail's `Resultado` and `Observaciones`, processing details in order and cutting the
batch at the first rejected one. The rules themselves are in `rules`, the tables in `tables`.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

from afip.simulator import messages as msg
from afip import parameters
from afip.simulator import tables
from afip.simulator.rules import DetailContext, RuleOptions, cbte_fch, check_detail, header_errors, parse_date
from afip.simulator.state import Authorised, SimulatorState

SERVICE = "wsfe"
# The fields FECompConsultar echoes from the authorised request.
ECHOED = (
    "Concepto", "DocTipo", "DocNro", "CbteDesde", "CbteHasta", "CbteFch", "ImpTotal", "ImpTotConc",
    "ImpNeto", "ImpOpEx", "ImpTrib", "ImpIVA", "FchServDesde", "FchServHasta", "FchVtoPago", "MonId",
    "MonCotiz", "CanMisMonExt", "CondicionIVAReceptorId", "CbtesAsoc", "Tributos", "Iva", "Opcionales",
    "Compradores", "PeriodoAsoc", "Actividades",
)
# CAEFchVto is CbteFch + 10 days in every answer observed from AFIP's homologación.
CAE_VALIDITY = timedelta(days=10)
PARAM_TABLES = {
    "FEParamGetTiposCbte": ("CbteTipo", parameters.TIPOS_CBTE),
    "FEParamGetTiposConcepto": ("ConceptoTipo", parameters.TIPOS_CONCEPTO),
    "FEParamGetTiposDoc": ("DocTipo", parameters.TIPOS_DOC),
    "FEParamGetTiposIva": ("IvaTipo", parameters.TIPOS_IVA),
    "FEParamGetTiposMonedas": ("Moneda", parameters.TIPOS_MONEDAS),
    "FEParamGetTiposOpcional": ("OpcionalTipo", parameters.TIPOS_OPCIONAL),
    "FEParamGetTiposTributos": ("TributoTipo", parameters.TIPOS_TRIBUTOS),
}


def errors(*pairs: tuple[int, str]) -> dict:
    return {"Err": [{"Code": code, "Msg": text} for code, text in pairs]}


def _obs(pairs: list[tuple[int, str]]) -> dict | None:
    return {"Obs": [{"Code": code, "Msg": text} for code, text in pairs]} if pairs else None


def _token_times(token: str) -> tuple[int, int, str] | None:
    """(gen_time, exp_time, service) from a token as WSAA writes it, None if it is not one."""
    try:
        root = ElementTree.fromstring(base64.b64decode(token, validate=True))
        ident, login = root.find("id"), root.find("operation/login")
        return int(ident.get("gen_time")), int(ident.get("exp_time")), login.get("service")
    except (binascii.Error, ValueError, ElementTree.ParseError, AttributeError, TypeError):
        return None


class WsfeService:
    def __init__(self, state: SimulatorState, options: RuleOptions | None = None):
        self.state = state
        self.options = options or RuleOptions()
        self.cotizaciones = dict(tables.COTIZACIONES)

    def handle(self, operation: str, params: dict, now: datetime) -> dict:
        """The result of `operation`; LookupError when the simulator does not serve it."""
        if operation == "FEDummy":
            return {"AppServer": "OK", "DbServer": "OK", "AuthServer": "OK"}
        if operation in PARAM_TABLES:
            handler = self._param_table
        else:
            handler = getattr(self, f"op_{operation}", None)
        if handler is None:
            raise LookupError(operation)
        auth_errors = self.check_auth(params.get("Auth"), now)
        if auth_errors:
            return {"Errors": errors(*auth_errors)}
        return handler(operation, params, now)

    def check_auth(self, auth: dict | None, now: datetime) -> list[tuple[int, str]]:
        """The access ticket checks of the WSN, in the order the real service reports them."""
        if not auth:
            return [(500, msg.AUTH_MISSING)]
        token, sign = auth.get("Token") or "", auth.get("Sign") or ""
        if not token:
            return [(600, msg.TOKEN_EMPTY)]
        if not sign:
            return [(600, msg.SIGN_EMPTY)]
        parsed = _token_times(token)
        if parsed is None:
            return [(600, msg.TOKEN_UNREADABLE)]
        gen, exp, service = parsed
        now_ts = int(now.timestamp())
        if not gen <= now_ts + 120 or now_ts >= exp:
            return [(600, msg.TOKEN_DATES.format(gen=gen, exp=exp, now=now_ts))]
        if service != SERVICE:
            return [(600, msg.TOKEN_SERVICE.format(service=service))]
        ticket = self.state.ticket(token)
        if ticket is None or ticket.sign != sign:
            return [(600, msg.TOKEN_HASH)]
        if int(auth.get("Cuit") or 0) not in ticket.relations:
            return [(600, msg.TOKEN_RELATION.format(cuit=auth.get("Cuit") or 0))]
        return []

    # Numbering

    def op_FECompTotXRequest(self, operation: str, params: dict, now: datetime) -> dict:
        return {"RegXReq": self.options.reg_x_req}

    def op_FECompUltimoAutorizado(self, operation: str, params: dict, now: datetime) -> dict:
        cuit = int(params["Auth"]["Cuit"])
        pto_vta, cbte_tipo = int(params.get("PtoVta") or 0), int(params.get("CbteTipo") or 0)
        answer = {"PtoVta": pto_vta, "CbteTipo": cbte_tipo}
        if not 1 <= pto_vta <= 99998:
            return {**answer, "Errors": errors((11000, msg.ULTIMO_PTO_VTA))}
        if cbte_tipo not in {row[0] for row in parameters.TIPOS_CBTE}:
            return {**answer, "Errors": errors((11001, msg.ULTIMO_CBTE_TIPO))}
        last = self.state.last_authorised(cuit, pto_vta, cbte_tipo)
        return {**answer, "CbteNro": last.numero if last else 0}

    def op_FECompConsultar(self, operation: str, params: dict, now: datetime) -> dict:
        cuit = int(params["Auth"]["Cuit"])
        req = params.get("FeCompConsReq") or {}
        pto_vta, cbte_tipo, numero = (int(req.get(name) or 0) for name in ("PtoVta", "CbteTipo", "CbteNro"))
        for code, valid in ((10200, pto_vta > 0), (10201, cbte_tipo in {r[0] for r in parameters.TIPOS_CBTE}),
                            (10202, numero > 0)):
            if not valid:
                return {"Errors": errors((code, msg.CONSULTAR[code]))}
        record = self.state.authorised(cuit, pto_vta, cbte_tipo, numero)
        if record is None:
            return {"Errors": errors((602, msg.NO_DATA))}
        result = {name: record.detail.get(name) for name in ECHOED}
        result.update(
            Resultado="A", CodAutorizacion=record.cae, EmisionTipo="CAE", FchVto=record.cae_vto,
            FchProceso=record.fch_proceso, Observaciones=_obs([tuple(o) for o in record.observations]),
            PtoVta=pto_vta, CbteTipo=cbte_tipo,
        )
        return {"ResultGet": result}

    # Authorisation

    def op_FECAESolicitar(self, operation: str, params: dict, now: datetime) -> dict:
        cuit = int(params["Auth"]["Cuit"])
        req = params.get("FeCAEReq") or {}
        cab = req.get("FeCabReq") or {}
        details = list(((req.get("FeDetReq") or {}).get("FECAEDetRequest")) or [])
        pto_vta, cbte_tipo, cant_reg = (int(cab.get(name) or 0) for name in ("PtoVta", "CbteTipo", "CantReg"))
        header = {"Cuit": cuit, "PtoVta": pto_vta, "CbteTipo": cbte_tipo, "FchProceso": now.strftime("%Y%m%d%H%M%S"),
                  "CantReg": cant_reg, "Reproceso": "N"}
        request_errors = header_errors(cant_reg, pto_vta, cbte_tipo, details, self.options)
        if request_errors:
            return self._all_rejected(header, details, request_errors)
        today = now.date()
        with self.state.transaction():
            last = self.state.last_authorised(cuit, pto_vta, cbte_tipo)
            expected = (last.numero if last else 0) + 1
            last_fch = last.cbte_fch if last else ""
            first = details[0]
            if int(first.get("CbteDesde") or 0) != expected or cbte_fch(first, today) < last_fch:
                # A stale number or date is refused for the whole request (WSFEv1 developer manual).
                return self._all_rejected(header, details, [(10016, msg.SEQUENCE)])
            responses, approved = [], 0
            for detail in details:
                if len(responses) > approved:  # cut: nothing after a rejected detail is processed
                    responses.append(self._detail_answer(detail, today, "R"))
                    continue
                ctx = DetailContext(cuit=cuit, cbte_tipo=cbte_tipo, expected_numero=expected, last_fch=last_fch,
                                    today=today, cotizaciones=self.cotizaciones, options=self.options)
                problems, observations = check_detail(detail, ctx)
                if problems:
                    responses.append(self._detail_answer(detail, today, "R", problems + observations))
                    continue
                responses.append(self._authorise(cuit, pto_vta, cbte_tipo, detail, today, header["FchProceso"],
                                                 observations))
                approved += 1
                expected = int(detail["CbteHasta"]) + 1
                last_fch = cbte_fch(detail, today)
        header["Resultado"] = "A" if approved == len(details) else ("P" if approved else "R")
        return {"FeCabResp": header, "FeDetResp": {"FECAEDetResponse": responses}}

    def _authorise(self, cuit: int, pto_vta: int, cbte_tipo: int, detail: dict, today: date, fch_proceso: str,
                   observations: list[tuple[int, str]]) -> dict:
        fch = cbte_fch(detail, today)
        cae = str(secrets.randbelow(9 * 10**13) + 10**13)
        cae_vto = (parse_date(fch) + CAE_VALIDITY).strftime("%Y%m%d")
        stored = dict(detail, CbteFch=fch)
        # A class B range uses up every number in it; each one answers FECompConsultar with the range.
        for numero in range(int(detail["CbteDesde"]), int(detail["CbteHasta"]) + 1):
            self.state.authorise(cuit, pto_vta, cbte_tipo,
                                 Authorised(numero, fch, stored, cae, cae_vto, fch_proceso, observations))
        answer = self._detail_answer(stored, today, "A", observations)
        answer.update(CAE=cae, CAEFchVto=cae_vto)
        return answer

    def _all_rejected(self, header: dict, details: list, problems: list[tuple[int, str]]) -> dict:
        return {"FeCabResp": {**header, "Resultado": "R"},
                "FeDetResp": {"FECAEDetResponse": [self._detail_answer(d, None, "R") for d in details]},
                "Errors": errors(*problems)}

    @staticmethod
    def _detail_answer(detail: dict, today: date | None, resultado: str, observations=()) -> dict:
        return {
            "Concepto": detail.get("Concepto"), "DocTipo": detail.get("DocTipo"), "DocNro": detail.get("DocNro"),
            "CbteDesde": detail.get("CbteDesde"), "CbteHasta": detail.get("CbteHasta"),
            "CbteFch": detail.get("CbteFch") or (today.strftime("%Y%m%d") if today else None),
            "Resultado": resultado, "Observaciones": _obs(list(observations)), "CAE": "", "CAEFchVto": "",
        }

    # Parameters

    def _param_table(self, operation: str, params: dict, now: datetime) -> dict:
        item, rows = PARAM_TABLES[operation]
        return {"ResultGet": {item: tables.param_rows(rows)}}

    def op_FEParamGetPtosVenta(self, operation: str, params: dict, now: datetime) -> dict:
        # The simulator has no register of points of sale: a CUIT has the ones it has emitted with.
        numbers = self.state.points_of_sale(int(params["Auth"]["Cuit"]))
        if not numbers:
            return {"Errors": errors((602, msg.NO_POINTS_OF_SALE))}
        rows = [{"Nro": n, "EmisionTipo": "CAE - Ri Iva", "Bloqueado": "N", "FchBaja": parameters.NULL} for n in numbers]
        return {"ResultGet": {"PtoVenta": rows}}

    def op_FEParamGetCondicionIvaReceptor(self, operation: str, params: dict, now: datetime) -> dict:
        clase = (params.get("ClaseCmp") or "").strip().upper()
        if clase and clase not in parameters.CLASES_CONDICION_IVA:
            return {"Errors": errors((10244, msg.CLASE_CMP_INVALID))}
        wanted = "A" if clase == "ALEY" else clase
        rows = [{"Id": row_id, "Desc": desc, "Cmp_Clase": tables.cmp_clase(classes)}
                for row_id, desc, classes in parameters.CONDICIONES_IVA_RECEPTOR if not wanted or wanted in classes]
        return {"ResultGet": {"CondicionIvaReceptor": rows}}

    def op_FEParamGetCotizacion(self, operation: str, params: dict, now: datetime) -> dict:
        mon_id = (params.get("MonId") or "").strip()
        fch = params.get("FchCotiz") or now.strftime("%Y%m%d")
        if not mon_id:
            return {"Errors": errors((12001, msg.COTIZACION[12001]))}
        if mon_id not in {row[0] for row in parameters.TIPOS_MONEDAS}:
            return {"Errors": errors((12000, msg.COTIZACION[12000]))}
        if parse_date(fch) is None:
            return {"Errors": errors((12002, msg.COTIZACION[12002]))}
        rate = Decimal(1) if mon_id == "PES" else self.cotizaciones.get(mon_id)
        if rate is None:
            return {"Errors": errors((602, msg.NO_DATA))}
        return {"ResultGet": {"MonId": mon_id, "MonCotiz": rate, "FchCotiz": fch}}
