"""Indonesian number words (*terbilang*): 11 → "sebelas", 2025 → "dua ribu dua puluh lima".

Used by the hall announcement ("Nomor antrean, A, dua puluh tiga …") and wherever a document
spells an amount out. The rules are those of standard Indonesian: *se-* replaces *satu* before
*belas*, *puluh* is not prefixed, *ratus*, *ribu*; 1,000 is *seribu* but 1,000,000 is *satu juta*.
"""

from __future__ import annotations

import re

UNITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")

# Scales above a thousand, each 1000 times the one before.
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu"))

_CODE = re.compile(r"^([A-Za-z]+)[-\s]?0*(\d+)$")


def _below_thousand(n: int) -> list[str]:
    """Words for 1 ≤ n ≤ 999."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [UNITS[hundreds], "ratus"]
    if rest == 0:
        return words
    if rest < 10:
        words.append(UNITS[rest])
    elif rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif rest < 20:
        words += [UNITS[rest - 10], "belas"]
    else:
        tens, unit = divmod(rest, 10)
        words += [UNITS[tens], "puluh"]
        if unit:
            words.append(UNITS[unit])
    return words


def number_word_list(n: int) -> list[str]:
    """The words of `n` (0 ≤ n < 10^15) one by one: the clip names of the voice pack."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("an integer is needed")
    if n < 0 or n >= 10**15:
        raise ValueError(f"{n} is out of range")
    if n == 0:
        return ["nol"]
    words: list[str] = []
    for size, name in _SCALES:
        count, n = divmod(n, size)
        if count == 0:
            continue
        if count == 1 and size == 1000:
            words.append("seribu")  # "satu ribu" only in the larger scales
        else:
            words += _below_thousand(count) + [name]
    if n:
        words += _below_thousand(n)
    return words


def number_words(n: int) -> str:
    """`n` spelt out in Indonesian: 111 → "seratus sebelas"."""
    return " ".join(number_word_list(n))


def rupiah_words(amount: int) -> str:
    """The *terbilang* line of an amount: 350000 → "tiga ratus lima puluh ribu rupiah"."""
    return f"{number_words(amount)} rupiah"


def split_code(code: str) -> tuple[str, int]:
    """A queue code's letters and number without leading zeros: `A023` → ("A", 23)."""
    match = _CODE.match(code.strip())
    if not match:
        raise ValueError(f"not a queue code: {code!r}")
    return match.group(1).upper(), int(match.group(2))


def spoken_code(code: str) -> str:
    """How a code is read aloud: `A023` → "A, dua puluh tiga"."""
    letters, number = split_code(code)
    return f"{', '.join(letters)}, {number_words(number)}"
