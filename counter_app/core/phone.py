"""Indonesian phone numbers: normalised to E.164 with `phonenumbers`, shown masked."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from counter_app.core.errors import ValidationError

_ACCEPTED = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def normalise(text: str) -> str:
    """`0812-3456-7890` → `+6281234567890`; raise ValidationError (field "phone") otherwise."""
    raw = text.strip()
    if not raw:
        raise ValidationError("phone.empty", field="phone")
    if len(raw) > 32 or any(ch.isalpha() for ch in raw):
        raise ValidationError("phone.format", field="phone")
    try:
        number = phonenumbers.parse(raw, "ID")
    except NumberParseException:
        raise ValidationError("phone.format", field="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("phone.invalid", field="phone")
    if phonenumbers.number_type(number) not in _ACCEPTED:
        raise ValidationError("phone.invalid", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national(e164: str) -> str:
    number = phonenumbers.parse(e164, "ID")
    if number.country_code == 62:
        return "0" + str(number.national_number)
    return e164


def mask(e164: str) -> str:
    """`+6281234567890` → `0812****7890`: enough to recognise, not enough to call."""
    text = national(e164)
    if len(text) <= 8:
        return text[:2] + "*" * (len(text) - 2)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]
