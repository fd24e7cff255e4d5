"""Child processes of the test run: each one a real program, started and stopped like in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


class Child:
    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path, cwd: Path = REPO):
        self.name = name
        self.args, self.env, self.cwd = args, env, cwd
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "ab")
        self.respawn()

    def respawn(self) -> None:
        """Start the program (again, after it exited), as a process supervisor would."""
        self.ended_on_purpose = False
        self.process = subprocess.Popen(
            self.args, cwd=self.cwd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or an OOM kill would."""
        self.ended_on_purpose = True
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 15.0) -> None:
        self.ended_on_purpose = True
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def procfile_command(process: str) -> str:
    for line in (REPO / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return command.strip()
    raise LookupError(f"no {process} process in the Procfile")


def procfile_args(process: str) -> list[str]:
    """The Procfile's line for `process`, run by a shell as honcho runs it."""
    return ["bash", "-c", f"exec {procfile_command(process)}"]


def with_venv_path(env: dict[str, str]) -> dict[str, str]:
    """`env` with this interpreter's bin first on PATH, where the Procfile's commands are (docs/operating.md,
    "Run it yourself")."""
    return {**env, "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")}


def celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config.celery_app", *args]


def encola(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


def wait_http(url: str, timeout: float = 20.0, child: Child | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and not child.alive():
            raise RuntimeError(f"{child.name} exited:\n{child.tail()}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1, message: str = "condition"):
    """Poll `predicate` until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)
