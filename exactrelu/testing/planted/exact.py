"""Exact helpers of the planted constructions (docs/theory.md §7): exact linear algebra on
Fractions, rational directions of norm exactly λ (stereographic projection; with a hidden bias a
bias weight from a circle of many rational points), and dyadic snapping of floats."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from functools import cache

import numpy as np

from exactrelu.exact.rationals import fmpq_matrix, fraction_of

Vector = tuple[Fraction, ...]

DIRECTION_GRID = 1024
"""Denominator of the stereographic parameter of a snapped direction (about 0.05°)."""
RESIDUAL_BITS = 9
"""A snapped residual keeps about this many significant bits (relative to its largest entry)."""


def dot(a, b) -> Fraction:
    """The exact inner product ``Σ a_i b_i``."""
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


def neuron_fit(rows, v, sign) -> Vector:
    """The fit ``s (X̃ v)_+`` of the neuron (v, s) on the rows x̃_k."""
    return tuple(sign * max(dot(row, v), Fraction(0)) for row in rows)


def solve_square(A: list[list[Fraction]], b: list[list[Fraction]]) -> list[list[Fraction]] | None:
    """Exact solution of the square system ``A X = b`` (None when singular)."""
    try:
        sol = fmpq_matrix(A).solve(fmpq_matrix(b))
    except ZeroDivisionError:
        return None
    return [[fraction_of(sol[i, j]) for j in range(sol.ncols())] for i in range(sol.nrows())]


def matrix_rank(rows: list[list[Fraction]]) -> int:
    """The exact rank of a matrix given by its rows (no rows or columns: 0)."""
    if not rows or not rows[0]:
        return 0
    return fmpq_matrix(rows).rref()[1]


def _rational_unit(target: np.ndarray, q: int = DIRECTION_GRID) -> list[Fraction]:
    """A rational unit vector near ``target`` (inverse stereographic projection of a rational
    point with denominator q)."""
    u = np.asarray(target, dtype=np.float64)
    u = u / np.linalg.norm(u)
    if len(u) == 1:
        return [Fraction(1 if u[0] > 0 else -1)]
    flip = u[-1] < 0
    w = -u[-1] if flip else u[-1]
    t = [Fraction(round(float(x) * q), q) for x in u[:-1] / (1 + w)]
    s = sum((x * x for x in t), Fraction(0))
    out = [2 * x / (1 + s) for x in t] + [(1 - s) / (1 + s)]
    if flip:
        out[-1] = -out[-1]
    return out


CIRCLE_PRIMES = (5, 13, 17, 29)
CIRCLE_DENOMINATOR = math.prod(CIRCLE_PRIMES)
"""With a hidden bias, bias weights of directions are ``λ·a/H`` with ``a² + c² = H²`` and
H = 5·13·17·29 = 32045 (82 such points in a quadrant, at most 3° apart); λ is a dyadic multiple
of H, so every ``λ·a/H`` is dyadic.  (A larger H is finer but needs a larger λ, and the engine's
float solve degrades on data of large magnitude: see tests/test_optimal_set.py.)"""


@cache
def _circle_points() -> tuple[tuple[int, int], ...]:
    """All ``(a, c)``, a, c >= 0, with ``a² + c² = H²``, from products of Gaussian primes."""
    factors = []
    for p in CIRCLE_PRIMES:
        x = next(x for x in range(1, p) if math.isqrt(p - x * x) ** 2 == p - x * x)
        factors.append((x, math.isqrt(p - x * x)))
    points = set()
    for choice in itertools.product(range(3), repeat=len(factors)):
        re, im = 1, 0
        for (x, y), j in zip(factors, choice, strict=True):
            for _ in range(j):
                re, im = re * x - im * y, re * y + im * x
            for _ in range(2 - j):
                re, im = re * x + im * y, im * x - re * y
        points.update({(abs(re), abs(im)), (abs(im), abs(re))})
    return tuple(sorted(points))


def rational_direction(target: np.ndarray, lam: Fraction, bias: bool) -> list[Fraction]:
    """A rational vector of norm exactly λ near ``target``.  With a hidden bias the bias weight
    (last entry) is ``λ·a/H``, the rest ``λ·(c/H)·u`` with ``a² + c² = H²`` and u a rational
    unit vector (H = CIRCLE_DENOMINATOR): the bias row of ``Z_νᵀ r = v_ν`` (docs/theory.md §7) fixes
    the sum of the residual over the active rows to ``s_ν λ a/H``, dyadic when λ is a dyadic
    multiple of H, so the residual keeps small denominators whatever the neurons."""
    u = np.asarray(target, dtype=np.float64)
    u = u / np.linalg.norm(u)
    if not bias:
        return [lam * c for c in _rational_unit(u)]
    H = CIRCLE_DENOMINATOR
    a, c = min(
        (p for p in _circle_points() if p[1] > 0),
        key=lambda p: abs(p[0] / H - abs(u[-1])),
    )
    beta = Fraction(a if u[-1] >= 0 else -a, H)
    rho = Fraction(c, H)
    assert a * a + c * c == H * H
    if len(u) == 1 or np.linalg.norm(u[:-1]) == 0:
        w = [Fraction(1)] + [Fraction(0)] * (len(u) - 2)
    else:
        w = _rational_unit(u[:-1])
    return [lam * rho * x for x in w] + [lam * beta]


def snap(value: float, step: Fraction) -> Fraction:
    """The multiple of ``step`` nearest to ``value``."""
    return round(Fraction(value) / step) * step


def dyadic_step(values: np.ndarray, bits: int = RESIDUAL_BITS) -> Fraction:
    """A power of two about ``2^-bits`` times the largest ``|value|``: the grid of a snapped
    residual."""
    top = float(np.max(np.abs(values), initial=0.0))
    if top == 0:
        return Fraction(1, 1 << bits)
    exponent = math.floor(math.log2(top)) - bits
    return Fraction(2) ** exponent
