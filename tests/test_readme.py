"""The README and docs/ document every environment variable the code and the Procfile read and every `encola`
command, name only files that exist, and link only to pages and headings that exist."""

from __future__ import annotations

import argparse
import re

from cli.main import build_parser
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


def documentation_pages() -> list:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def test_every_variable_is_in_a_documented_table():
    pages = "\n".join(page.read_text() for page in documentation_pages())
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", pages, flags=re.MULTILINE))
    missing = variables_in_use() - documented
    assert not missing, f"not documented in the README nor docs/: {sorted(missing)}"
    assert {"ENCOLA_REDIS_URL", "ENCOLA_AFIP_WSAA_URL", "ENCOLA_AFIP_WSFE_URL", "ENCOLA_ENV", "PORT"} <= documented


def test_every_file_the_documentation_names_exists():
    """The README and docs/ point readers at modules and tests; a file moved must take its mentions along."""
    missing = []
    for page in documentation_pages():
        for path in re.findall(r"`((?:[a-z_]+/)+[a-z_0-9]+\.(?:py|md|html))`", page.read_text()):
            if not (REPO / path).exists():
                missing.append(f"{page.name}: {path}")
    assert not missing, missing


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_between_pages_resolves():
    """The reference moved out of the README into docs/: a link to a page or to one of its headings must land."""
    broken = []
    for page in documentation_pages():
        for target, fragment in re.findall(r"\]\((?!https?:)([^)#\s]*)(?:#([^)\s]+))?\)", page.read_text()):
            linked = (page.parent / target).resolve() if target else page
            headings = re.findall(r"^#+ (.+)$", linked.read_text(), flags=re.M) if linked.is_file() else []
            if not linked.exists() or (fragment and fragment not in map(anchor, headings)):
                broken.append(f"{page.name}: {target}#{fragment}")
    assert not broken, broken


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return dict(found[0].choices) if found else {}


def test_every_command_is_in_the_command_table():
    """docs/operating.md's table of `encola` commands names each command and, in its `pdv` row, each `pdv`
    subcommand."""
    rows = [line for line in (REPO / "docs" / "operating.md").read_text().splitlines() if line.startswith("| `encola ")]
    commands = subcommands(build_parser())
    missing = [name for name in commands if not any(re.search(rf"`(encola )?{name}[ `]", row) for row in rows)]
    pdv_row = next(row for row in rows if row.startswith("| `encola pdv "))
    missing += [f"pdv {name}" for name in subcommands(commands["pdv"])
                if not re.search(rf"(?<![\w-]){name}(?![\w-])", pdv_row.split("|")[1])]
    assert not missing, f"encola commands not in docs/operating.md: {missing}"
