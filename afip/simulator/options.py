"""The options of `encola afip-sim`: where the simulator listens, what it enforces, and what is broken from
the start (the same faults the admin API switches at run time)."""

from __future__ import annotations

import argparse
import logging
import os
from decimal import Decimal, InvalidOperation

from afip.simulator.rules import IDENTIFICATION_THRESHOLD, RuleOptions
from afip.simulator.server import Faults, serve
from config.settings import DEFAULT_SIMULATOR_PORT, ConfigurationError


def _probability(raw: str) -> float:
    value = float(raw)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _pesos(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {raw!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def add_arguments(sim: argparse.ArgumentParser) -> None:
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=DEFAULT_SIMULATOR_PORT)
    sim.add_argument("--admin-port", type=int, default=None, help="admin API port (default: --port + 1)")
    sim.add_argument("--ca", help="the CA certificate that signs client certificates (from `afip-sim cert`)")
    sim.add_argument("--data", default=None, help="folder for the simulator's state (kept across restarts)")
    sim.add_argument("--already-authenticated-seconds", type=float, default=600.0,
                     help="WSAA's window for coe.alreadyAuthenticated (AFIP: 600 homologación, 120 producción)")
    rules = sim.add_argument_group("rules")
    rules.add_argument("--reg-x-req", type=int, default=250, help="RegXReq: details per FECAESolicitar")
    rules.add_argument("--identification-threshold", type=_pesos, default=IDENTIFICATION_THRESHOLD,
                       help="class B: pesos per comprobante from which the receiver must be identified "
                            "(RG 5700/2025: 10000000)")
    rules.add_argument("--condicion-iva-optional", action="store_true",
                       help="accept a detail without CondicionIVAReceptorId with observation 10245, as AFIP did "
                            "until 30-Jun-2025, instead of rejecting it with 10246")
    faults = sim.add_argument_group("faults at start (switchable later through the admin API)")
    faults.add_argument("--latency-ms", type=int, default=0, help="added latency per call")
    faults.add_argument("--down", choices=("refuse", "503"), default=None,
                        help="AFIP down: connections refused, or HTTP 503 to every request")
    faults.add_argument("--wsfe-error", type=int, choices=(500, 501, 502), default=None,
                        help="every authenticated WSFEv1 operation answers this internal error")
    faults.add_argument("--dummy-not-ok", action="store_true", help="FEDummy reports its database down")
    faults.add_argument("--wsaa-down", action="store_true", help="LoginCms answers the fault wsaa.unavailable")
    faults.add_argument("--drop-probability", type=_probability, default=0.0,
                        help="probability that FECAESolicitar authorises and stores, then drops the connection")


def run(args: argparse.Namespace) -> int:
    if not os.path.isfile(args.ca):
        # The Procfile's `afip` line on a fresh clone: say what makes the file instead of a traceback.
        folder = os.path.dirname(args.ca) or "."
        raise ConfigurationError(
            f"afip-sim: the CA certificate {args.ca} does not exist; `encola afip-sim cert --cuit CUIT --out {folder}` "
            f"writes {os.path.join(folder, 'ca.pem')} (and a client certificate and key for that CUIT)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    options = RuleOptions(reg_x_req=args.reg_x_req, identification_threshold=args.identification_threshold,
                          condicion_iva_optional=args.condicion_iva_optional)
    faults = Faults(down=args.down, latency_ms=args.latency_ms, wsfe_error=args.wsfe_error,
                    dummy_not_ok=args.dummy_not_ok, wsaa_down=args.wsaa_down,
                    drop_probability=args.drop_probability)
    serve(host=args.host, port=args.port, admin_port=args.admin_port or args.port + 1, ca_path=args.ca,
          data_dir=args.data, already_authenticated_seconds=args.already_authenticated_seconds, options=options,
          faults=faults)
    return 0
