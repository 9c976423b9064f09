"""Rigorous enclosures of real numbers: the exact rational :class:`Ball` and its conversions to and
from python-flint ball arithmetic (``arb``, ``arb_mat``).  Nothing here knows about ReLU networks.

An ``arb`` is a ball ``mid ± rad`` with dyadic midpoint and radius; every operation on arbs returns
a ball that contains the result of the operation for every choice of points in its arguments, so
a comparison of arbs that comes out True is proved.  Verified optima (docs/theory.md §7,
proofs/verified.md) report their enclosures as :class:`Ball` (exact rationals, JSON-ready), made
from arbs by :func:`ball_of`, which rounds outward: the ball returned contains the arb ball.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from flint import arb, arb_mat, fmpq

from exactrelu.exact.rationals import rational_str

BALL_GUARD_BITS = 10
"""Reported midpoints are rounded to a grid 2^-BALL_GUARD_BITS times finer than the radius."""


@dataclass(frozen=True)
class Ball:
    """A rigorous enclosure ``|x − mid| <= rad`` with exact rational midpoint and radius."""

    mid: Fraction
    rad: Fraction

    @property
    def lower(self) -> Fraction:
        return self.mid - self.rad

    @property
    def upper(self) -> Fraction:
        return self.mid + self.rad

    def contains(self, value: Fraction) -> bool:
        return self.lower <= value <= self.upper

    def __float__(self) -> float:
        return float(self.mid)

    def to_json(self) -> dict[str, str]:
        return {"mid": rational_str(self.mid), "rad": rational_str(self.rad)}


def arb_of(value: Fraction) -> arb:
    """An arb ball containing the rational ``value`` (at the working precision)."""
    return arb(fmpq(value.numerator, value.denominator))


def fraction_of_arb(x: arb) -> Fraction:
    """An exact arb (a midpoint or a radius) as a Fraction."""
    m, e = x.man_exp()
    m, e = int(m), int(e)
    return Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e)


def ball_of(x: arb) -> Ball:
    """A short rational ball containing the arb ball x (midpoint rounded near the radius)."""
    mid, rad = fraction_of_arb(x.mid()), fraction_of_arb(x.rad())
    if rad == 0:
        return Ball(mid, rad)
    exponent = rad.numerator.bit_length() - rad.denominator.bit_length() - 1 - BALL_GUARD_BITS
    grid = Fraction(2) ** exponent
    rounded = round(mid / grid) * grid
    return Ball(rounded, math.ceil((rad + abs(mid - rounded)) / grid) * grid)


def arb_column(values) -> arb_mat:
    """The column vector of ``values`` (arbs or numbers)."""
    return arb_mat([[v] for v in values])


def arb_hstack(mats: list[arb_mat]) -> arb_mat:
    """The matrices side by side (equal numbers of rows)."""
    lists = [m.tolist() for m in mats]
    return arb_mat([sum((rows[i] for rows in lists), []) for i in range(mats[0].nrows())])
