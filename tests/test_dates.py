"""The one dd/mm/aaaa parser (comprobantes/dates.py) and the paths that now share it."""

from datetime import date

import pytest
from marshmallow import ValidationError

from comprobantes import dates
from comprobantes.schemas import Fecha, Integer, MesAnio
from producers.fields import Day, whole


@pytest.mark.parametrize(("text", "day"), [
    ("21/03/2022", date(2022, 3, 21)),
    (" 1/3/2022 ", date(2022, 3, 1)),
    ("15/03/1995", date(1995, 3, 15)),  # an activity may have started before 2000
])
def test_a_day_is_read(text, day):
    assert dates.parse(text) == day


@pytest.mark.parametrize("value", [
    "31/02/2022", "2022-03-21", "21/03/22", "21-03-2022", "21/03/2022x", "", None, 21032022, ["21/03/2022"],
])
def test_anything_else_is_none(value):
    assert dates.parse(value) is None


def test_the_formats_round_trip():
    day = date(2026, 12, 6)
    assert dates.parse(dates.ddmmyyyy(day)) == day
    assert dates.ddmmyyyy(None) == ""
    assert dates.yyyymmdd_to_ddmmyyyy(dates.yyyymmdd(day)) == "06/12/2026"
    assert dates.yyyymmdd_to_ddmmyyyy("") == ""


def test_a_comprobantes_dates_keep_to_this_century():
    assert Fecha().deserialize(" 6/12/2026") == date(2026, 12, 6)
    assert MesAnio().deserialize("12/2026") == date(2026, 12, 1)
    for field, text in ((Fecha(), "06/12/1999"), (Fecha(), "30/02/2026"), (MesAnio(), "13/2026")):
        with pytest.raises(ValidationError):
            field.deserialize(text)


def test_the_bodies_date_field_uses_the_same_parser():
    assert Day().deserialize(" 21/03/2022 ") == date(2022, 3, 21)
    with pytest.raises(ValidationError, match="debe ser una fecha dd/mm/aaaa."):
        Day().deserialize("2022-03-21")
    with pytest.raises(ValidationError, match="no es una fecha: 31/02/2022 no existe en el calendario."):
        Day().deserialize(" 31/02/2022")


def test_a_date_written_right_that_names_no_day_is_told_apart():
    assert dates.names_no_day("31/02/2022") and dates.names_no_day("13/2026", dates.MONTH_FORMAT, r"\d{1,2}/\d{4}")
    assert not any(dates.names_no_day(value) for value in ("28/02/2022", "2022-02-31", None))


def test_paging_fields_stay_strict_where_a_comprobantes_integer_reads_digits():
    assert Integer().deserialize("0002") == 2
    with pytest.raises(ValidationError, match="debe ser un numero entero."):
        whole().deserialize("2")


def _strptime(value: str, form: str):
    """What the parser answered when every date went through strptime."""
    from datetime import datetime

    try:
        return datetime.strptime(value.strip(), form).date()
    except ValueError:
        return None


def test_the_ascii_shortcut_reads_every_date_as_strptime_does():
    numbers = ["0", "00", "1", "01", "9", "09", "10", "12", "13", "28", "29", "30", "31", "32", "99"]
    years = ["0000", "0001", "1999", "2000", "2024", "2026", "2099", "9999"]
    for day in numbers:
        for month in numbers:
            for year in years:
                text = f" {day}/{month}/{year} "
                assert dates.parse(text) == _strptime(text, dates.DAY_FORMAT), text
        for year in years:
            text = f"{day}/{year}"
            month_pattern = r"\s*\d{1,2}/\d{4}\s*"
            assert dates.parse(text, dates.MONTH_FORMAT, month_pattern) == _strptime(text, dates.MONTH_FORMAT), text


def test_digits_of_other_scripts_are_left_to_strptime():
    for text in ("1\u0663/03/2026", "\u0661\u0662/03/2026", "12/0\u0663/2026"):  # Arabic-Indic digits
        assert dates.parse(text) == _strptime(text, dates.DAY_FORMAT), text


def test_days_are_written_as_strftime_writes_them():
    for day in (date(2026, 1, 2), date(1999, 12, 31), date(2099, 10, 9), date(1000, 1, 1), date(999, 3, 4),
                date(1, 1, 1)):
        assert dates.ddmmyyyy(day) == day.strftime("%d/%m/%Y")
        assert dates.yyyymmdd(day) == day.strftime("%Y%m%d")
