"""The Indeks Kepuasan Masyarakat exactly as PermenPANRB No. 14 of 2017 defines it, in exact arithmetic.

Per element: NRR = sum of the scores ÷ number of answers given to that element (a form with a
blank element still counts for the others: a *partial* form). IKM = Σ(NRR × 1/9) × 25 with the exact weight 1/9
(spreadsheets that use 0.111 get 99.90 where the answer is 100.00), rounded half-up to two
decimals, then graded on the rounded value. Sample size: Krejcie–Morgan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
    respondents: int  # forms with at least one element answered
    incomplete: int  # of those, partial forms (some element blank): counted element by element
    totals: dict[str, int]  # sum of scores per element
    nrr: dict[str, Fraction]  # exact NRR per element; empty unless every element has an answer
    ikm: Decimal | None  # converted (25–100), half-up to 2 decimals
    grade: Grade | None
    answered: dict[str, int] = field(default_factory=dict)  # answers given per element: NRR's n

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

    def weighted_parts(self, places: int = 3) -> tuple[dict[str, Decimal], Decimal] | None:
        """NRR × 1/9 per element rounded so that the printed parts add up to the printed total.

        The total is the exact Σ(NRR × 1/9) rounded half-up; each part is first cut down to
        `places` decimals and the units still missing go to the parts with the largest cut-off
        remainders (largest remainder), ties to the earlier element. Published SKM reports print
        a column whose sum is its total row (their spreadsheets sum the rounded cells); this keeps
        that property while the total — and the IKM, total × 25 before rounding — stay exact."""
        if not self.nrr:
            return None
        scale = 10**places
        exact = {code: self.nrr[code] * WEIGHT * scale for code in ELEMENTS}
        total_units = int(round_half_up(sum(exact.values(), Fraction(0)), 0))
        floors = {code: v.numerator // v.denominator for code, v in exact.items()}
        missing = total_units - sum(floors.values())  # 0 ≤ missing < 9
        order = sorted(ELEMENTS, key=lambda c: (-(exact[c] - floors[c]), ELEMENTS.index(c)))
        for code in order[:missing]:
            floors[code] += 1
        unit = Decimal(1).scaleb(-places)
        parts = {code: (Decimal(floors[code]) * unit).quantize(unit) for code in ELEMENTS}
        return parts, (Decimal(total_units) * unit).quantize(unit)


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
    """NRR per element and the IKM of a set of responses (dicts U1…U9 → 1–4 or None); each
    element is divided by the answers given to it, a form with no answer at all counts for none."""
    totals = dict.fromkeys(ELEMENTS, 0)
    answered = dict.fromkeys(ELEMENTS, 0)
    n = partial = 0
    for answers in responses:
        values = {code: check_score(answers.get(code)) for code in ELEMENTS}
        given = [code for code, v in values.items() if v is not None]
        if not given:
            continue
        n += 1
        partial += len(given) < len(ELEMENTS)
        for code in given:
            totals[code] += values[code]  # type: ignore[operator]
            answered[code] += 1
    return from_totals(totals, answered, n, partial)


def from_totals(
    totals: Mapping[str, int],
    answered: Mapping[str, int] | int,
    respondents: int | None = None,
    incomplete: int = 0,
) -> IkmResult:
    """The same from per-element sums and answer counts (what SQL `SUM` and `COUNT` give);
    `answered` may be one number when every element has it (complete forms only). The index
    needs an answer to every element: with none to some element there is no NRR and no IKM."""
    counts = dict.fromkeys(ELEMENTS, answered) if isinstance(answered, int) else dict(answered)
    counts = {code: int(counts.get(code, 0) or 0) for code in ELEMENTS}
    if respondents is None:
        respondents = max(counts.values())
    sums = {code: int(totals.get(code, 0) or 0) for code in ELEMENTS}
    if not respondents or not all(counts.values()):
        return IkmResult(respondents, incomplete, sums, {}, None, None, counts)
    nrr = {code: Fraction(sums[code], counts[code]) for code in ELEMENTS}
    value = round_half_up(index_of(nrr))
    return IkmResult(respondents, incomplete, sums, nrr, value, grade_of(value), counts)


def merge(parts: Sequence[IkmResult]) -> IkmResult:
    """Several groups as one (sums and counts add; the index is recomputed, never averaged)."""
    totals = dict.fromkeys(ELEMENTS, 0)
    answered = dict.fromkeys(ELEMENTS, 0)
    for part in parts:
        for code in ELEMENTS:
            totals[code] += part.totals.get(code, 0)
            answered[code] += part.answered.get(code, 0)
    return from_totals(totals, answered, sum(p.respondents for p in parts), sum(p.incomplete for p in parts))


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
