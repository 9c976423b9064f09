"""Ball arithmetic for the verified claims: python-flint ``arb`` balls (rigorous enclosures) and
their exact rational ends (proofs/verified.md, "Arithmetic" of K6-K12 and T5-T9).

A ball is read exactly: its midpoint and radius are dyadic, returned as Fractions, so every
comparison with a certificate's rational ``{mid, rad}`` is exact.  Used by ``krawczyk.py`` (the
reduced KKT system), ``verified.py`` (optimal-set files) and ``interval.py`` (λ intervals).
"""

from __future__ import annotations

from fractions import Fraction

from flint import arb, arb_mat, fmpq

from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import rational

MIN_PRECISION, MAX_PRECISION = 256, 8192  # bits of the checker's balls

Ball = tuple[Fraction, Fraction]  # (mid, rad): the closed interval |x − mid| <= rad


def precision(section: dict) -> int:
    """Bits of the checker's balls: the engine's ``precision_bits`` + 64, within bounds
    (precision affects how tight the balls are, never soundness)."""
    bits = section.get("precision_bits")
    if type(bits) is not int:
        return MIN_PRECISION
    return min(max(MIN_PRECISION, bits + 64), MAX_PRECISION)


def to_arb(value: Fraction) -> arb:
    """The ball of a rational (exact when the rational is dyadic and fits the precision)."""
    return arb(fmpq(value.numerator, value.denominator))


def ball(mid: Fraction, rad: Fraction) -> arb:
    """A ball containing the closed interval [mid − rad, mid + rad]."""
    return to_arb(mid) + arb(0, fmpq(rad.numerator, rad.denominator))


def column(values) -> arb_mat:
    """A column matrix of balls."""
    return arb_mat([[v] for v in values])


def mid_rad(x: arb) -> Ball:
    """The exact (mid, rad) of a finite arb ball."""
    if not x.is_finite():
        raise CheckFailure("an enclosure is not finite")
    out = []
    for part in (x.mid(), x.rad()):
        if part.is_zero():
            out.append(Fraction(0))
            continue
        m, e = part.man_exp()
        m, e = int(m), int(e)
        out.append(Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e))
    return out[0], out[1]


def bounds(x: arb) -> tuple[Fraction, Fraction]:
    """The exact ends ``mid − rad``, ``mid + rad`` of a finite arb ball."""
    mid, rad = mid_rad(x)
    return mid - rad, mid + rad


def parse_ball(obj: object, what: str) -> Ball:
    """A certificate's enclosure ``{mid, rad}``: two rationals, rad >= 0."""
    if not isinstance(obj, dict):
        raise CheckFailure(f"{what} must be an enclosure {{mid, rad}}")
    mid, rad = rational(obj.get("mid"), f"{what} mid"), rational(obj.get("rad"), f"{what} rad")
    if rad < 0:
        raise CheckFailure(f"{what} has a negative radius")
    return mid, rad


def contains(obj: object, x: arb, what: str) -> None:
    """The stated ball ``{mid, rad}`` contains the ball x (exact rational comparison)."""
    mid, rad = parse_ball(obj, what)
    low, high = bounds(x)
    if not (mid - rad <= low and high <= mid + rad):
        raise CheckFailure(f"{what}: the stated enclosure does not contain the proved one")


def contains_each(values: object, xs: list[arb], what: str) -> None:
    """A list of stated balls, one per ball of ``xs``, each containing it (:func:`contains`)."""
    if not isinstance(values, list) or len(values) != len(xs):
        raise CheckFailure(f"{what} must be a list of {len(xs)} enclosures")
    for t, (obj, x) in enumerate(zip(values, xs, strict=True)):
        contains(obj, x, f"{what} {t}")
