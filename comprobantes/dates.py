"""The dates of the wire format, in one place: TusFacturas sends and answers every day as dd/mm/aaaa
(abono_hasta as mm/aaaa) and AFIP's WSFEv1 as aaaammdd.

One parser decides what a date is, so every path refuses the same bad input: a string of one or two
digits for the day and month and four for the year, spaces around it forgiven, naming a day that
exists. A caller may narrow the pattern (a comprobante's dates keep to 2000-2099) and chooses what to
say about a date it could not read.
"""

from __future__ import annotations

import re
from datetime import date, datetime

DAY_FORMAT, DAY_PATTERN = "%d/%m/%Y", r"\s*\d{1,2}/\d{1,2}/\d{4}\s*"
MONTH_FORMAT = "%m/%Y"
# The two forms in plain ASCII digits, read without strptime (which costs more than the rest of a
# field's load); anything else, such as digits of other scripts that \d also matches, goes to strptime,
# which stays the judge of what a date is.
_ASCII_FORMS = {DAY_FORMAT: re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"),
                MONTH_FORMAT: re.compile(r"()([0-9]{1,2})/([0-9]{4})")}
# What a field says of a value written as a date that names no day (31/02/2026): not a format error.
NO_DAY = "no es una fecha: {day} no existe en el calendario."


def parse(value, form: str = DAY_FORMAT, pattern: str = DAY_PATTERN) -> date | None:
    """The day `value` writes in `form` (dd/mm/aaaa unless told), or None if it is not one."""
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        return None
    text = value.strip()
    plain = _ASCII_FORMS[form].fullmatch(text) if form in _ASCII_FORMS else None
    try:
        if plain is None:
            return datetime.strptime(text, form).date()
        day, month, year = plain.groups()
        return date(int(year), int(month), int(day or 1))
    except ValueError:
        return None


def names_no_day(value, form: str = DAY_FORMAT, pattern: str = DAY_PATTERN) -> bool:
    """Whether `value` is written as `form` asks but names no day of the calendar (31/02/2026, 13/2026)."""
    return isinstance(value, str) and re.fullmatch(pattern, value) is not None and parse(value, form, pattern) is None


def ddmmyyyy(day: date | None) -> str:
    """A day as TusFacturas writes it; "" for none."""
    if not day:
        return ""
    # Formatted without strftime, which costs more; it stays the judge for years it may not pad.
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if day.year >= 1000 else day.strftime(DAY_FORMAT)


def yyyymmdd(day: date) -> str:
    """A day as AFIP's WSFEv1 writes it."""
    return f"{day.year}{day.month:02d}{day.day:02d}" if day.year >= 1000 else day.strftime("%Y%m%d")


def yyyymmdd_to_ddmmyyyy(value: str) -> str:
    """An AFIP day (aaaammdd) as TusFacturas writes it; "" for anything else."""
    return f"{value[6:8]}/{value[4:6]}/{value[:4]}" if len(value) == 8 else ""
