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
from counter_app.core.i18n import t

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
    "61": frozenset(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "71", "72"]),
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

    def decoded_text(self, lang: str | None = None) -> str:
        """ "menurut NIK: perempuan, lahir 01-01-1990" — what the number says, not a proven fact
        (a NIK is not reissued when a birth date is corrected)."""
        sex = t("gui.register.sex_f" if self.sex == "P" else "gui.register.sex_m", lang=lang)
        return t("nik.decoded", lang=lang, sex=sex, born=self.birth_date.strftime("%d-%m-%Y"))


# What people type between the groups of a NIK (`6171-0101-0190-0001`, `6171 0101 0190 0001`):
# spaces and dashes (a word processor's en dash too). Nothing else is taken out.
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013")


def digits_of(text: str) -> str:
    """The NIK's characters without the separators people type between groups."""
    return "".join(ch for ch in text if ch not in _SEPARATORS and not ch.isspace())


def parse(text: str, *, today: date | None = None) -> Nik:
    """Validate a NIK; raise ValidationError (field "nik") when it cannot be one."""
    digits = digits_of(text)
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
    born = _birth_date(day, month, yy, today or date.today())
    if digits[12:16] == "0000":
        raise ValidationError("nik.serial", field="nik")
    warnings: list[str] = []
    known = KNOWN_REGENCIES.get(province)
    if known is not None and regency not in known:
        warnings.append("nik.unknown_region")
    return Nik(digits=digits, birth_date=born, sex=sex, warnings=tuple(warnings))


def _birth_date(day: int, month: int, yy: int, today: date) -> date:
    """The two-digit year in the latest century that gives a real date not after `today`.
    No such date (29 February 2000 read on 15 January 2000: 1900 was no leap year) is refused,
    never answered with a birth in the future."""
    for year in (2000 + yy, 1900 + yy):
        if _valid(year, month, day) and date(year, month, day) <= today:
            return date(year, month, day)
    raise ValidationError("nik.date", field="nik")


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
