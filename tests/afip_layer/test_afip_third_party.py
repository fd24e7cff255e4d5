"""An independent AFIP client, not written here, against the simulator: @afipsdk/afip.js 0.8.1 from npm
(other SOAP stack, other CMS signer, its own copy of AFIP's WSDLs, SOAP 1.2 for WSFEv1). It must log in,
read the last number, emit and read back; the test fails if it cannot.

The package and its dependencies are pinned by afipjs/package-lock.json and installed with `npm ci` into
.cache/afipjs (npm's download cache in .cache/npm), both ignored by git; node and npm must be on PATH."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
from datetime import timedelta

import pytest

from tests.support.afip import yyyymmdd
from tests.support.processes import REPO

SOURCE = REPO / "tests" / "afip_layer" / "afipjs"
INSTALL = REPO / ".cache" / "afipjs"
FILES = ("package.json", "package-lock.json", "emit.js")


def _install_afipjs() -> None:
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.fail("node and npm are needed on PATH to run afip.js against the simulator")
    INSTALL.mkdir(parents=True, exist_ok=True)
    lock_changed = not (INSTALL / "package-lock.json").exists() or not filecmp.cmp(
        SOURCE / "package-lock.json", INSTALL / "package-lock.json", shallow=False)
    for name in FILES:
        shutil.copyfile(SOURCE / name, INSTALL / name)
    if lock_changed or not (INSTALL / "node_modules" / "@afipsdk" / "afip.js").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline", "--cache",
                        str(REPO / ".cache" / "npm")], cwd=INSTALL, check=True, capture_output=True, timeout=300)


def test_afipjs_logs_in_reads_the_last_number_emits_and_reads_back(sim, taxpayer, tmp_path):
    _install_afipjs()
    env = {"PATH": os.environ["PATH"], "CUIT": str(taxpayer.cuit), "CERT": taxpayer.cert_path,
           "KEY": taxpayer.key_path, "TA_DIR": str(tmp_path), "WSAA_URL": sim.wsaa_url, "WSFE_URL": sim.wsfe_url,
           "PTO_VTA": "4", "TODAY": yyyymmdd(sim.today())}

    run = subprocess.run(["node", "emit.js"], cwd=INSTALL, env=env, capture_output=True, text=True, timeout=120)

    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["status"] == {"AppServer": "OK", "DbServer": "OK", "AuthServer": "OK"}
    assert out["lastBefore"] == 0 and out["lastAfter"] == 1
    voucher = out["voucher"]
    assert voucher["voucherNumber"] == 1 and len(voucher["CAE"]) == 14
    assert voucher["CAEFchVto"] == (sim.today() + timedelta(days=10)).isoformat()
    # Read back as text: the field is not in afip.js's 2021 WSDL, so node-soap does not know it is a number.
    assert out["info"]["CodAutorizacion"] == voucher["CAE"] and out["info"]["CondicionIVAReceptorId"] == "5"
    assert out["refusal"].startswith("(10048) El campo 'Importe Total' ImpTotal")
    assert sim.admin("/authorised") == [[taxpayer.cuit, 4, 6, 1, voucher["CAE"]]]
    assert len(sim.admin("/tickets")) == 1
