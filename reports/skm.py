"""SKM / IKM — the community satisfaction index of PermenPAN-RB 14/2017, computed exactly.

Owns the arithmetic of the regulation and nothing else (no I/O):
- NRR per element (unsur) = sum of its scores / respondents;
- IKM = Σ NRR × 1/9 — the weight is exactly 1/9 (a `Fraction`), never 0.11;
- converted IKM = IKM × 25 (25–100);
- grade on the converted value rounded half-up to 2 decimals:
  ≥ 88.31 A (Sangat Baik), ≥ 76.61 B (Baik), ≥ 65.00 C (Kurang Baik), else D (Tidak Baik);
- Krejcie & Morgan minimum sample S = λ²NPQ / (d²(N−1) + λ²PQ), λ² = 3.841, P = Q = 0.5,
  d = 0.05, rounded up.
Everything stays a `Fraction` until it is shown, so a boundary never moves by a float error.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

ELEMENTS = 9
WEIGHT = Fraction(1, ELEMENTS)
CONVERSION = 25
# (lower bound of the converted value, grade); checked from the top.
GRADES: tuple[tuple[Fraction, str], ...] = (
    (Fraction("88.31"), "A"),
    (Fraction("76.61"), "B"),
    (Fraction("65.00"), "C"),
    (Fraction(0), "D"),
)
# Krejcie & Morgan (1970) constants as the regulation's guide uses them.
LAMBDA2 = Fraction("3.841")
P = Q = Fraction(1, 2)
D = Fraction("0.05")


def round2(value: Fraction) -> Fraction:
    """Round half up to 2 decimals, exactly (how offices round the converted IKM)."""
    return Fraction(math.floor(value * 100 + Fraction(1, 2)), 100)


def grade(converted: Fraction | float | str) -> str:
    """A/B/C/D for a converted IKM (25–100); the value is first rounded to 2 decimals."""
    value = round2(Fraction(converted) if not isinstance(converted, float)
                   else Fraction(str(converted)))
    for bound, letter in GRADES:
        if value >= bound:
            return letter
    return "D"


def min_sample(population: int) -> int:
    """Krejcie & Morgan minimum number of respondents for `population` applicants."""
    if population <= 0:
        return 0
    n = Fraction(population)
    s = LAMBDA2 * n * P * Q / (D * D * (n - 1) + LAMBDA2 * P * Q)
    return math.ceil(s)


@dataclass(frozen=True)
class SkmResult:
    respondents: int
    sums: tuple[int, ...]  # Σ scores per element U1..U9
    population: int  # applicants served in the period (N for the minimum sample)

    @property
    def nrr(self) -> tuple[Fraction, ...]:
        if not self.respondents:
            return tuple(Fraction(0) for _ in self.sums)
        return tuple(Fraction(s, self.respondents) for s in self.sums)

    @property
    def weighted(self) -> tuple[Fraction, ...]:
        return tuple(v * WEIGHT for v in self.nrr)

    @property
    def ikm(self) -> Fraction:
        return sum(self.weighted, Fraction(0))

    @property
    def converted(self) -> Fraction:
        return self.ikm * CONVERSION

    @property
    def converted_rounded(self) -> Fraction:
        return round2(self.converted)

    @property
    def grade(self) -> str | None:
        return grade(self.converted) if self.respondents else None

    def element_grade(self, index: int) -> str | None:
        """The quality of one element: its NRR × 25 graded on the same scale."""
        return grade(self.nrr[index] * CONVERSION) if self.respondents else None

    @property
    def min_sample(self) -> int:
        return min_sample(self.population)

    @property
    def sample_reached(self) -> bool:
        return self.population > 0 and self.respondents >= self.min_sample


def compute(responses: Iterable[Sequence[int]], population: int = 0) -> SkmResult:
    """From raw answer lists (9 scores of 1–4 each); a malformed response is skipped."""
    sums = [0] * ELEMENTS
    n = 0
    for answers in responses:
        if len(answers) != ELEMENTS or not all(isinstance(a, int) and 1 <= a <= 4
                                               for a in answers):
            continue
        n += 1
        for i, a in enumerate(answers):
            sums[i] += a
    return SkmResult(n, tuple(sums), population)


def from_sums(respondents: int, sums: Sequence[int | float], population: int = 0) -> SkmResult:
    """From folded totals (the daily aggregates keep Σ per element and the respondents)."""
    return SkmResult(int(respondents), tuple(int(round(s)) for s in sums), int(population))
