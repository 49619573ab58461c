"""Queue codes (`A023`) and receipt numbers (`PTK-L01-20261129-A023`).

Two ranges of numbers per (site, day, letter), so that no code is issued twice in a building:

* 1..9999 — issued by the site hub while a counter can reach it (or, on a PC with no server
  configured, by the PC itself: it is then the only device of its site). Three digits, four
  once a letter passes 999 in a day.
* 10000..99999 — *offline* numbers, issued by a counter while the hub is unreachable:
  10000 + 1000 × block + n, where `block` (0..89) is the counter's own, given by the hub when
  the device was added, and n = 1..999 counts that counter's offline tickets of the letter that
  day. No other device holds the block and the hub never issues ≥ 10000, so an offline code is
  unique without asking anyone. It reads as five digits: `A12005` is block 2's fifth offline
  ticket of letter A; the receipt adds a small line "Nomor luring (jaringan terputus)".
"""

from __future__ import annotations

import re
from datetime import date

CODE_RE = re.compile(r"^[A-Z][0-9]{3,5}$")
MAX_PER_DAY = 9999  # the hub's (or a lone PC's) range
OFFLINE_BASE = 10000
OFFLINE_BLOCKS = 90  # blocks 0..89
OFFLINE_PER_BLOCK = 999  # n = 1..999 per block, letter and day
UNKNOWN_BLOCK = 89  # a counter that never reached its hub (see DESIGN.md §9)


def offline_number(block: int, n: int) -> int:
    """The n-th offline number of `block` (10000 + 1000 × block + n)."""
    if not 0 <= block < OFFLINE_BLOCKS:
        raise ValueError("offline block out of range")
    if not 1 <= n <= OFFLINE_PER_BLOCK:
        raise ValueError("offline number out of range")
    return OFFLINE_BASE + 1000 * block + n


def is_offline_number(number: int) -> bool:
    return OFFLINE_BASE < number <= OFFLINE_BASE + 1000 * (OFFLINE_BLOCKS - 1) + OFFLINE_PER_BLOCK and (
        number % 1000 != 0
    )


def offline_block(number: int) -> int | None:
    """The block an offline number came from (None for a hub number)."""
    return (number - OFFLINE_BASE) // 1000 if is_offline_number(number) else None


def ticket_code(letter: str, number: int) -> str:
    """Three digits, four once a letter passes 999 in a day (large MPPs), five for an offline
    number."""
    if not (1 <= number <= MAX_PER_DAY or is_offline_number(number)):
        raise ValueError("queue number out of range")
    return f"{letter}{number:03d}"


def code_number(code: str) -> int | None:
    """`A12005` → 12005 (None if it is not a code)."""
    return int(code[1:]) if CODE_RE.match(code or "") else None


def receipt_number(site: str, counter: str, day: date, code: str) -> str:
    """Unique across sites and counters: site and counter codes are unique, codes per day."""
    return f"{site}-{counter}-{day:%Y%m%d}-{code}"
