"""Dates, times, numbers and Rupiah, written one way everywhere (screens, receipts, reports).

Everything goes through Babel with the locale of the language (`id` → `id_ID`, `en` → `en`).
Babel is imported inside the functions, never at module level: the way to the login window
does not pay for it (the start-up time is measured).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from counter_app.core import i18n

LOCALES = {"id": "id_ID", "en": "en"}
# Babel's own "full" date in id_ID pads the day ("Rabu, 02 Desember 2026"); the house style
# writes it as people do: "Rabu, 2 Desember 2026" / "Wednesday, 2 December 2026".
_DATE_PATTERNS = {
    "full": "EEEE, d MMMM y",
    "long": "d MMMM y",
    "medium": "d MMM y",
    "short": "dd-MM-y",
}
DateStyle = Literal["full", "long", "medium", "short"]


def locale(lang: str | None = None) -> str:
    return LOCALES.get(lang or i18n.language(), LOCALES[i18n.DEFAULT_LANGUAGE])


def format_rupiah(amount: int) -> str:
    """`350000` → `Rp350.000`: Babel's Indonesian currency format, whatever the UI language
    (the amount is always Rupiah, on the screen and on the receipt alike)."""
    from babel.numbers import format_currency

    return format_currency(int(amount), "IDR", locale=LOCALES["id"], currency_digits=False, format="¤#,##0")


def fee_text(amount: int | None, *, lang: str | None = None) -> str:
    """A service fee: `Gratis` / `Free` for none, else `format_rupiah`."""
    if not amount:
        return i18n.t("gui.fee.free", lang=lang)
    return format_rupiah(amount)


def format_number(value: float, *, lang: str | None = None, decimals: int | None = None) -> str:
    """`1234567` → `1.234.567` (id) / `1,234,567` (en); `decimals` fixes the digits after the
    separator (`7.25`, 1 → `7,2` / `7.2`, rounded as Python rounds the float)."""
    from babel.numbers import format_decimal

    if decimals is None:
        return format_decimal(value, locale=locale(lang))
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(round(value, decimals), format=pattern, locale=locale(lang))


def format_date(value: date | str, style: DateStyle = "full", *, lang: str | None = None) -> str:
    """`Rabu, 2 Desember 2026` (full), `2 Desember 2026` (long), `02-12-2026` (short)."""
    from babel.dates import format_date as babel_date

    d = date.fromisoformat(value) if isinstance(value, str) else value
    return babel_date(d, _DATE_PATTERNS[style], locale=locale(lang))


def format_time(value: time | datetime, *, lang: str | None = None) -> str:
    """`10.15` (id) / `10:15` (en): 24-hour clock, as on the hall display."""
    from babel.dates import format_time as babel_time

    return babel_time(value, "HH.mm" if locale(lang) == "id_ID" else "HH:mm", locale=locale(lang))


def format_datetime(value: datetime, *, lang: str | None = None) -> str:
    """`Rabu, 2 Desember 2026 10.15` (a local, aware or naive datetime)."""
    return f"{format_date(value.date(), 'full', lang=lang)} {format_time(value, lang=lang)}"
