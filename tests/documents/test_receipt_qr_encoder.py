"""The receipt's faster QR encoder (issue 16) gives exactly qrcode's codewords and symbol."""

from __future__ import annotations

import random
import string

import pytest
import qrcode
import qrcode.util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from counter_app.documents import receipt as rc

ALPHABETS = (
    string.digits,  # numeric mode
    string.ascii_uppercase + string.digits + " $%*+-./:",  # alphanumeric mode
    string.ascii_letters + string.digits + "-_.#/:|",  # bytes, as a token
    "".join(map(chr, range(32, 500))),  # bytes, UTF-8 of non-ASCII text
)


def _fit(qr: qrcode.QRCode, text: str) -> int | str:
    qr.add_data(text)
    try:
        version: int = qr.best_fit()
    except (qrcode.exceptions.DataOverflowError, ValueError) as exc:
        return type(exc).__name__
    return version


@pytest.mark.parametrize("level", [ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q, ERROR_CORRECT_H])
def test_codewords_equal_qrcodes(level: int) -> None:
    rnd = random.Random(level)
    checked = 0
    for _ in range(40):
        alphabet = rnd.choice(ALPHABETS)
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 900)))
        ref = qrcode.QRCode(error_correction=level)
        ours = rc._QRCode(error_correction=level)
        fits = [_fit(ref, text), _fit(ours, text)]
        assert fits[0] == fits[1]  # the same version, or the same error when it does not fit
        if not isinstance(fits[0], int):
            continue
        for version in range(ref.version, min(ref.version + 2, 40) + 1):
            expected = qrcode.util.create_data(version, level, ref.data_list)
            assert rc.create_data(version, level, ref.data_list) == expected
            checked += 1
    assert checked > 40


def test_codewords_overflow_like_qrcodes() -> None:
    data = qrcode.util.QRData(b"x" * 100)
    with pytest.raises(qrcode.exceptions.DataOverflowError):
        qrcode.util.create_data(1, ERROR_CORRECT_M, [data])
    with pytest.raises(qrcode.exceptions.DataOverflowError):
        rc.create_data(1, ERROR_CORRECT_M, [data])


@pytest.mark.parametrize("length", [1, 30, 120, 200, 300, 450, 700])  # versions 1 to 22
def test_symbol_equals_qrcodes_at_every_size(length: int) -> None:
    text = "".join(random.Random(length).choice(ALPHABETS[2]) for _ in range(length))
    ref = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    ref.add_data(text)
    ref.make(fit=True)
    image = rc.qr_matrix_image(text)
    n, b = ref.modules_count, rc.QR_BORDER
    pixels = image.tobytes()
    side = n + 2 * b
    assert image.size == (side, side)
    for r, row in enumerate(ref.modules):
        assert pixels[(r + b) * side + b : (r + b) * side + b + n] == bytes(
            0 if dark else 255 for dark in row
        )
