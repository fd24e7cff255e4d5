"""`encola demo` (the README's first command, minus the install) runs the whole stack and says so."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import psutil
import pytest
import requests

from cli.demo import submitted_line
from tests.support.processes import REPO
from tests.support.web import page_sign_in


def test_an_accepted_submission_says_its_number_comes_at_emission_not_number_zero():
    line = submitted_line("demo-1", {"error": "N", "comprobante_nro": "00001-00000000"})
    assert line == "  demo-1: accepted and queued (its number is assigned at emission)"
    assert submitted_line("demo-2", {"error": "S", "errores": ["x"]}) == "  demo-2: refused: ['x']"


def test_the_demo_emits_three_comprobantes_and_receives_six_webhooks():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCOLA_")}
    result = subprocess.run([sys.executable, "-m", "cli.main", "demo"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=170)
    assert result.returncode == 0, result.stdout + result.stderr
    emitted = re.findall(r"emitido  FACTURA B \d{5}-(\d{8})  CAE (\d{14})", result.stdout)
    assert [int(n) for n, _ in emitted] == [1, 2, 3]
    # each with its PDF and ticket, which the demo opened before it stopped
    assert len(re.findall(r"    (?:PDF|ticket) +http://127\.0\.0\.1:\d+/documentos/\S+  \([\d,]+ bytes\)",
                          result.stdout)) == 6
    assert "Webhooks received (6)" in result.stdout
    assert len(re.findall(r" encolado ", result.stdout)) == 3 and len(re.findall(r" emitido ", result.stdout)) == 6


def test_a_newcomers_first_tour_with_the_demo_left_running(tmp_path):
    """README's "A first tour": the demo stays up, a thousand comprobantes go in from a file, one fails
    with the date guard, its date is fixed and it is emitted, the page shows the queue empty and it among
    today's; Ctrl-C stops everything."""
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCOLA_")}
    demo = subprocess.Popen([sys.executable, "-m", "cli.main", "demo", "--keep-running"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in demo.stdout:
            lines.append(line)
            if ".venv/bin/encola status" in line:
                break
        banner = "".join(lines)
        pdv = re.search(r"--pdv (\S+)", banner).group(1)
        tour_env = {**env, "PATH": os.path.dirname(sys.executable) + os.pathsep + env["PATH"]}
        for line in (REPO / ".encola/demo/env").read_text().splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            tour_env[name] = value

        def encola(*args):
            return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=REPO, env=tour_env,
                                  capture_output=True, text=True, timeout=120)

        submitted = encola("submit", ".encola/demo/mil.jsonl", "--pdv", pdv, "--json", "--quiet")
        assert submitted.returncode == 0 and '"accepted": 1000' in submitted.stdout, submitted.stderr
        deadline = time.monotonic() + 120
        while '"state": "error"' not in (shown := encola("show", "mil-ayer", "--pdv", pdv, "--json").stdout):
            assert time.monotonic() < deadline, shown
            time.sleep(1)
        assert "Cambiá la fecha del comprobante" in shown
        assert encola("change-date", "mil-ayer", re.search(r"change-date mil-ayer (\S+)", banner).group(1),
                      "--pdv", pdv).returncode == 0
        while '"state": "emitido"' not in (shown := encola("show", "mil-ayer", "--pdv", pdv, "--json").stdout):
            assert time.monotonic() < deadline, shown
            time.sleep(1)
        assert '"total": 0' in encola("queue", "--pdv", pdv, "--json").stdout
        written = encola("pdf", "mil-ayer", "--pdv", pdv, "-o", str(tmp_path / "mil-ayer.pdf"))
        assert written.returncode == 0 and (tmp_path / "mil-ayer.pdf").read_bytes().startswith(b"%PDF")
        _, page = page_sign_in(re.search(r"page +(\S+)", banner).group(1),
                               json.loads(re.search(r"credentials (\{.*\})", banner).group(1)))
        assert "En cola: 0 sin emitir" in page.text and 'data-ref="mil-ayer"' in page.text
        # the links the demo printed keep opening while the stack runs
        printed = re.findall(r"    (?:PDF|ticket) +(\S+)", banner)
        assert len(printed) == 6
        for link in printed:
            document = requests.get(link, timeout=30)
            assert document.status_code == 200 and document.content.startswith(b"%PDF")
    finally:
        started = psutil.Process(demo.pid).children(recursive=True)
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=60)
        finally:
            _kill_left(demo, started)  # what a failure left behind, so it does not run on beside later tests
    assert demo.returncode in (0, 130)


def test_the_demo_runs_through_redis_sentinel(tmp_path):
    """ENCOLA_REDIS_URL may name Sentinels: the store, the broker, workers, beat and web all find the
    master through them."""
    import redis

    from devtools.local_redis import LocalRedis
    from tests.support.sentinel import sentinel_watching

    master = LocalRedis(str(tmp_path / "master"))
    master.start()
    try:
        with sentinel_watching(master, tmp_path) as port:
            env = {k: v for k, v in os.environ.items() if not k.startswith("ENCOLA_")}
            env.update(ENCOLA_REDIS_URL=f"sentinel://127.0.0.1:{port}/0", ENCOLA_REDIS_SENTINEL_MASTER="encola")
            result = subprocess.run([sys.executable, "-m", "cli.main", "demo"], cwd=REPO, env=env,
                                    capture_output=True, text=True, timeout=170)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Webhooks received (6)" in result.stdout
        assert redis.Redis(port=master.port).dbsize() > 0, "nothing reached the master behind the sentinel"
    finally:
        master.stop()


# A background job of a script starts with SIGINT ignored (POSIX: `&` without job control), and Python
# keeps it ignored unless told otherwise.
SIGINT_IGNORED = ["sh", "-c", "trap '' INT; exec \"$@\"", "sh"]


@pytest.mark.parametrize("signum, prefix", [(signal.SIGTERM, []), (signal.SIGHUP, []), (signal.SIGINT, SIGINT_IGNORED)],
                         ids=["SIGTERM", "SIGHUP", "SIGINT-started-ignored"])
def test_the_demo_left_running_stops_everything_it_started_on_a_signal(signum, prefix):
    """SIGTERM (a service manager, `kill`) and SIGHUP (the terminal closed) stop honcho and every process
    it runs, the private redis-server and the receiver, as Ctrl-C does; and Ctrl-C does it even when the
    demo was started with SIGINT ignored."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCOLA_")}
    demo = subprocess.Popen([*prefix, sys.executable, "-m", "cli.main", "demo", "--keep-running"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    started: list[psutil.Process] = []
    try:
        output = []
        for line in demo.stdout:
            output.append(line)
            if line.startswith("The stack keeps running"):
                break
        assert demo.poll() is None, "".join(output)
        started = psutil.Process(demo.pid).children(recursive=True)
        assert {"honcho", "gunicorn", "celery", "redis-server"} <= {_program(p) for p in started}, started

        demo.send_signal(signum)

        assert demo.wait(timeout=60) == 128 + signum, "".join(output) + demo.stdout.read()
        _, survivors = psutil.wait_procs(started, timeout=30)
        assert survivors == [], survivors
    finally:
        left = psutil.Process(demo.pid).children(recursive=True) if demo.poll() is None else []
        _kill_left(demo, [*started, *left])
        demo.stdout.close()


def _kill_left(demo: subprocess.Popen, started: list[psutil.Process]) -> None:
    """Whatever a failure left behind: honcho and its processes live in sessions of their own."""
    for process in started:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    demo.kill()
    demo.wait()


def _program(process: psutil.Process) -> str:
    """The program a process runs: the script's name for the Python entry points, else the process's name
    (redis-server rewrites its command line)."""
    try:
        name, command = process.name(), process.cmdline()
    except psutil.NoSuchProcess:
        return ""
    return os.path.basename(command[1]) if name.startswith("python") and len(command) > 1 else name
