"""`encola pdv`, run as the operator runs it: a separate process against the run's Redis, JSON out."""

from __future__ import annotations

import json
import os
import subprocess

from accounts.points_of_sale import authenticate
from tests.support.processes import REPO, encola
from tests.support.stack import valid_cuit


def pdv(*args: str, cwd=REPO) -> tuple[int, dict]:
    done = subprocess.run(encola("pdv", *args), cwd=cwd, env=os.environ.copy(), capture_output=True, text=True,
                          timeout=60)
    return done.returncode, json.loads(done.stdout)


def test_add_prints_credentials_that_open_the_new_point_of_sale(tmp_path, r):
    (tmp_path / "cert.pem").write_text("cert")
    (tmp_path / "key.pem").write_text("key")
    cuit = str(valid_cuit(2033333333))

    code, added = pdv("add", "--cuit", cuit, "--pto-vta", "12", "--webhook", "https://hooks.example/encola",
                      "--cert", "cert.pem", "--key", "key.pem", "--concepto", "2", "--monthly-quota", "100",
                      cwd=tmp_path)

    assert code == 0 and added["error"] == "N", added
    created = added["punto_venta"]
    assert (created["id"], created["concepto"], created["monthly_quota"]) == (f"{cuit}-00012", 2, 100)
    assert created["cert_path"] == str(tmp_path / "cert.pem")  # made absolute for processes elsewhere
    assert added["webhook_secret"].startswith("whsec_") and created["webhook_token"]
    creds = added["credenciales"]
    assert authenticate(r, creds["apikey"], creds["apitoken"], creds["usertoken"]).id == created["id"]

    identity = ("--cuit", cuit, "--pto-vta", "12")
    assert pdv("show", *identity)[1]["punto_venta"] == created
    assert created["id"] in [p["id"] for p in pdv("list")[1]["puntos_venta"]]
    code, moved = pdv("set-webhook", *identity, "https://hooks.example/nuevo")
    assert code == 0 and moved["punto_venta"]["webhook_url"] == "https://hooks.example/nuevo"
    code, changed = pdv("set", *identity, "--no-active", "--monthly-quota", "0", "--no-idempotent")
    assert code == 0
    assert (changed["punto_venta"]["active"], changed["punto_venta"]["monthly_quota"],
            changed["punto_venta"]["idempotent_submission"]) == (False, 0, False)


def test_mistakes_exit_1_with_the_reason(tmp_path):
    cuit = str(valid_cuit(2044444444))
    code, missing = pdv("add", "--cuit", cuit, "--pto-vta", "1", "--webhook", "https://h.example/",
                        "--cert", str(tmp_path / "none.pem"), "--key", str(tmp_path / "none.key"))
    assert code == 1 and "no existe o no se puede leer" in missing["errores"][0]
    code, unknown = pdv("show", "--cuit", cuit, "--pto-vta", "1")
    assert code == 1 and unknown["errores"] == [f"No existe el punto de venta 1 del CUIT {cuit}."]
