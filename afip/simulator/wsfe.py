"""The simulator's WSFEv1: the operations, AFIP's rules and AFIP's answer shapes (afip-facts.md §3-§9).

Business errors are answers, not faults: every result carries `Errors`/`Events`, and FECAESolicitar
reports each detail's `Resultado` and `Observaciones`, processing details in order and cutting the
batch at the first rejected one.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from afip.simulator.state import Authorised, SimulatorState

REG_X_REQ = 250
# The fields FECompConsultar echoes from the authorised request.
_ECHOED = (
    "Concepto", "DocTipo", "DocNro", "CbteDesde", "CbteHasta", "CbteFch", "ImpTotal", "ImpTotConc",
    "ImpNeto", "ImpOpEx", "ImpTrib", "ImpIVA", "FchServDesde", "FchServHasta", "FchVtoPago", "MonId",
    "MonCotiz", "CanMisMonExt", "CondicionIVAReceptorId", "CbtesAsoc", "Tributos", "Iva", "Opcionales",
    "Compradores", "PeriodoAsoc", "Actividades",
)
MSG_10016 = (
    "El numero o fecha del comprobante no se corresponde con el proximo a autorizar. "
    "Consultar metodo FECompUltimoAutorizado."
)


def _errors(*pairs: tuple[int, str]) -> dict:
    return {"Err": [{"Code": code, "Msg": msg} for code, msg in pairs]}


def _obs(pairs: list[tuple[int, str]]) -> dict | None:
    return {"Obs": [{"Code": code, "Msg": msg} for code, msg in pairs]} if pairs else None


def _amount(value) -> Decimal:
    return Decimal(str(value or 0))


class WsfeService:
    def __init__(self, state: SimulatorState, reg_x_req: int = REG_X_REQ):
        self.state = state
        self.reg_x_req = reg_x_req

    def handle(self, operation: str, params: dict, now: datetime) -> dict:
        handler = getattr(self, f"op_{operation}", None)
        if handler is None:
            raise LookupError(operation)
        if operation == "FEDummy":
            return handler(params, now)
        auth_errors = self._check_auth(params.get("Auth"), now)
        if auth_errors:
            return {"Errors": _errors(*auth_errors)}
        return handler(params, now)

    def _check_auth(self, auth: dict | None, now: datetime) -> list[tuple[int, str]]:
        if not auth or not auth.get("Token") or not auth.get("Sign"):
            return [(500, "Campo Auth no fue ingresado o esta mal formado.")]
        ticket = self.state.ticket(auth["Token"])
        if ticket is None or ticket.sign != auth["Sign"]:
            return [(600, "ValidacionDeToken: No validaron las firmas digitales del token.")]
        ts = now.timestamp()
        if not (ticket.generated <= ts + 120 and ts < ticket.expires):
            gen = datetime.fromtimestamp(ticket.generated, tz=now.tzinfo).isoformat()
            exp = datetime.fromtimestamp(ticket.expires, tz=now.tzinfo).isoformat()
            return [(600, f"ValidacionDeToken: No validaron las fechas del token GenTime, ExpTime, NowUTC: "
                          f"{gen}, {exp}, {now.isoformat()}")]
        if int(auth.get("Cuit") or 0) not in ticket.relations:
            return [(600, f"ValidacionDeToken: No apareció CUIT en lista de relaciones: {auth.get('Cuit')}")]
        return []

    # Operations

    def op_FEDummy(self, params: dict, now: datetime) -> dict:
        return {"AppServer": "OK", "DbServer": "OK", "AuthServer": "OK"}

    def op_FECompTotXRequest(self, params: dict, now: datetime) -> dict:
        return {"RegXReq": self.reg_x_req}

    def op_FECompUltimoAutorizado(self, params: dict, now: datetime) -> dict:
        cuit = int(params["Auth"]["Cuit"])
        pto_vta, cbte_tipo = int(params.get("PtoVta") or 0), int(params.get("CbteTipo") or 0)
        last = self.state.last_authorised(cuit, pto_vta, cbte_tipo)
        return {"PtoVta": pto_vta, "CbteTipo": cbte_tipo, "CbteNro": last.numero if last else 0}

    def op_FECompConsultar(self, params: dict, now: datetime) -> dict:
        cuit = int(params["Auth"]["Cuit"])
        req = params.get("FeCompConsReq") or {}
        pto_vta, cbte_tipo, numero = int(req.get("PtoVta") or 0), int(req.get("CbteTipo") or 0), int(req.get("CbteNro") or 0)
        record = self.state.authorised(cuit, pto_vta, cbte_tipo, numero)
        if record is None:
            return {"Errors": _errors((602, "No existen datos en nuestros registros para los parametros ingresados."))}
        result = {name: record.detail.get(name) for name in _ECHOED}
        result.update(
            Resultado="A", CodAutorizacion=record.cae, EmisionTipo="CAE", FchVto=record.cae_vto,
            FchProceso=record.fch_proceso, PtoVta=pto_vta, CbteTipo=cbte_tipo,
        )
        return {"ResultGet": result}

    def op_FECAESolicitar(self, params: dict, now: datetime) -> dict:
        cuit = int(params["Auth"]["Cuit"])
        req = params.get("FeCAEReq") or {}
        cab = req.get("FeCabReq") or {}
        details = ((req.get("FeDetReq") or {}).get("FECAEDetRequest")) or []
        pto_vta, cbte_tipo, cant_reg = int(cab.get("PtoVta") or 0), int(cab.get("CbteTipo") or 0), int(cab.get("CantReg") or 0)
        fch_proceso = now.strftime("%Y%m%d%H%M%S")
        header = {"Cuit": cuit, "PtoVta": pto_vta, "CbteTipo": cbte_tipo, "FchProceso": fch_proceso,
                  "CantReg": cant_reg, "Reproceso": "N"}
        request_errors = self._check_batch(cant_reg, details)
        if request_errors:
            header["Resultado"] = "R"
            return {"FeCabResp": header, "FeDetResp": {"FECAEDetResponse": [self._rejected(d, []) for d in details]},
                    "Errors": _errors(*request_errors)}
        with self.state.lock:
            last = self.state.last_authorised(cuit, pto_vta, cbte_tipo)
            expected = (last.numero if last else 0) + 1
            last_fch = last.cbte_fch if last else "00000000"
            first = details[0]
            if int(first.get("CbteDesde") or 0) != expected or (first.get("CbteFch") or "") < last_fch:
                header["Resultado"] = "R"
                return {"FeCabResp": header,
                        "FeDetResp": {"FECAEDetResponse": [self._rejected(d, []) for d in details]},
                        "Errors": _errors((10016, MSG_10016))}
            responses, approved, cut = [], 0, False
            for detail in details:
                if cut:
                    responses.append(self._rejected(detail, []))
                    continue
                problems = self._check_detail(detail, expected, last_fch, now)
                if problems:
                    responses.append(self._rejected(detail, problems))
                    cut = True
                    continue
                cae = str(secrets.randbelow(9 * 10**13) + 10**13)
                cbte_fch = detail.get("CbteFch") or now.strftime("%Y%m%d")
                cae_vto = (datetime.strptime(cbte_fch, "%Y%m%d") + timedelta(days=10)).strftime("%Y%m%d")
                stored = dict(detail, CbteFch=cbte_fch)
                self.state.authorise(cuit, pto_vta, cbte_tipo, Authorised(expected, cbte_fch, stored, cae, cae_vto, fch_proceso))
                responses.append(self._approved(stored, cae, cae_vto))
                approved += 1
                expected += 1
                last_fch = cbte_fch
        header["Resultado"] = "A" if approved == len(details) else ("P" if approved else "R")
        return {"FeCabResp": header, "FeDetResp": {"FECAEDetResponse": responses}}

    # Rules

    def _check_batch(self, cant_reg: int, details: list[dict]) -> list[tuple[int, str]]:
        if not 1 <= cant_reg <= 9998:
            return [(10001, "Campo CantReg debe estar comprendido entre 1 y 9998.")]
        if cant_reg != len(details):
            return [(10002, "Campo CantReg debe ser igual a la cantidad de registros informados en el detalle.")]
        if cant_reg > self.reg_x_req:
            return [(10003, f"Campo CantReg no debe superar la cantidad maxima de registros por request: {self.reg_x_req}.")]
        return []

    def _check_detail(self, detail: dict, expected: int, last_fch: str, now: datetime) -> list[tuple[int, str]]:
        problems = []
        if int(detail.get("CbteDesde") or 0) != expected or (detail.get("CbteFch") or "") < last_fch:
            problems.append((10016, MSG_10016))
        parts = sum(_amount(detail.get(f)) for f in ("ImpTotConc", "ImpNeto", "ImpOpEx", "ImpTrib", "ImpIVA"))
        if abs(parts - _amount(detail.get("ImpTotal"))) > Decimal("0.01"):
            problems.append((10048, "El campo 'Importe Total' ImpTotal, debe ser igual a la suma de ImpTotConc + ImpNeto + ImpOpEx + ImpTrib + ImpIVA."))
        return problems

    @staticmethod
    def _rejected(detail: dict, observations: list[tuple[int, str]]) -> dict:
        return {
            "Concepto": detail.get("Concepto"), "DocTipo": detail.get("DocTipo"), "DocNro": detail.get("DocNro"),
            "CbteDesde": detail.get("CbteDesde"), "CbteHasta": detail.get("CbteHasta"),
            "CbteFch": detail.get("CbteFch"), "Resultado": "R", "Observaciones": _obs(observations),
            "CAE": "", "CAEFchVto": "",
        }

    @staticmethod
    def _approved(detail: dict, cae: str, cae_vto: str) -> dict:
        return {
            "Concepto": detail.get("Concepto"), "DocTipo": detail.get("DocTipo"), "DocNro": detail.get("DocNro"),
            "CbteDesde": detail.get("CbteDesde"), "CbteHasta": detail.get("CbteHasta"),
            "CbteFch": detail.get("CbteFch"), "Resultado": "A", "Observaciones": None,
            "CAE": cae, "CAEFchVto": cae_vto,
        }
