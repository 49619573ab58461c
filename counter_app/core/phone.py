"""Indonesian phone numbers: normalised to E.164 with `phonenumbers`, shown masked.

`62…` without a `+` is read as the country code (nationally every number starts with 0, so a
leading 62 can only be Indonesia's code): `62561734567` is Pontianak's `0561 734567`, never
`+6262561734567`. An area code that does not exist is refused with its own message.

The mask hides at least 5 digits and shows at most the operator or area prefix (up to 4 digits,
with its 0) and the last 3: `0812*****890`; a 10-digit number keeps less (`081*****78`).
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from counter_app.core.errors import ValidationError

_ACCEPTED = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
MIN_HIDDEN = 5
MAX_PREFIX = 4
MAX_TAIL = 3
_SEPARATORS = " -.()/"


def _international(raw: str) -> str:
    """`62…` and `0062…` (no `+`) as `+62…`; anything else unchanged."""
    digits = "".join(ch for ch in raw if ch not in _SEPARATORS)
    if digits.startswith("0062"):
        return "+" + digits[2:]
    if digits.startswith("62") and digits.isdigit():
        return "+" + digits
    return raw


_NATIONAL_PREFIXES = ("+62", "0062", "62", "0")  # longest first
_DROP_SEPARATORS = str.maketrans("", "", _SEPARATORS)


def _fast_mobile(raw: str) -> str | None:
    """E.164 of a well-formed Indonesian mobile number (`0812…`, `62812…`, `+62 812…`, with the
    usual separators), or None to take the full path. `phonenumbers.parse` reads these forms as
    country code 62 and the digits after the prefix; the same `number_type` check on that same
    number decides, so an accepted number gets exactly the full path's answer. Anything else
    (landlines, a trunk 0 after +62, refusals) goes the full way, with its own message."""
    digits = raw.translate(_DROP_SEPARATORS)
    for prefix in _NATIONAL_PREFIXES:
        if digits.startswith(prefix):
            national = digits[len(prefix) :]
            break
    else:
        return None
    if not (national.isascii() and national.isdigit() and national[:1] == "8" and 9 <= len(national) <= 12):
        return None
    number = phonenumbers.PhoneNumber(country_code=62, national_number=int(national))
    if phonenumbers.number_type(number) not in _ACCEPTED:
        return None
    return "+62" + national


def normalise(text: str) -> str:
    """`0812-3456-7890` → `+6281234567890`; raise ValidationError (field "phone") otherwise."""
    raw = text.strip()
    if not raw:
        raise ValidationError("phone.empty", field="phone")
    if len(raw) > 32 or any(ch.isalpha() for ch in raw):
        raise ValidationError("phone.format", field="phone")
    fast = _fast_mobile(raw)  # the common case without parse's generic work (~50 µs)
    if fast is not None:
        return fast
    return _full(raw)


def _full(raw: str) -> str:
    """`normalise` through phonenumbers' parse, for every form (checked text: not empty, short,
    no letters)."""
    try:
        number = phonenumbers.parse(_international(raw), "ID")
    except NumberParseException:
        raise ValidationError("phone.format", field="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid(number)
    if phonenumbers.number_type(number) not in _ACCEPTED:
        raise ValidationError("phone.invalid", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _invalid(number: phonenumbers.PhoneNumber) -> ValidationError:
    """A landline-shaped Indonesian number whose area code does not exist says so."""
    national_digits = str(number.national_number)
    if number.country_code == 62 and not national_digits.startswith("8") and len(national_digits) >= 8:
        return ValidationError("phone.area_unknown", field="phone", area="0" + national_digits[:3])
    return ValidationError("phone.invalid", field="phone")


def national(e164: str) -> str:
    number = phonenumbers.parse(e164, "ID")
    if number.country_code == 62:
        return "0" + str(number.national_number)
    return e164


def _prefix_length(e164: str) -> int:
    """Digits shown in front: the real operator or area prefix with its 0 (`0812`, `021`,
    `0561`), never more than 4; for another country its `+` and code."""
    number = phonenumbers.parse(e164, "ID")
    if number.country_code != 62:
        return len(str(number.country_code)) + 1
    try:
        known = phonenumbers.length_of_national_destination_code(number)
    except Exception:
        known = 0
    return min(MAX_PREFIX, 1 + known) if known else 1


def mask(e164: str) -> str:
    """`+6281234567890` → `0812*****890`: enough to recognise, not enough to call."""
    text = national(e164)
    prefix, tail = _prefix_length(e164), MAX_TAIL
    # Give back shown digits, the longer side first, until at least MIN_HIDDEN are hidden.
    while len(text) - prefix - tail < MIN_HIDDEN and (prefix or tail):
        if prefix > tail:
            prefix -= 1
        else:
            tail -= 1
    hidden = len(text) - prefix - tail
    return text[:prefix] + "*" * hidden + (text[-tail:] if tail else "")
