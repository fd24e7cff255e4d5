"""Running encola as an operator does (docs/operating.md, "Run it yourself", and docs/production.md): the
install-only make target, the Procfile's processes started from a fresh data folder, and the
supervisord configuration that starts again whatever exits."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from datetime import datetime

import psutil
import requests
from celery import Celery

from devtools.local_redis import LocalRedis, free_port
from devtools.webhook_receiver import Behaviour, WebhookReceiver
from config.clock import ARGENTINA
from tests.reliability.flapping import FailFirst
from tests.support.bodies import item
from tests.support.processes import REPO, Child, encola, procfile_command, wait_http, wait_until, with_venv_path
from tests.support.web import Web


def test_make_install_only_creates_the_environment(tmp_path):
    venv = tmp_path / "venv"
    # --no-print-directory: under another make (`make test` runs this) make -n also says where it is.
    planned = subprocess.run(["make", "-n", "--no-print-directory", "install", f"VENV={venv}"], cwd=REPO,
                             capture_output=True, text=True)
    assert planned.returncode == 0, planned.stderr
    commands = planned.stdout.splitlines()
    assert commands[0] == f"python3 -m venv {venv}" and commands[-1] == f"touch {venv}/bin/.installed", commands
    assert all(line.startswith(("python3 -m venv", f"{venv}/bin/python -m pip install", "touch")) for line in commands)

    demo = subprocess.run(["make", "-n", "--no-print-directory", "demo", f"VENV={venv}"], cwd=REPO,
                          capture_output=True, text=True)
    assert demo.stdout.splitlines() == [*commands, f"{venv}/bin/encola demo"], demo.stdout + demo.stderr


def _procfile_env(data_dir, **extra: str) -> dict[str, str]:
    """The run's environment with a data folder of its own and, as docs/operating.md's "Run it yourself" says,
    the virtual environment's bin first on PATH."""
    return with_venv_path({**os.environ, "ENCOLA_DATA_DIR": str(data_dir), **extra})


def test_the_afip_line_without_certificates_says_in_one_line_how_to_make_them(tmp_path):
    env = _procfile_env(tmp_path / "data", ENCOLA_AFIP_SIM_PORT=str(free_port()),
                        ENCOLA_AFIP_SIM_ADMIN_PORT=str(free_port()))
    line = ["/bin/sh", "-c", f"exec {procfile_command('afip')}"]

    refused = subprocess.run(line, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)

    assert refused.returncode != 0
    assert len(refused.stderr.splitlines()) == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert f"{tmp_path / 'data' / 'certs' / 'ca.pem'} does not exist" in refused.stderr
    command = re.search(r"`(encola afip-sim cert [^`]+)`", refused.stderr).group(1)
    made = subprocess.run(["/bin/sh", "-c", command.replace("CUIT", "20111111112")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr

    simulator = Child("afip", line, env, tmp_path)
    try:
        wait_http(f"http://127.0.0.1:{env['ENCOLA_AFIP_SIM_ADMIN_PORT']}/faults", timeout=30, child=simulator)
    finally:
        simulator.stop()


def test_web_processes_share_no_control_socket(tmp_path):
    """gunicorn's control socket would be ~/.gunicorn/gunicorn.ctl for every web process of the user:
    two web processes must create none."""
    home = tmp_path / "home"
    home.mkdir()
    env = {name: value for name, value in os.environ.items() if name != "XDG_RUNTIME_DIR"}
    env["HOME"] = str(home)
    first = Web("web-a", env, tmp_path)
    try:
        second = Web("web-b", env, tmp_path)
        try:
            for web in (first, second):
                assert requests.get(f"{web.base_url}/health", timeout=5).ok
            assert list(home.iterdir()) == []
        finally:
            second.stop()
    finally:
        first.stop()


def test_supervisord_from_the_generated_configuration_starts_again_a_worker_that_was_killed(tmp_path):
    redis_server = LocalRedis(str(tmp_path / "redis"), appendonly=False)
    redis_url = redis_server.start()
    port = free_port()
    env = {**os.environ, "ENCOLA_REDIS_URL": redis_url, "ENCOLA_DATA_DIR": str(tmp_path / "data"), "PORT": str(port)}
    generated = subprocess.run(encola("supervisor-config", "--processes", "webhooks,web"), cwd=REPO, env=env,
                               capture_output=True, text=True, timeout=60)
    assert generated.returncode == 0, generated.stderr
    conf = tmp_path / "supervisord.conf"
    conf.write_text(generated.stdout)
    bin_dir = os.path.dirname(sys.executable)
    # The PATH of a service manager, without the virtual environment: the configuration must add it.
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != bin_dir)
    supervisord = Child("supervisord", [os.path.join(bin_dir, "supervisord"), "-n", "-c", str(conf)], env, tmp_path)

    def worker_pid() -> int:
        answer = subprocess.run([os.path.join(bin_dir, "supervisorctl"), "-c", str(conf), "pid", "webhooks"],
                                env=env, capture_output=True, text=True, timeout=30)
        return int(answer.stdout) if answer.stdout.strip().isdigit() else 0

    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=60, child=supervisord)
        wait_until(lambda: _webhooks_worker_answers(redis_url), timeout=60, message="the webhooks worker to answer")
        killed = wait_until(worker_pid, message="supervisord to report the worker's pid")

        os.kill(killed, signal.SIGKILL)

        restarted = wait_until(lambda: (pid := worker_pid()) not in (0, killed) and pid, timeout=60,
                               message="supervisord to start the worker again")
        assert not psutil.pid_exists(killed) or psutil.Process(killed).status() == psutil.STATUS_ZOMBIE
        assert psutil.Process(restarted).cmdline()[1:3] == [os.path.join(bin_dir, "celery"), "-A"]
        wait_until(lambda: _webhooks_worker_answers(redis_url), timeout=60, message="the new worker to answer")
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).ok
        assert (tmp_path / "data" / "logs" / "webhooks.log").stat().st_size > 0
    finally:
        supervisord.stop(timeout=60)
        redis_server.stop()


def _webhooks_worker_answers(redis_url: str) -> bool:
    # An app of its own: config.celery_app's replies would come through the test run's Redis.
    with Celery(broker=redis_url) as probe:
        return any(node.startswith("webhooks@") for reply in probe.control.ping(timeout=1) for node in reply)


def test_the_procfile_from_a_fresh_clone_runs_with_only_the_documented_variables(tmp_path):
    """docs/operating.md's "Run it yourself", step by step, as an operator on a new server: a fresh clone with no
    `.encola/`, only PATH, ENCOLA_ENV, ENCOLA_REDIS_URL and the loopback allowlist for the receiver set (and
    free ports), the simulator's certificates and the
    first point of sale made with the documented commands, then `honcho start`, which stops everything
    if any process exits. A receiver that fails a hook's first attempt gets it again from beat's sweep."""
    clone = tmp_path / "encola"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=120)
    assert not (clone / ".encola").exists()
    redis_server = LocalRedis(str(tmp_path / "redis"), appendonly=False)
    receiver = WebhookReceiver().start()
    receiver.behaviours["/hooks"] = FailFirst(Behaviour(500), 1)
    web_port = free_port()
    env = with_venv_path({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ENCOLA_REDIS_URL": redis_server.start(),
                          "ENCOLA_ENV": "development", "ENCOLA_WEBHOOK_PRIVATE_NETWORKS": "127.0.0.0/8,::1/128",
                          "PORT": str(web_port), "ENCOLA_AFIP_SIM_PORT": str(free_port()),
                          "ENCOLA_AFIP_SIM_ADMIN_PORT": str(free_port())})

    def operator(*command: str) -> str:
        done = subprocess.run(["/bin/sh", "-c", shlex.join(command)], cwd=clone, env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    operator("encola", "afip-sim", "cert", "--cuit", "20111111112", "--out", ".encola/certs")
    added = json.loads(operator("encola", "pdv", "add", "--cuit", "20111111112", "--pto-vta", "1", "--webhook",
                                f"{receiver.base_url}/hooks", "--cert", ".encola/certs/cert.pem",
                                "--key", ".encola/certs/key.pem"))
    honcho = Child("honcho", ["honcho", "start", "web", "emision", "webhooks", "beat", "afip"], env, tmp_path,
                   cwd=clone)
    web = f"http://127.0.0.1:{web_port}"
    try:
        wait_http(f"{web}/health", timeout=60, child=honcho)
        today = datetime.now(ARGENTINA).date()
        body = {**added["credenciales"], **item("desplegado", today)}
        answer = wait_until(lambda: _accepted(web, body), timeout=60, message="the comprobante to be accepted")
        assert answer["error"] == "N", answer

        def emitido_delivered() -> bool:
            final = [d for d in receiver.received("/hooks") if d.json()["evento"] == "emitido"]
            return len(final) >= 2  # refused once with 500, then delivered by the retry beat published

        wait_until(emitido_delivered, timeout=90, interval=0.5, message="the emitido hook to be retried")
        assert honcho.alive(), honcho.tail()
        emitted = [d.json() for d in receiver.received("/hooks") if d.json()["evento"] == "emitido"]
        assert emitted[-1]["cae"] and emitted[-1]["comprobante_nro"].startswith("00001-")
        # The simulator's certificates and state; beat, the workers and web keep nothing in local files.
        assert sorted(p.name for p in (clone / ".encola").iterdir()) == ["afip", "certs"]
    finally:
        honcho.stop(timeout=30)
        receiver.stop()
        redis_server.stop()


def _accepted(web: str, body: dict) -> dict | None:
    """The answer to nuevo_encola, or None while the web process is not up yet."""
    try:
        return requests.post(f"{web}/api/v2/facturacion/nuevo_encola", json=body, timeout=10).json()
    except requests.RequestException:
        return None


def test_a_celery_process_that_cannot_start_says_why_in_one_line(tmp_path):
    for process, env in (("beat", {"ENCOLA_ENV": "development"}),
                         ("emision", {"ENCOLA_REDIS_URL": "redis://127.0.0.1:6379/0", "ENCOLA_ENV": "produccion"})):
        done = subprocess.run(["/bin/sh", "-c", f"exec {procfile_command(process)}"], cwd=tmp_path, timeout=60,
                              env=with_venv_path({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env}),
                              capture_output=True, text=True)
        assert done.returncode != 0
        assert done.stderr.splitlines() == [done.stderr.strip()] and done.stderr.startswith("encola: "), done.stderr


def test_no_process_starts_without_encola_env(tmp_path):
    """Forgetting ENCOLA_ENV must not give a deployment development's allowances: every process of the
    Procfile refuses, saying what the two values mean."""
    env = with_venv_path({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ENCOLA_REDIS_URL": "redis://127.0.0.1:9/0",
                          "PORT": str(free_port()), "FLOWER_PORT": str(free_port())})
    for process in ("web", "emision", "webhooks", "beat", "flower"):
        done = subprocess.run(["/bin/sh", "-c", f"exec {procfile_command(process)}"], cwd=REPO, env=env, timeout=60,
                              capture_output=True, text=True)
        assert done.returncode != 0, process
        assert "ENCOLA_ENV is not set: set it to production" in done.stderr + done.stdout, (process, done.stderr)
