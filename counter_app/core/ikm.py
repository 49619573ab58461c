"""The Indeks Kepuasan Masyarakat exactly as PermenPANRB No. 14 of 2017 defines it, in exact arithmetic.

Per element: NRR = sum of the scores ÷ number of complete responses (a response with any
element unanswered is left out entirely). IKM = Σ(NRR × 1/9) × 25 with the exact weight 1/9
(spreadsheets that use 0.111 get 99.90 where the answer is 100.00), rounded half-up to two
decimals, then graded on the rounded value. Sample size: Krejcie–Morgan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

ELEMENTS: tuple[str, ...] = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
WEIGHT = Fraction(1, len(ELEMENTS))  # 1/9, never 0.111
CONVERSION = 25
SCORES = (1, 2, 3, 4)
TWO_PLACES = Decimal("0.01")

Answers = Mapping[str, int | None]


@dataclass(frozen=True)
class Grade:
    mutu: str  # A, B, C, D
    kinerja: str  # Sangat Baik, Baik, Kurang Baik, Tidak Baik (the regulation's words)
    low: Decimal  # the lowest converted IKM of the grade, inclusive (after rounding)
    high: Decimal


GRADES: tuple[Grade, ...] = (
    Grade("A", "Sangat Baik", Decimal("88.31"), Decimal("100.00")),
    Grade("B", "Baik", Decimal("76.61"), Decimal("88.30")),
    Grade("C", "Kurang Baik", Decimal("65.00"), Decimal("76.60")),
    Grade("D", "Tidak Baik", Decimal("25.00"), Decimal("64.99")),
)


@dataclass(frozen=True)
class IkmResult:
    respondents: int  # complete responses: the n of every NRR
    incomplete: int  # responses left out because an element was not answered
    totals: dict[str, int]  # sum of scores per element (complete responses only)
    nrr: dict[str, Fraction]  # exact NRR per element; empty when there are no respondents
    ikm: Decimal | None  # converted (25–100), half-up to 2 decimals
    grade: Grade | None

    @property
    def exact(self) -> Fraction | None:
        """The converted index before rounding."""
        return index_of(self.nrr) if self.nrr else None

    def element_index(self, code: str) -> Decimal | None:
        """One element's NRR converted to 25–100 (NRR × 25), for element bars and charts."""
        if code not in self.nrr:
            return None
        return round_half_up(self.nrr[code] * CONVERSION)

    def nrr_rounded(self, code: str, places: int = 2) -> Decimal | None:
        if code not in self.nrr:
            return None
        return round_half_up(self.nrr[code], places)


def round_half_up(value: Fraction | int, places: int = 2) -> Decimal:
    """Exact half-up rounding of a fraction (88.305 → 88.31, never the float's 88.30)."""
    frac = Fraction(value)
    scale = 10**places
    scaled = frac * scale
    whole = scaled.numerator // scaled.denominator  # floor
    if scaled - whole >= Fraction(1, 2):  # half-up on the number line (scores are positive)
        whole += 1
    return (Decimal(whole) / Decimal(scale)).quantize(Decimal(1).scaleb(-places))


def is_complete(answers: Answers) -> bool:
    return all(answers.get(code) is not None for code in ELEMENTS)


def check_score(value: object) -> int | None:
    """A score 1–4, or None for "not answered"; anything else is a ValueError."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in SCORES:
        raise ValueError(f"score must be 1–4, not {value!r}")
    return value


def index_of(nrr: Mapping[str, Fraction]) -> Fraction:
    """Σ(NRR × 1/9) × 25, exact."""
    return sum((nrr[code] * WEIGHT for code in ELEMENTS), Fraction(0)) * CONVERSION


def grade_of(ikm: Decimal) -> Grade:
    """The grade of an already rounded converted IKM (25.00–100.00)."""
    for grade in GRADES:
        if ikm >= grade.low:
            return grade
    return GRADES[-1]  # below 25.00 cannot come from scores 1–4


def compute(responses: Iterable[Answers]) -> IkmResult:
    """NRR per element and the IKM of a set of responses (dicts U1…U9 → 1–4 or None)."""
    totals = dict.fromkeys(ELEMENTS, 0)
    n = incomplete = 0
    for answers in responses:
        values = [answers.get(code) for code in ELEMENTS]
        if any(v is None for v in values):
            incomplete += 1
            continue
        n += 1
        for code, v in zip(ELEMENTS, values):
            totals[code] += check_score(v)  # type: ignore[operator]
    return from_totals(totals, n, incomplete)


def from_totals(totals: Mapping[str, int], respondents: int, incomplete: int = 0) -> IkmResult:
    """The same from per-element sums of complete responses (what SQL `SUM` gives)."""
    if not respondents:
        return IkmResult(0, incomplete, dict.fromkeys(ELEMENTS, 0), {}, None, None)
    nrr = {code: Fraction(int(totals[code]), respondents) for code in ELEMENTS}
    value = round_half_up(index_of(nrr))
    return IkmResult(
        respondents, incomplete, {c: int(totals[c]) for c in ELEMENTS}, nrr, value, grade_of(value)
    )


def merge(parts: Sequence[IkmResult]) -> IkmResult:
    """Several groups as one (sums and counts add; the index is recomputed, never averaged)."""
    totals = dict.fromkeys(ELEMENTS, 0)
    for part in parts:
        for code in ELEMENTS:
            totals[code] += part.totals.get(code, 0)
    return from_totals(
        totals, sum(p.respondents for p in parts), sum(p.incomplete for p in parts)
    )


# ---- the questionnaire's respondent profile (optional, kept only with consent) ------------

AGE_BANDS: tuple[str, ...] = ("le_20", "21_30", "31_40", "41_50", "gt_50")
SEXES: tuple[str, ...] = ("L", "P")  # laki-laki, perempuan
EDUCATION: tuple[str, ...] = ("sd", "smp", "sma", "diploma", "s1", "s2", "s3")
OCCUPATIONS: tuple[str, ...] = ("pns", "tni", "polri", "swasta", "wirausaha", "pelajar", "lainnya")
PROFILE: dict[str, tuple[str, ...]] = {
    "age_band": AGE_BANDS,
    "sex": SEXES,
    "education": EDUCATION,
    "occupation": OCCUPATIONS,
}
FEE_ELEMENT = "U4"  # its scale reads Sangat mahal … Gratis


def age_band(age: int) -> str:
    if age <= 20:
        return "le_20"
    if age <= 30:
        return "21_30"
    if age <= 40:
        return "31_40"
    if age <= 50:
        return "41_50"
    return "gt_50"


# ---- sample size ------------------------------------------------------------------------

CHI_SQUARE = Fraction(3841, 1000)  # χ² for 1 degree of freedom at 95 % confidence
PROPORTION = Fraction(1, 2)
MARGIN = Fraction(5, 100)
# The published table ends with 100,000 → 384: beyond it the formula only creeps towards its
# limit for an infinite population, χ²P(1−P)/d² = 384.16. (The formula itself gives 383 at
# 100,000 and reaches 384 only near 300,000; the table, and this function, say 384.)
TABLE_END = 100_000
TABLE_END_SAMPLE = 384


def krejcie_morgan_exact(population: int) -> Fraction:
    """s = X²NP(1−P) / (d²(N−1) + X²P(1−P)), exact."""
    n = Fraction(population)
    spread = CHI_SQUARE * PROPORTION * (1 - PROPORTION)
    return spread * n / (MARGIN**2 * (n - 1) + spread)


def required_sample(population: int) -> int:
    """The Krejcie–Morgan sample for a population, rounded to the nearest whole respondent as
    the table is (100→80, 500→217, 1,000→278, 10,000→370, from 100,000 on: 384)."""
    if population <= 0:
        return 0
    if population >= TABLE_END:
        return TABLE_END_SAMPLE
    return int(round_half_up(krejcie_morgan_exact(population), 0))
