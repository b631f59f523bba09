"""SKM/IKM arithmetic of PermenPAN-RB 14/2017, with hand-computed examples."""

from fractions import Fraction

import pytest

from reports import skm


@pytest.mark.parametrize("value, expected", [
    ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"), ("65.00", "C"),
    ("64.99", "D"), ("100", "A"), ("25", "D"),
    # the grade reads the converted value rounded (half up) to 2 decimals
    (Fraction("88.305"), "A"), (Fraction("88.3049"), "B"), (Fraction("76.605"), "B"),
    (Fraction("64.995"), "C"), (Fraction("64.9949"), "D"),
])
def test_grade_boundaries(value, expected):
    assert skm.grade(value) == expected


def test_float_input_is_read_as_written():
    assert skm.grade(88.31) == "A" and skm.grade(76.6) == "C"


def test_round2_is_half_up_and_exact():
    assert skm.round2(Fraction("88.305")) == Fraction("88.31")
    assert skm.round2(Fraction(2425, 27)) == Fraction("89.81")  # 89.8148…


@pytest.mark.parametrize("population, sample", [
    (1000, 278), (5000, 357), (10000, 370), (100, 80), (4, 4), (1, 1), (0, 0)])
def test_krejcie_morgan(population, sample):
    assert skm.min_sample(population) == sample


def test_hand_computed_example():
    # 4 respondents
    responses = [[4, 4, 4, 4, 4, 4, 4, 4, 4],
                 [3, 3, 3, 4, 3, 3, 3, 3, 3],
                 [3, 2, 3, 4, 3, 3, 4, 2, 3],
                 [4, 3, 3, 4, 3, 4, 4, 3, 3]]
    r = skm.compute(responses, population=10)
    assert r.respondents == 4
    assert r.sums == (14, 12, 13, 16, 13, 14, 15, 12, 13)  # Σ = 122
    assert r.nrr[0] == Fraction(14, 4) and r.nrr[3] == 4
    assert r.weighted[0] == Fraction(14, 36)  # NRR × 1/9 exactly
    assert r.ikm == Fraction(122, 36)  # 3.3889
    assert r.converted == Fraction(122 * 25, 36)  # 84.7222…
    assert r.converted_rounded == Fraction("84.72") and r.grade == "B"
    assert r.element_grade(3) == "A" and r.element_grade(1) == "C"  # 3.0 × 25 = 75
    assert r.min_sample == 10 and not r.sample_reached


def test_weight_is_exactly_one_ninth_not_0_11():
    # all 4s: Σ NRR = 36; × 1/9 = 4 → 100 exactly (0.11 would give 99.00)
    r = skm.compute([[4] * 9])
    assert r.ikm == 4 and r.converted == 100 and r.grade == "A"
    # 0.11 instead of 1/9 would move a B to a C: Σ NRR 27.9 × 0.11 × 25 = 76.72 vs 77.50
    r = skm.compute([[3, 3, 3, 3, 3, 3, 3, 3, 4]] * 9 + [[3, 3, 3, 3, 3, 3, 3, 3, 3]])
    assert sum(r.nrr) == Fraction(279, 10)
    assert r.converted_rounded == Fraction("77.50") and r.grade == "B"


def test_boundary_reached_from_real_answers():
    # 9 answers summing to 31.79… per respondent are not possible with one person, but
    # 10 respondents with Σ 318 → IKM 3.5333 → 88.33 (A); Σ 317 → 88.06 (B)
    a = [[4, 4, 4, 4, 4, 3, 3, 3, 3]] * 8 + [[4, 4, 4, 4, 4, 4, 3, 3, 3]] * 2
    r = skm.compute(a)
    assert sum(r.sums) == 8 * 32 + 2 * 33 == 322
    assert r.converted_rounded == skm.round2(Fraction(322 * 25, 90)) == Fraction("89.44")
    b = skm.compute([[4, 4, 4, 4, 3, 3, 3, 3, 3]] * 9 + [[4, 4, 4, 4, 4, 4, 4, 3, 3]])
    assert sum(b.sums) == 9 * 31 + 34 == 313
    assert b.converted_rounded == Fraction("86.94") and b.grade == "B"


def test_malformed_responses_are_skipped_and_from_sums_matches():
    r = skm.compute([[4] * 9, [5] * 9, [1] * 8, [2] * 9])
    assert r.respondents == 2
    assert skm.from_sums(2, [6.0] * 9) == skm.SkmResult(2, (6,) * 9, 0)
    assert skm.compute([]).grade is None and skm.compute([]).ikm == 0
