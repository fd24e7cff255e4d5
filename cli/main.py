"""The `encola` command: parses arguments and hands each subcommand to its module."""

from __future__ import annotations

import argparse
import logging
import sys

from config.settings import DEFAULT_SIMULATOR_PORT, ConfigurationError


def _afip_sim(args) -> int:
    if args.sim_command == "cert":
        from afip.simulator.certs import issue_client_certificate

        issued = issue_client_certificate(args.out, args.cuit, args.name)
        print(f"CA: {issued.ca_path}\ncertificate: {issued.cert_path}\nkey: {issued.key_path}")
        return 0
    from afip.simulator.server import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(host=args.host, port=args.port, admin_port=args.admin_port or args.port + 1, ca_path=args.ca,
          data_dir=args.data, latency_ms=args.latency_ms,
          already_authenticated_seconds=args.already_authenticated_seconds, reg_x_req=args.reg_x_req)
    return 0


def _demo(args) -> int:
    from cli.demo import main

    return main()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="encola", description="Queued electronic invoicing against AFIP/ARCA.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the whole stack against the AFIP simulator and emit three comprobantes")
    demo.set_defaults(handler=_demo)

    sim = commands.add_parser("afip-sim", help="run the AFIP simulator (WSAA + WSFEv1 over SOAP)")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=DEFAULT_SIMULATOR_PORT)
    sim.add_argument("--admin-port", type=int, default=None, help="admin API port (default: --port + 1)")
    sim.add_argument("--ca", help="the CA certificate that signs client certificates (from `afip-sim cert`)")
    sim.add_argument("--data", default=None, help="folder for the simulator's state (kept across restarts)")
    sim.add_argument("--latency-ms", type=int, default=0, help="added latency per call")
    sim.add_argument("--already-authenticated-seconds", type=float, default=600.0,
                     help="WSAA's window for coe.alreadyAuthenticated (AFIP: 600 homologación, 120 producción)")
    sim.add_argument("--reg-x-req", type=int, default=250, help="RegXReq: details per FECAESolicitar")
    sim.set_defaults(handler=_afip_sim)
    sim_commands = sim.add_subparsers(dest="sim_command", required=False)
    cert = sim_commands.add_parser("cert", help="write a test CA and a client certificate for a CUIT")
    cert.add_argument("--cuit", type=int, required=True)
    cert.add_argument("--out", required=True, help="folder for ca.pem, cert.pem and key.pem")
    cert.add_argument("--name", default=None, help="another system's certificate: NAME-cert.pem, NAME-key.pem")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "afip-sim" and args.sim_command is None and not args.ca:
        parser.error("afip-sim needs --ca (create one with `encola afip-sim cert --cuit CUIT --out DIR`)")
    try:
        return args.handler(args)
    except ConfigurationError as exc:
        print(f"encola: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
