"""The `encola` command: parses arguments and hands each subcommand to its module."""

from __future__ import annotations

import argparse
import sys

import redis

from afip.simulator.certs import issue_client_certificate
from afip.simulator.options import add_arguments as add_simulator_arguments
from afip.simulator.options import run as run_simulator
from cli.demo import main as run_demo
from cli.flower import add_arguments as add_flower_arguments
from cli.flower import run as run_flower
from cli.pdv import add_arguments as add_pdv_arguments
from cli.pdv import run as run_pdv
from cli.operator import EXIT_USAGE, UsageError, add_operator_commands
from cli.supervisor import add_arguments as add_supervisor_arguments
from config.settings import ConfigurationError


def _afip_sim(args) -> int:
    if args.sim_command == "cert":
        issued = issue_client_certificate(args.out, args.cuit, args.name)
        print(f"CA: {issued.ca_path}\ncertificate: {issued.cert_path}\nkey: {issued.key_path}")
        return 0
    return run_simulator(args)


def _demo(args) -> int:
    return run_demo(keep_running=args.keep_running)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="encola", description="Queued electronic invoicing against AFIP/ARCA.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the whole stack against the AFIP simulator and emit three comprobantes")
    demo.add_argument("--keep-running", action="store_true",
                      help="leave the stack up afterwards (Ctrl-C, SIGTERM or SIGHUP stops it) and write a sample "
                           "file of 1000")
    demo.set_defaults(handler=_demo)

    sim = commands.add_parser("afip-sim", help="run the AFIP simulator (WSAA + WSFEv1 over SOAP)")
    add_simulator_arguments(sim)
    sim.set_defaults(handler=_afip_sim)
    sim_commands = sim.add_subparsers(dest="sim_command", required=False)
    cert = sim_commands.add_parser("cert", help="write a test CA and a client certificate for a CUIT")
    cert.add_argument("--cuit", type=int, required=True)
    cert.add_argument("--out", required=True, help="folder for ca.pem, cert.pem and key.pem")
    cert.add_argument("--name", default=None, help="another system's certificate: NAME-cert.pem, NAME-key.pem")
    add_operator_commands(commands)

    pdv = commands.add_parser("pdv", help="points of sale: add, list, show, set-webhook, set, enable-webhook "
                                           "(JSON output)")
    add_pdv_arguments(pdv)
    pdv.set_defaults(handler=run_pdv)

    supervisor = commands.add_parser("supervisor-config", help="print a supervisord configuration that runs the "
                                                               "Procfile's processes and starts again what exits")
    add_supervisor_arguments(supervisor)

    flower = commands.add_parser("flower", help="run Flower over the workers; in production only behind "
                                                "FLOWER_BASIC_AUTH or an authenticating proxy")
    add_flower_arguments(flower)
    flower.set_defaults(handler=run_flower)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "afip-sim" and args.sim_command is None and not args.ca:
        parser.error("afip-sim needs --ca (create one with `encola afip-sim cert --cuit CUIT --out DIR`)")
    try:
        return args.handler(args)
    except (ConfigurationError, UsageError) as exc:
        print(f"encola: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except redis.RedisError as exc:
        print(f"encola: cannot reach Redis at ENCOLA_REDIS_URL: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
