"""The contract: zeep clients built from AFIP's real WSDLs (tests/afip_wsdl, copied from AFIP's
published files; see SOURCES.md there), with only the address pointed at the simulator, log in, emit
batches, read them back and are refused as AFIP refuses, over SOAP 1.1 and SOAP 1.2."""

from __future__ import annotations

import pytest
import zeep
from zeep.helpers import serialize_object

from afip.simulator.wsfe import PARAM_TABLES, WsfeService
from afip.wsaa import build_tra, parse_ta, sign_tra
from config import clock
from tests.support.afip import detail
from tests.support.processes import REPO

REAL = REPO / "tests" / "afip_wsdl"
FEV1 = "http://ar.gov.afip.dif.FEV1/"
WSAA_BINDING = "{https://wsaahomo.afip.gov.ar/ws/services/LoginCms}LoginCmsSoapBinding"
SERVED = set(PARAM_TABLES) | {"FEDummy"} | {name[3:] for name in dir(WsfeService) if name.startswith("op_")}


class Recording:
    """A zeep service proxy that remembers which operations were called."""

    def __init__(self, proxy):
        self.proxy, self.called = proxy, set()

    def __getattr__(self, operation):
        self.called.add(operation)
        return lambda **kwargs: serialize_object(getattr(self.proxy, operation)(**kwargs), dict)


def _login(sim, taxpayer) -> dict:
    wsaa = zeep.Client(str(REAL / "wsaa-homologacion.wsdl")).create_service(WSAA_BINDING, sim.wsaa_url)
    with open(taxpayer.cert_path, "rb") as cert, open(taxpayer.key_path, "rb") as key:
        ticket = parse_ta(wsaa.loginCms(in0=sign_tra(build_tra("wsfe", clock.now()), cert.read(), key.read())))
    return {"Token": ticket.token, "Sign": ticket.sign, "Cuit": taxpayer.cuit}


def _codes(block, item: str) -> list[int]:
    return [entry["Code"] for entry in ((block or {}).get(item) or [])]


@pytest.mark.parametrize("binding", ["ServiceSoap", "ServiceSoap12"], ids=["soap11", "soap12"])
def test_a_client_from_afips_real_wsdl_uses_every_operation_the_simulator_serves(sim, taxpayer, binding):
    auth = _login(sim, taxpayer)
    ws = Recording(zeep.Client(str(REAL / "wsfev1-homologacion.wsdl")).create_service(f"{{{FEV1}}}{binding}",
                                                                                       sim.wsfe_url))
    today = sim.today()

    assert ws.FEDummy() == {"AppServer": "OK", "DbServer": "OK", "AuthServer": "OK"}
    assert ws.FECompTotXRequest(Auth=auth)["RegXReq"] == 250
    assert ws.FECompUltimoAutorizado(Auth=auth, PtoVta=5, CbteTipo=6)["CbteNro"] == 0

    batch = [detail(6, 1, today), detail(6, 2, today), detail(6, 3, today, ImpTotal="1.00"), detail(6, 4, today)]
    answer = ws.FECAESolicitar(Auth=auth, FeCAEReq={"FeCabReq": {"CantReg": 4, "PtoVta": 5, "CbteTipo": 6},
                                                    "FeDetReq": {"FECAEDetRequest": batch}})
    assert answer["FeCabResp"]["Resultado"] == "P" and answer["FeCabResp"]["Cuit"] == taxpayer.cuit
    details = answer["FeDetResp"]["FECAEDetResponse"]
    assert [d["Resultado"] for d in details] == ["A", "A", "R", "R"]
    assert [len(d["CAE"] or "") for d in details] == [14, 14, 0, 0]
    assert _codes(details[2]["Observaciones"], "Obs") == [10048]

    read = ws.FECompConsultar(Auth=auth, FeCompConsReq={"CbteTipo": 6, "CbteNro": 2, "PtoVta": 5})["ResultGet"]
    assert read["CodAutorizacion"] == details[1]["CAE"] and read["CbteDesde"] == 2
    missing = ws.FECompConsultar(Auth=auth, FeCompConsReq={"CbteTipo": 6, "CbteNro": 3, "PtoVta": 5})
    assert missing["ResultGet"] is None and _codes(missing["Errors"], "Err") == [602]
    stale = ws.FECAESolicitar(Auth=auth, FeCAEReq={"FeCabReq": {"CantReg": 1, "PtoVta": 5, "CbteTipo": 6},
                                                   "FeDetReq": {"FECAEDetRequest": [detail(6, 2, today)]}})
    assert _codes(stale["Errors"], "Err") == [10016] and stale["FeCabResp"]["Resultado"] == "R"
    assert _codes(ws.FECompUltimoAutorizado(Auth=dict(auth, Sign="eA=="), PtoVta=5, CbteTipo=6)["Errors"], "Err") == [600]

    rows = {
        "FEParamGetTiposCbte": ("CbteTipo", 36), "FEParamGetTiposConcepto": ("ConceptoTipo", 3),
        "FEParamGetTiposDoc": ("DocTipo", 36), "FEParamGetTiposIva": ("IvaTipo", 6),
        "FEParamGetTiposMonedas": ("Moneda", 50), "FEParamGetTiposOpcional": ("OpcionalTipo", 24),
        "FEParamGetTiposTributos": ("TributoTipo", 11), "FEParamGetPtosVenta": ("PtoVenta", 1),
    }
    for operation, (item, count) in rows.items():
        assert len(getattr(ws, operation)(Auth=auth)["ResultGet"][item]) == count, operation
    conditions = ws.FEParamGetCondicionIvaReceptor(Auth=auth, ClaseCmp="A")["ResultGet"]["CondicionIvaReceptor"]
    assert [c["Id"] for c in conditions] == [1, 6, 13, 16] and conditions[0]["Cmp_Clase"] == "A/ALEY/C"
    rate = ws.FEParamGetCotizacion(Auth=auth, MonId="DOL", FchCotiz=today.strftime("%Y%m%d"))["ResultGet"]
    assert rate["MonId"] == "DOL" and rate["MonCotiz"] > 0

    assert ws.called == SERVED


def test_a_client_from_the_2021_wsdl_cannot_send_the_receivers_iva_condition_and_is_refused(sim, taxpayer):
    # What afip.js 0.8.1 and afip.php < 1.0 ship: without CondicionIVAReceptorId, rejected since 1-Jul-2025.
    auth = _login(sim, taxpayer)
    ws = zeep.Client(str(REAL / "wsfev1-homologacion-2021.wsdl")).create_service(f"{{{FEV1}}}ServiceSoap12",
                                                                                  sim.wsfe_url)
    old = detail(6, 1, sim.today(), CondicionIVAReceptorId=None)

    answer = ws.FECAESolicitar(Auth=auth, FeCAEReq={"FeCabReq": {"CantReg": 1, "PtoVta": 1, "CbteTipo": 6},
                                                    "FeDetReq": {"FECAEDetRequest": [old]}})
    sim.admin("/rules", {"condicion_iva_optional": True})
    transition = ws.FECAESolicitar(Auth=auth, FeCAEReq={"FeCabReq": {"CantReg": 1, "PtoVta": 1, "CbteTipo": 6},
                                                        "FeDetReq": {"FECAEDetRequest": [old]}})

    assert answer.FeDetResp.FECAEDetResponse[0].Observaciones.Obs[0].Code == 10246
    assert transition.FeCabResp.Resultado == "A"
    assert transition.FeDetResp.FECAEDetResponse[0].Observaciones.Obs[0].Code == 10245
