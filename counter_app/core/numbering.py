"""Queue codes (`A023`) and receipt numbers (`PTK-L01-20261129-A023`)."""

from __future__ import annotations

import re
from datetime import date

CODE_RE = re.compile(r"^[A-Z][0-9]{3,4}$")
MAX_PER_DAY = 9999


def ticket_code(letter: str, number: int) -> str:
    """Three digits, four once a letter passes 999 in a day (large MPPs)."""
    if not 1 <= number <= MAX_PER_DAY:
        raise ValueError("queue number out of range")
    return f"{letter}{number:03d}"


def receipt_number(site: str, counter: str, day: date, code: str) -> str:
    """Unique across sites and counters: site and counter codes are unique, codes per day."""
    return f"{site}-{counter}-{day:%Y%m%d}-{code}"
