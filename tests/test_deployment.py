"""Running encola as an operator does (README, "Run it yourself" and "Running in production"): the
install-only make target, the Procfile's processes started from a fresh data folder, and the
supervisord configuration that starts again whatever exits."""

from __future__ import annotations

import subprocess

from tests.support.processes import REPO


def test_make_install_only_creates_the_environment(tmp_path):
    venv = tmp_path / "venv"
    planned = subprocess.run(["make", "-n", "install", f"VENV={venv}"], cwd=REPO, capture_output=True, text=True)
    assert planned.returncode == 0, planned.stderr
    commands = planned.stdout.splitlines()
    assert commands[0] == f"python3 -m venv {venv}" and commands[-1] == f"touch {venv}/bin/.installed", commands
    assert all(line.startswith(("python3 -m venv", f"{venv}/bin/python -m pip install", "touch")) for line in commands)

    demo = subprocess.run(["make", "-n", "demo", f"VENV={venv}"], cwd=REPO, capture_output=True, text=True)
    assert demo.stdout.splitlines() == [*commands, f"{venv}/bin/encola demo"], demo.stdout + demo.stderr
