"""Exact square roots: sums of square roots decided exactly, rational roots, their JSON text."""

from __future__ import annotations

from fractions import Fraction as F

from exactrelu.exact.surds import SqrtSum, rational_root, sqrt_str


def test_sqrt_sum():
    assert SqrtSum.of(0, [(1, 8), (-2, 2)]) == 0
    assert SqrtSum.of(0, [(1, 2)]) > F(7, 5)
    assert SqrtSum.of(0, [(1, 2)]) < F(142, 100)
    assert SqrtSum.of(1, [(1, F(9, 4))]).value() == F(5, 2)
    assert SqrtSum.of(0, [(1, 2), (1, 3)]) - SqrtSum.of(0, [(1, 3)]) == SqrtSum.of(0, [(1, 2)])
    assert (SqrtSum.of(0, [(1, 2)]) - F(3, 2)).sign() == -1
    assert abs(float(SqrtSum.of(1, [(3, F(1, 2))])) - (1 + 3 * 0.5**0.5)) < 1e-15
    assert SqrtSum.of(F(1, 3)).to_json() == "1/3"
    enclosure = SqrtSum.of(0, [(1, 2)]).to_json()
    assert abs(F(enclosure["mid"]) - F(14142135623730951, 10**16)) < F(1, 10**15)
    assert rational_root(F(16, 81), 4) == F(2, 3)
    assert rational_root(F(2), 2, 5) == F(14142, 10000)  # 5 significant digits, rounded down
    assert rational_root(F(1, 10**9), 2, 3) == F(316, 10**7)
    assert sqrt_str(F(4, 9)) == "2/3" and sqrt_str(F(2)) == "sqrt(2)"
