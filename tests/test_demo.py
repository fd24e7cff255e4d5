"""`encola demo` (the README's first command, minus the install) runs the whole stack and says so."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.support.processes import REPO


def test_the_demo_emits_three_comprobantes_and_receives_six_webhooks():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCOLA_")}
    result = subprocess.run([sys.executable, "-m", "cli.main", "demo"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=170)
    assert result.returncode == 0, result.stdout + result.stderr
    emitted = re.findall(r"emitido  FACTURA B \d{5}-(\d{8})  CAE (\d{14})", result.stdout)
    assert [int(n) for n, _ in emitted] == [1, 2, 3]
    assert "Webhooks received (6)" in result.stdout
    assert len(re.findall(r" encolado ", result.stdout)) == 3 and len(re.findall(r" emitido ", result.stdout)) == 6
