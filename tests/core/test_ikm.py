"""The IKM of PermenPANRB 14/2017 on hand-computed cases: exact fractions, half-up rounding on
the grade boundaries, partial forms counted element by element, and the Krejcie–Morgan sample size."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from counter_app.core import ikm
from counter_app.core.ikm import ELEMENTS


def response(*scores: int | None) -> dict[str, int | None]:
    assert len(scores) == 9
    return dict(zip(ELEMENTS, scores))


def with_total(n: int, total: int) -> list[dict[str, int | None]]:
    """n complete responses whose scores add up to `total` (raised from all-ones, in order).

    IKM = 25/9 × Σ NRR = 25 × total / (9 × n): only the total and n decide it."""
    assert 9 * n <= total <= 36 * n
    extra = total - 9 * n  # each score starts at 1 and may rise by 3
    rows = []
    for _ in range(n):
        scores = []
        for _ in ELEMENTS:
            add = min(3, extra)
            extra -= add
            scores.append(1 + add)
        rows.append(response(*scores))
    assert extra == 0
    return rows


def test_all_fours_give_exactly_one_hundred() -> None:
    result = ikm.compute([response(4, 4, 4, 4, 4, 4, 4, 4, 4)] * 7)
    assert result.ikm == Decimal("100.00")
    assert result.grade is not None and result.grade.mutu == "A" and result.grade.kinerja == "Sangat Baik"
    assert result.exact == 100
    assert all(v == 4 for v in result.nrr.values())


def test_the_0111_trap() -> None:
    """Spreadsheets that weigh each element 0.111 get 99.90 for a perfect score."""
    nrr = dict.fromkeys(ELEMENTS, Fraction(4))
    spreadsheet = sum(float(v) * 0.111 for v in nrr.values()) * 25
    assert round(spreadsheet, 2) == 99.9
    assert ikm.index_of(nrr) == 100
    assert ikm.compute([response(4, 4, 4, 4, 4, 4, 4, 4, 4)]).ikm == Decimal("100.00")


def test_all_ones_give_twenty_five_and_d() -> None:
    result = ikm.compute([response(1, 1, 1, 1, 1, 1, 1, 1, 1)])
    assert result.ikm == Decimal("25.00") and result.grade.mutu == "D"  # type: ignore[union-attr]


def test_small_hand_computed_case() -> None:
    """Three respondents.
    U1: 4+3+3 = 10 → NRR 10/3; U2: 3+3+3 = 9 → 3; U3: 2+3+4 = 9 → 3; U4: 4+4+4 = 12 → 4;
    U5..U9: 3 each → 3. Σ NRR = 10/3 + 3 + 3 + 4 + 5×3 = 28 1/3 = 85/3.
    IKM = 85/3 × 1/9 × 25 = 2125/27 = 78.7037… → 78.70, B (Baik)."""
    rows = [
        response(4, 3, 2, 4, 3, 3, 3, 3, 3),
        response(3, 3, 3, 4, 3, 3, 3, 3, 3),
        response(3, 3, 4, 4, 3, 3, 3, 3, 3),
    ]
    result = ikm.compute(rows)
    assert result.respondents == 3 and result.incomplete == 0
    assert result.nrr["U1"] == Fraction(10, 3) and result.nrr["U4"] == 4
    assert result.totals["U1"] == 10 and result.totals["U3"] == 9
    assert result.exact == Fraction(2125, 27)
    assert result.ikm == Decimal("78.70")
    assert result.grade.mutu == "B" and result.grade.kinerja == "Baik"  # type: ignore[union-attr]
    assert result.nrr_rounded("U1") == Decimal("3.33")
    assert result.element_index("U1") == Decimal("83.33")  # 10/3 × 25 = 83.333…


def test_a_blank_element_divides_by_the_answers_given_to_it() -> None:
    """PermenPANRB 14/2017: NRR per element = sum ÷ answers to that element. The third form
    skips U4: it counts for U1–U3 and U5–U9 (n = 3) and not for U4 (n = 2).
    U4: (4 + 2) / 2 = 3; every other element: (4 + 2 + 1) / 3 = 7/3.
    IKM = 25/9 × (3 + 8 × 7/3) = 25/9 × 65/3 = 1625/27 = 60.185… → 60.19, D."""
    rows = [
        response(4, 4, 4, 4, 4, 4, 4, 4, 4),
        response(2, 2, 2, 2, 2, 2, 2, 2, 2),
        response(1, 1, 1, None, 1, 1, 1, 1, 1),
    ]
    result = ikm.compute(rows)
    assert result.respondents == 3 and result.incomplete == 1
    assert result.answered == {**dict.fromkeys(ELEMENTS, 3), "U4": 2}
    assert result.nrr["U4"] == 3 and result.nrr["U1"] == Fraction(7, 3)
    assert result.exact == Fraction(1625, 27)
    assert result.ikm == Decimal("60.19") and result.grade.mutu == "D"  # type: ignore[union-attr]
    # the same from SQL-like sums and counts, and merged from two halves
    again = ikm.from_totals(result.totals, result.answered, 3, 1)
    assert again.ikm == result.ikm
    halves = ikm.merge([ikm.compute(rows[:2]), ikm.compute(rows[2:])])
    assert halves.ikm == result.ikm and halves.incomplete == 1 and halves.answered == result.answered


def test_an_element_nobody_answered_means_no_index() -> None:
    result = ikm.compute([response(4, None, 4, 4, 4, 4, 4, 4, 4)])
    assert result.respondents == 1 and result.incomplete == 1
    assert result.ikm is None and result.grade is None and result.nrr == {}
    assert ikm.compute([]).ikm is None
    assert ikm.compute([response(*[None] * 9)]).respondents == 0  # a blank form is no form


def test_printed_weighted_nrrs_add_up_to_the_printed_total() -> None:
    """Rounding each NRR × 1/9 on its own prints 3.492 above a total of 3.491. Here
    U1–U8 have NRR 3.15 (× 1/9 = 0.35) and U9 3.43 (0.381…): exact Σ = 28.63/9 = 3.18111… →
    3.181; parts 0.350 × 8 + 0.381 = 3.181. And a case where eight parts each round up:
    NRR 3.1455 for U1–U8 and 3.0 for U9 → each 0.349500 → 0.350 on its own (× 8 = 2.800) +
    0.333 = 3.133, but the exact total is 28.164/9 = 3.129333… → 3.129: the parts are cut to
    0.349 and 0.333 and the missing units go to the largest remainders."""
    exact_nrr = {**dict.fromkeys(ELEMENTS[:8], Fraction(31455, 10000)), "U9": Fraction(3)}
    result = ikm.IkmResult(10000, 0, {}, exact_nrr, ikm.round_half_up(ikm.index_of(exact_nrr)), None)
    naive = sum(ikm.round_half_up(v * ikm.WEIGHT, 3) for v in exact_nrr.values())
    parts, total = result.weighted_parts()  # type: ignore[misc]
    assert total == Decimal("3.129") and naive == Decimal("3.133")  # the bug: parts ≠ total
    assert sum(parts.values()) == total
    assert all(
        abs(parts[c] - Decimal(float(v * ikm.WEIGHT))) < Decimal("0.001") for c, v in exact_nrr.items()
    )
    assert parts["U9"] == Decimal("0.333")


def test_weighted_parts_on_real_counts() -> None:
    """Every total of 1…36 × n for small n: the printed parts always sum to the printed total."""
    import itertools

    for u1, u2, u9 in itertools.product((1, 2, 3, 4), repeat=3):
        rows = [
            response(u1, 3, 2, 4, 3, 3, 4, 2, 3),
            response(2, u2, 3, 4, 3, 4, 3, 3, u9),
            response(3, 3, 3, 3, 4, 3, 3, 2, 2),
        ]
        result = ikm.compute(rows)
        parts, total = result.weighted_parts()  # type: ignore[misc]
        assert sum(parts.values()) == total
        assert total == ikm.round_half_up(result.exact / 25, 3)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("n", "total", "exact", "shown", "grade"),
    [
        # 25 × total / (9n) exactly on a half: half-up, never banker's rounding or float noise
        (5000, 158_949, Fraction(17661, 200), "88.31", "A"),  # 88.305 → 88.31 → A
        (2500, 79_479, Fraction(8831, 100), "88.31", "A"),  # 88.31 exactly
        (250, 7_947, Fraction(883, 10), "88.30", "B"),  # 88.30 → B
        (5000, 137_889, Fraction(15321, 200), "76.61", "B"),  # 76.605 → 76.61 → B
        (125, 3_447, Fraction(383, 5), "76.60", "C"),  # 76.60 → C
        (5000, 116_991, Fraction(12999, 200), "65.00", "C"),  # 64.995 → 65.00 → C
        (5000, 116_982, Fraction(64_990, 1000), "64.99", "D"),  # 64.99 → D
    ],
)
def test_grade_boundaries_after_rounding(n: int, total: int, exact: Fraction, shown: str, grade: str) -> None:
    result = ikm.compute(with_total(n, total))
    assert result.exact == exact
    assert result.ikm == Decimal(shown)
    assert result.grade is not None and result.grade.mutu == grade


def test_bankers_rounding_would_have_been_wrong() -> None:
    """Python's round() of a Decimal rounds half to even: 88.305 → 88.30 (B), not 88.31 (A)."""
    assert round(Decimal("88.305"), 2) == Decimal("88.30")
    assert round(Decimal("76.605"), 2) == Decimal("76.60")
    assert ikm.round_half_up(Fraction(17661, 200)) == Decimal("88.31")
    assert ikm.round_half_up(Fraction(15321, 200)) == Decimal("76.61")
    assert ikm.round_half_up(Fraction(12999, 200)) == Decimal("65.00")


@pytest.mark.parametrize(
    ("value", "mutu", "kinerja"),
    [
        ("100.00", "A", "Sangat Baik"),
        ("88.31", "A", "Sangat Baik"),
        ("88.30", "B", "Baik"),
        ("76.61", "B", "Baik"),
        ("76.60", "C", "Kurang Baik"),
        ("65.00", "C", "Kurang Baik"),
        ("64.99", "D", "Tidak Baik"),
        ("25.00", "D", "Tidak Baik"),
    ],
)
def test_grade_table(value: str, mutu: str, kinerja: str) -> None:
    grade = ikm.grade_of(Decimal(value))
    assert (grade.mutu, grade.kinerja) == (mutu, kinerja)


def test_merge_recomputes_rather_than_averages() -> None:
    """Two services: 1 respondent at 100 and 3 at 25 → 43.75, not the mean of 100 and 25."""
    a = ikm.compute([response(4, 4, 4, 4, 4, 4, 4, 4, 4)])
    b = ikm.compute([response(1, 1, 1, 1, 1, 1, 1, 1, 1)] * 3)
    both = ikm.merge([a, b])
    assert both.respondents == 4 and both.ikm == Decimal("43.75")


def test_scores_out_of_range_are_refused() -> None:
    for bad in (0, 5, "3", 2.5, True):
        with pytest.raises(ValueError):
            ikm.compute([{**response(3, 3, 3, 3, 3, 3, 3, 3, 3), "U2": bad}])  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        (100, 80),
        (200, 132),
        (500, 217),
        (1_000, 278),
        (2_000, 322),
        (5_000, 357),
        (10_000, 370),
        (100_000, 384),
        # more rows of the published table
        (10, 10),
        (50, 44),
        (300, 169),
        (3_000, 341),
        (20_000, 377),
        (50_000, 381),
        (75_000, 382),
        (1_000_000, 384),
    ],
)
def test_krejcie_morgan_table(population: int, sample: int) -> None:
    assert ikm.required_sample(population) == sample


def test_krejcie_morgan_formula_and_rounding() -> None:
    # 500 → 217.47: the table rounds to the nearest (a ceiling would say 218)
    assert float(ikm.krejcie_morgan_exact(500)) == pytest.approx(217.4725, abs=1e-4)
    # 100 → 79.507: nearest is 80
    assert float(ikm.krejcie_morgan_exact(100)) == pytest.approx(79.5073, abs=1e-4)
    assert ikm.required_sample(0) == 0 and ikm.required_sample(1) == 1
    samples = [ikm.required_sample(n) for n in range(1, 5000, 37)]
    assert samples == sorted(samples)  # never falls as the population grows


def test_age_bands() -> None:
    assert [ikm.age_band(a) for a in (17, 20, 21, 30, 31, 45, 50, 51, 80)] == [
        "le_20",
        "le_20",
        "21_30",
        "21_30",
        "31_40",
        "41_50",
        "41_50",
        "gt_50",
        "gt_50",
    ]
