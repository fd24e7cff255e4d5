"""`encola pdv`, run as the operator runs it: a separate process against the run's Redis, JSON out."""

from __future__ import annotations

import json
import os
import subprocess

from accounts.points_of_sale import authenticate, get_point_of_sale
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
    assert added["webhook_secret"].startswith("whsec_") and added["webhook_token"]
    assert "webhook_token" not in created
    creds = added["credenciales"]
    assert authenticate(r, creds["apikey"], creds["apitoken"], creds["usertoken"]).id == created["id"]

    identity = ("--cuit", cuit, "--pto-vta", "12")
    assert pdv("show", *identity)[1]["punto_venta"] == created
    listed = pdv("list")[1]["puntos_venta"]
    assert created["id"] in [p["id"] for p in listed] and not any("webhook_token" in p for p in listed)
    code, moved = pdv("set-webhook", *identity, "https://hooks.example/nuevo")
    assert code == 0 and moved["punto_venta"]["webhook_url"] == "https://hooks.example/nuevo"
    code, changed = pdv("set", *identity, "--no-active", "--monthly-quota", "0", "--no-idempotent")
    assert code == 0
    assert (changed["punto_venta"]["active"], changed["punto_venta"]["monthly_quota"],
            changed["punto_venta"]["idempotent_submission"]) == (False, 0, False)


def test_the_operator_sets_the_issuers_printed_data(tmp_path, r):
    for name in ("cert.pem", "key.pem", "logo.png"):
        (tmp_path / name).write_text(name)
    cuit = str(valid_cuit(2044444444))
    identity = ("--cuit", cuit, "--pto-vta", "3")
    code, added = pdv("add", *identity, "--webhook", "https://hooks.example/encola", "--cert", "cert.pem",
                      "--key", "key.pem", "--domicilio", "Av. Siempreviva 742, Springfield", cwd=tmp_path)
    assert code == 0 and added["punto_venta"]["domicilio"] == "Av. Siempreviva 742, Springfield", added

    code, changed = pdv("set", *identity, "--iibb", "Convenio Multilateral 901-123456-7", "--inicio-actividades",
                        "01/03/2019", "--logo", "logo.png", cwd=tmp_path)
    assert code == 0, changed
    shown = changed["punto_venta"]
    assert (shown["iibb"], shown["inicio_actividades"], shown["logo_path"]) == (
        "Convenio Multilateral 901-123456-7", "2019-03-01", str(tmp_path / "logo.png"))
    assert get_point_of_sale(r, shown["id"]).inicio_actividades == "2019-03-01"
    code, missing = pdv("set", *identity, "--logo", "no-such.png", cwd=tmp_path)
    assert code == 1 and "logo_path" in missing["errores"][0]


def test_rotations_print_the_new_credentials_and_token_once(tmp_path, r):
    (tmp_path / "cert.pem").write_text("cert")
    (tmp_path / "key.pem").write_text("key")
    cuit = str(valid_cuit(2055555555))
    _, added = pdv("add", "--cuit", cuit, "--pto-vta", "3", "--webhook", "https://hooks.example/encola",
                   "--cert", "cert.pem", "--key", "key.pem", cwd=tmp_path)
    old = added["credenciales"]
    identity = ("--cuit", cuit, "--pto-vta", "3")

    code, rotated = pdv("rotate-credentials", *identity)

    assert code == 0 and rotated["credenciales"]["apikey"] == old["apikey"], rotated
    assert authenticate(r, old["apikey"], old["apitoken"], old["usertoken"]) is None
    fresh = rotated["credenciales"]
    assert authenticate(r, fresh["apikey"], fresh["apitoken"], fresh["usertoken"]).id == f"{cuit}-00003"
    code, token = pdv("rotate-webhook-token", *identity)
    assert code == 0 and token["webhook_token"] not in ("", added["webhook_token"])
    assert get_point_of_sale(r, f"{cuit}-00003").webhook_token == token["webhook_token"]
    assert pdv("rotate-credentials", "--cuit", cuit, "--pto-vta", "4")[0] == 1


def test_mistakes_exit_1_with_the_reason(tmp_path):
    cuit = str(valid_cuit(2044444444))
    code, missing = pdv("add", "--cuit", cuit, "--pto-vta", "1", "--webhook", "https://h.example/",
                        "--cert", str(tmp_path / "none.pem"), "--key", str(tmp_path / "none.key"))
    assert code == 1 and "no existe o no se puede leer" in missing["errores"][0]
    code, unknown = pdv("show", "--cuit", cuit, "--pto-vta", "1")
    assert code == 1 and unknown["errores"] == [f"No existe el punto de venta 1 del CUIT {cuit}."]
