"""NIK (Nomor Induk Kependudukan): structure check, masking and keyed hashing.

Layout `PP KK CC DDMMYY SSSS`: province, regency/city, district, birth date (women: day + 40),
serial. There is no check digit, so a well-formed NIK proves nothing about a person; we check
what can be checked, keep only a keyed hash (for the one-active-ticket rule) and a masked form.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from counter_app.core.errors import ValidationError

# Province codes in use (DOMAIN.md). Others are rejected: they are not a region at all.
PROVINCES: frozenset[str] = frozenset(
    [str(n) for n in range(11, 20)]
    + ["21"]
    + [str(n) for n in range(31, 37)]
    + ["51", "52", "53"]
    + [str(n) for n in range(61, 66)]
    + [str(n) for n in range(71, 77)]
    + ["81", "82"]
    + [str(n) for n in range(91, 97)]
)

# Regencies/cities we know for certain (West Kalimantan, where our first users are). Public code
# lists disagree elsewhere, so an unknown regency only warns.
KNOWN_REGENCIES: dict[str, frozenset[str]] = {
    "61": frozenset(
        ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "71", "72"]
    ),
}


@dataclass(frozen=True)
class Nik:
    digits: str
    birth_date: date
    sex: str  # "L" (laki-laki) or "P" (perempuan)
    warnings: tuple[str, ...] = ()

    @property
    def masked(self) -> str:
        return mask(self.digits)


def parse(text: str, *, today: date | None = None) -> Nik:
    """Validate a NIK; raise ValidationError (field "nik") when it cannot be one."""
    digits = "".join(text.split())
    if not digits.isascii() or not digits.isdigit() or len(digits) != 16:
        raise ValidationError("nik.format", field="nik")
    province, regency = digits[0:2], digits[2:4]
    if province not in PROVINCES:
        raise ValidationError("nik.province", field="nik", code=province)
    if regency == "00" or digits[4:6] == "00":
        raise ValidationError("nik.region", field="nik")
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    sex = "L"
    if day > 40:
        day -= 40
        sex = "P"
    today = today or date.today()
    # Two-digit year: the latest century that does not put the birth in the future.
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    try:
        born = date(year, month, day)
    except ValueError:
        raise ValidationError("nik.date", field="nik") from None
    if born > today:
        year -= 100
        born = date(year, month, day) if _valid(year, month, day) else born
    if digits[12:16] == "0000":
        raise ValidationError("nik.serial", field="nik")
    warnings: list[str] = []
    known = KNOWN_REGENCIES.get(province)
    if known is not None and regency not in known:
        warnings.append("nik.unknown_region")
    return Nik(digits=digits, birth_date=born, sex=sex, warnings=tuple(warnings))


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def mask(digits: str) -> str:
    """`6171010101900001` → `6171**********01`: birth date, sex and serial hidden."""
    return digits[:4] + "*" * 10 + digits[-2:]


def keyed_hash(digits: str, key: bytes) -> str:
    """HMAC-SHA256 with the site's secret: equal NIKs match, the NIK cannot be recovered."""
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()
