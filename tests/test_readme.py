"""The README documents every environment variable the code and the Procfile read."""

from __future__ import annotations

import re

from tests.support.processes import REPO

PACKAGES = ("config", "accounts", "afip", "comprobantes", "emission", "producers", "tasks", "webhook_dispatch", "cli",
            "monitoring", "mailing")


def variables_in_use() -> set[str]:
    found = set(re.findall(r"\b(ENCOLA_[A-Z_]+)\b", (REPO / "Procfile").read_text()))
    found |= set(re.findall(r"\$\{?([A-Z_]+PORT)\b", (REPO / "Procfile").read_text()))
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            found |= set(re.findall(r"[\"'](ENCOLA_[A-Z_]+|PORT|FLOWER_PORT)[\"']", path.read_text()))
    return found


def test_every_variable_is_in_the_readme_table():
    readme = (REPO / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    missing = variables_in_use() - documented
    assert not missing, f"not documented in the README: {sorted(missing)}"
    assert {"ENCOLA_REDIS_URL", "ENCOLA_AFIP_WSAA_URL", "ENCOLA_AFIP_WSFE_URL", "ENCOLA_ENV", "PORT"} <= documented


def test_every_file_the_documentation_names_exists():
    """The README and docs/ point readers at modules and tests; a file moved must take its mentions along."""
    missing = []
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for path in re.findall(r"`((?:[a-z_]+/)+[a-z_0-9]+\.(?:py|md|html))`", page.read_text()):
            if not (REPO / path).exists():
                missing.append(f"{page.name}: {path}")
    assert not missing, missing
