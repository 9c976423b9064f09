"""Exact square roots: numbers ``q√p`` and sums ``a + Σ c_i √N_i`` with rational a, c_i.

docs/theory.md §3, §7; docs/formats.md, "Numbers".  Square roots are never rounded silently:
:func:`exact_sqrt` is √q when that is rational, :class:`SqrtSum` holds a sum of square roots
exactly (equality and sign are exact decisions), :func:`rational_root` rounds a root down to a
stated number of digits only when asked, and :func:`sqrt_str` is the JSON text ``"sqrt(p/q)"``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from exactrelu.exact.rationals import rational_str

DEFAULT_SCALE_DIGITS = 12
"""Significant decimal digits of a rational square-root scale ``t`` (relative error < 10^-11)."""


# ---------------------------------------------------------------------------------------------
# Exact sums of square roots
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SqrtSum:
    """An exact real ``rational + Σ coef_i · √radicand_i`` (docs/theory.md §3, §7).

    Canonical enough to decide everything: radicands are integers > 1 that are not perfect
    squares and no two of them have a square ratio, so ``{1, √N_1, …}`` are linearly independent
    over Q (Besicovitch) and the value is rational iff ``terms`` is empty.  Hence ``==`` and
    ``sign`` are exact decisions (the sign of an irrational sum is found by refining rigorous
    rational bounds, which terminates because the value is not zero).  Build with :meth:`of`.
    """

    rational: Fraction
    terms: tuple[tuple[Fraction, int], ...] = ()

    @classmethod
    def of(
        cls, rational: Fraction | int = 0, sqrt_terms: Iterable[tuple[Fraction, Fraction]] = ()
    ) -> SqrtSum:
        """``rational + Σ coef·√q`` for rational ``q >= 0`` (perfect squares become rational)."""
        total = Fraction(rational)
        classes: list[list] = []  # [coef, radicand]
        for coef, q in sqrt_terms:
            total += _add_sqrt_term(classes, Fraction(coef), Fraction(q))
        terms = tuple(sorted(((c, n) for c, n in classes if c != 0), key=lambda term: term[1]))
        return cls(total, terms)

    def _pairs(self) -> list[tuple[Fraction, Fraction]]:
        return [(c, Fraction(n)) for c, n in self.terms]

    def __add__(self, other: object) -> SqrtSum:
        other = _as_sqrt_sum(other)
        return SqrtSum.of(self.rational + other.rational, self._pairs() + other._pairs())

    __radd__ = __add__

    def __neg__(self) -> SqrtSum:
        return SqrtSum(-self.rational, tuple((-c, n) for c, n in self.terms))

    def __sub__(self, other: object) -> SqrtSum:
        return self + (-_as_sqrt_sum(other))

    def __rsub__(self, other: object) -> SqrtSum:
        return _as_sqrt_sum(other) - self

    def __mul__(self, scalar: Fraction | int) -> SqrtSum:
        scalar = Fraction(scalar)
        if scalar == 0:
            return SqrtSum(Fraction(0))
        return SqrtSum(self.rational * scalar, tuple((c * scalar, n) for c, n in self.terms))

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        try:
            difference = self - _as_sqrt_sum(other)
        except TypeError:
            return NotImplemented
        return difference.rational == 0 and not difference.terms

    __hash__ = None  # type: ignore[assignment]

    def __lt__(self, other: object) -> bool:
        return (self - _as_sqrt_sum(other)).sign() < 0

    def __le__(self, other: object) -> bool:
        return (self - _as_sqrt_sum(other)).sign() <= 0

    def __gt__(self, other: object) -> bool:
        return (self - _as_sqrt_sum(other)).sign() > 0

    def __ge__(self, other: object) -> bool:
        return (self - _as_sqrt_sum(other)).sign() >= 0

    @property
    def is_rational(self) -> bool:
        return not self.terms

    def value(self) -> Fraction:
        """The exact value when it is rational; ``ValueError`` otherwise."""
        if self.terms:
            raise ValueError(f"{self} is irrational")
        return self.rational

    def bounds(self, bits: int = 128) -> tuple[Fraction, Fraction]:
        """Rigorous rational bounds ``lo < value < hi`` (each root to within 2^-bits)."""
        lo = hi = self.rational
        for coef, radicand in self.terms:
            root = math.isqrt(radicand << (2 * bits))
            below, above = Fraction(root, 1 << bits), Fraction(root + 1, 1 << bits)
            lo += coef * (below if coef > 0 else above)
            hi += coef * (above if coef > 0 else below)
        return lo, hi

    def sign(self) -> int:
        """The exact sign (−1, 0, 1)."""
        if not self.terms:
            return (self.rational > 0) - (self.rational < 0)
        bits = 64
        while bits <= 1 << 22:
            lo, hi = self.bounds(bits)
            if lo > 0:
                return 1
            if hi < 0:
                return -1
            bits *= 4
        raise ArithmeticError(f"cannot decide the sign of {self}")  # pragma: no cover

    def __float__(self) -> float:
        lo, hi = self.bounds(64)
        return float((lo + hi) / 2)

    def __repr__(self) -> str:
        parts = [rational_str(self.rational)]
        parts += [f"{rational_str(c)}*sqrt({n})" for c, n in self.terms]
        return "SqrtSum(" + " + ".join(parts) + ")"

    def to_json(self, bits: int = 128) -> str | dict:
        """A rational string when rational; otherwise the exact terms and an enclosure.

        ``{"rational": "p/q", "sqrt_terms": [{"coef": "p/q", "sqrt": "sqrt(N)"}], "mid", "rad"}``
        (docs/formats.md, "Numbers": ``"sqrt(p/q)"`` is a square root, ``mid``/``rad`` an
        enclosure).
        """
        if not self.terms:
            return rational_str(self.rational)
        lo, hi = self.bounds(bits)
        return {
            "rational": rational_str(self.rational),
            "sqrt_terms": [{"coef": rational_str(c), "sqrt": f"sqrt({n})"} for c, n in self.terms],
            "mid": rational_str((lo + hi) / 2),
            "rad": rational_str((hi - lo) / 2),
        }


def _as_sqrt_sum(value: object) -> SqrtSum:
    if isinstance(value, SqrtSum):
        return value
    if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
        return SqrtSum(Fraction(value))
    raise TypeError(f"cannot combine SqrtSum with {type(value).__name__}")


def _add_sqrt_term(classes: list[list], coef: Fraction, q: Fraction) -> Fraction:
    """Merge ``coef·√q`` into ``classes``; return its rational part (when √q is rational)."""
    if q < 0:
        raise ValueError(f"square root of a negative number {q}")
    if coef == 0 or q == 0:
        return Fraction(0)
    radicand = q.numerator * q.denominator  # √(p/d) = √(p·d) / d
    coef = coef / q.denominator
    root = math.isqrt(radicand)
    if root * root == radicand:
        return coef * root
    for entry in classes:
        product = radicand * entry[1]
        root = math.isqrt(product)
        if root * root == product:  # √N = root / √M = (root / M) √M
            entry[0] += coef * Fraction(root, entry[1])
            return Fraction(0)
    classes.append([coef, radicand])
    return Fraction(0)


# ---------------------------------------------------------------------------------------------
# Single roots: exact when rational, rounded only on request, and their JSON text
# ---------------------------------------------------------------------------------------------


def exact_sqrt(q: Fraction) -> Fraction | None:
    """√q when it is rational, else None."""
    if q < 0:
        return None
    num, den = math.isqrt(q.numerator), math.isqrt(q.denominator)
    if num * num == q.numerator and den * den == q.denominator:
        return Fraction(num, den)
    return None


def rational_root(q: Fraction, k: int, digits: int = DEFAULT_SCALE_DIGITS) -> Fraction:
    """``q^(1/k)`` for k in {2, 4}: exact when rational, else rounded down to ``digits`` digits.

    The approximation is ``floor(q^(1/k)·10^e)/10^e`` with e chosen so that the integer has
    about ``digits`` significant digits (integer square roots only, no floats in the result).
    """
    if k not in (2, 4):
        raise ValueError("k must be 2 or 4")
    if q <= 0:
        return Fraction(0)
    exact = exact_sqrt(q)
    if exact is not None and k == 4:
        exact = exact_sqrt(exact)
    if exact is not None:
        return exact
    log10 = math.log10(q.numerator) - math.log10(q.denominator)
    e = digits - math.floor(log10 / k) - 1
    while True:
        scaled = q * Fraction(10) ** (k * e)
        root = math.isqrt(scaled.numerator // scaled.denominator)
        if k == 4:
            root = math.isqrt(root)
        if root >= 10 ** (digits - 1):
            return Fraction(root) / Fraction(10) ** e
        e += 1


def sqrt_str(q: Fraction) -> str:
    """JSON form of √q (docs/formats.md, "Numbers"): a rational string when √q is rational, else
    ``"sqrt(p/q)"``."""
    root = exact_sqrt(q)
    return rational_str(root) if root is not None else f"sqrt({rational_str(q)})"
