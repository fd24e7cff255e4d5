"""The TFC codes: one per kind of problem, stable, and the same in the code and in the documented table."""

from __future__ import annotations

import re

from comprobantes.problems import CATALOG
from tests.support.processes import REPO

DOC = REPO / "docs" / "comprobantes.md"


def documented() -> dict[str, str]:
    rows = re.findall(r"^\| (TFC-\d{4}) \| [^|]+ \| (.+) \|$", DOC.read_text(), flags=re.MULTILINE)
    return dict(rows)


def test_each_kind_has_its_own_code():
    codes = [kind.code for kind in CATALOG]
    assert len(codes) == len(set(codes)) and all(re.fullmatch(r"TFC-\d{4}", c) for c in codes)


def test_the_documented_table_lists_exactly_the_codes_in_use_with_their_meaning():
    assert documented() == {kind.code: kind.meaning for kind in CATALOG}


def test_the_codes_tusfacturas_shows_keep_their_meaning():
    meaning = {kind.code: kind.meaning for kind in CATALOG}
    assert "reference" in meaning["TFC-8002"] and "cliente" in meaning["TFC-6001"]
    assert "IVA condition" in meaning["TFC-8004"]
