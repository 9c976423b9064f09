"""Test-only Hypothesis strategies for data matrices, and one small exact count oracle.

Every strategy that returns data returns a pair ``(X, exact)``: ``X`` is what a user would pass
(ints, numpy ints, Fractions, ``"p/q"`` strings, decimal strings, floats, mixed within one
matrix) and ``exact`` is the list of rows of Fractions it must be read as.  Entries are written
only in representations that denote the intended rational exactly (a float only when the rational
is a binary fraction), so the degenerate structure (zero, duplicate and parallel rows, points on a
common hyperplane, rank deficiency) survives the conversion.

Floats are kept to magnitudes in [1e-6, 1e3] (or zero): data mixing 1e300 with 1e-300 in one row
hits a known overflow (see ``tests/test_patterns.py::test_huge_integer_rows``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations

import numpy as np
from hypothesis import strategies as st

Rows = list[list[Fraction]]


def decimal_text(value: Fraction) -> str | None:
    """The terminating decimal text of ``value`` (e.g. ``"-0.25"``), or None if it has none."""
    for k in range(12):
        scaled = value * 10**k
        if scaled.denominator == 1:
            digits = str(abs(scaled.numerator)).rjust(k + 1, "0")
            sign = "-" if scaled < 0 else ""
            return sign + (digits[:-k] + "." + digits[-k:] if k else digits)
    return None


def exact_representations(value: Fraction) -> list[object]:
    """Ways of writing ``value`` that ``exactrelu.as_dataset`` must read as exactly ``value``."""
    options: list[object] = [value, f"{value.numerator}/{value.denominator}"]
    if value.denominator == 1:
        options += [int(value), np.int64(int(value))]
    if Fraction(float(value)) == value:
        options.append(float(value))
    text = decimal_text(value)
    if text is not None:
        options.append(text)
    return options


@st.composite
def represented(draw: st.DrawFn, rows: Rows) -> tuple[list[list[object]], Rows]:
    """Write each entry of the exact ``rows`` in a drawn exact representation."""
    X = [[draw(st.sampled_from(exact_representations(v))) for v in row] for row in rows]
    return X, rows


SMALL = st.sampled_from([-2, -1, 0, 1, 2, 3]).map(Fraction) | st.fractions(
    min_value=-3, max_value=3, max_denominator=4
)
POSITIVE_FACTORS = [Fraction(2), Fraction(3), Fraction(1, 2)]
NEGATIVE_FACTORS = [Fraction(-1), Fraction(-2), Fraction(-1, 3)]
OPERATIONS = (
    "random", "zero", "grid", "on_plane", "duplicate", "positive", "negative", "combination"
)


@st.composite
def degenerate_rows(draw: st.DrawFn, max_n: int = 7, max_d: int = 4, min_d: int = 1) -> Rows:
    """Small exact matrices built to be degenerate: each row is drawn by one operation.

    ``random`` small rationals; ``zero``; ``grid`` (entries in {0, 1, 2}: small integer grids);
    ``on_plane`` (coordinate j fixed to c for all such rows: many points on one hyperplane, or
    rank deficiency without bias); ``duplicate``, ``positive`` and ``negative`` multiples of an
    earlier row; ``combination`` of two earlier rows (dependent rows, lines shared by several
    hyperplanes, lineality when rank < d).
    """
    d = draw(st.integers(min_d, max_d))
    n = draw(st.integers(1, max_n))
    plane = (draw(st.integers(0, d - 1)), draw(SMALL))
    rows: Rows = []
    for _ in range(n):
        ops = OPERATIONS if rows else OPERATIONS[:4]
        op = draw(st.sampled_from(ops))
        earlier = st.integers(0, len(rows) - 1) if rows else st.nothing()
        if op == "random":
            row = [draw(SMALL) for _ in range(d)]
        elif op == "zero":
            row = [Fraction(0)] * d
        elif op == "grid":
            row = [Fraction(draw(st.integers(0, 2))) for _ in range(d)]
        elif op == "on_plane":
            row = [draw(SMALL) for _ in range(d)]
            row[plane[0]] = plane[1]
        elif op == "duplicate":
            row = list(rows[draw(earlier)])
        elif op in ("positive", "negative"):
            factors = POSITIVE_FACTORS if op == "positive" else NEGATIVE_FACTORS
            factor = draw(st.sampled_from(factors))
            row = [factor * v for v in rows[draw(earlier)]]
        else:
            a, b = draw(st.integers(-2, 2)), draw(st.integers(-2, 2))
            first, second = rows[draw(earlier)], rows[draw(earlier)]
            row = [a * u + b * v for u, v in zip(first, second, strict=True)]
        rows.append(row)
    return rows


FLOATS = st.just(0.0) | st.builds(
    lambda negative, magnitude: -magnitude if negative else magnitude,
    st.booleans(),
    st.floats(min_value=1e-6, max_value=1e3),
)


@st.composite
def float_rows(draw: st.DrawFn, max_n: int = 7, max_d: int = 4) -> tuple[list[list[float]], Rows]:
    """Arbitrary floats (0.1 included: not a binary fraction), with their exact values."""
    d = draw(st.integers(1, max_d))
    n = draw(st.integers(1, max_n))
    X = [[draw(FLOATS) for _ in range(d)] for _ in range(n)]
    return X, [[Fraction(v) for v in row] for row in X]


def small_data(max_n: int = 7, max_d: int = 4) -> st.SearchStrategy:
    """``(X, exact)`` pairs: degenerate structures in mixed representations, or raw floats."""
    return degenerate_rows(max_n=max_n, max_d=max_d).flatmap(represented) | float_rows(
        max_n=max_n, max_d=max_d
    )


@st.composite
def generic_integer_rows(
    draw: st.DrawFn, d: int, max_n: int = 10, bits: int = 20
) -> list[list[int]]:
    """Random integers of up to ``bits`` bits: generic with overwhelming probability (tests
    confirm it with an exact rank check).

    Hypothesis draws the size and a seed; the entries come from numpy's generator, so they are
    uniformly random (Hypothesis on its own favours small and repeated values).
    """
    n = draw(st.integers(1, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**64 - 1)))
    bound = 2**bits
    return [[int(rng.integers(-bound, bound)) for _ in range(d)] for _ in range(n)]


@st.composite
def planar_grid_points(draw: st.DrawFn, max_n: int = 14, size: int = 4) -> list[list[int]]:
    """Points of a small integer grid in the plane (many collinear triples, repeated points)."""
    n = draw(st.integers(1, max_n))
    coordinate = st.integers(0, size - 1)
    return [[draw(coordinate), draw(coordinate)] for _ in range(n)]


def planar_bias_cell_count(points: list[list[Fraction]]) -> int:
    """Cells of the arrangement of the rows ``[x, y, 1]`` for points in the plane, independently.

    The planes ``[p, 1]·u = 0`` in R^3 meet pairwise in lines through the origin; the planes
    through one such line are those of the points on one affine line of the plane.  Rank 3 (the
    points are not all on one line): ``2 + 2 Σ_L (m_L − 1)`` over the affine lines L through at
    least two distinct points, m_L of them on L (THEORY §2).  Rank 2 (all distinct points on one
    line, at least two of them): the m planes share one line, ``2m`` cells.  Rank 1 (one distinct
    point): 2 cells.
    """
    distinct = sorted({(Fraction(x), Fraction(y)) for x, y in points})
    if len(distinct) == 1:
        return 2
    lines: dict[tuple[int, int, int], set[tuple[Fraction, Fraction]]] = {}
    for p, q in combinations(distinct, 2):
        a, b = q[1] - p[1], p[0] - q[0]
        c = -(a * p[0] + b * p[1])
        scale = math.lcm(a.denominator, b.denominator, c.denominator)
        key = [int(t * scale) for t in (a, b, c)]
        divisor = math.gcd(*key)
        key = [t // divisor for t in key]
        if next(t for t in key if t) < 0:
            key = [-t for t in key]
        lines.setdefault((key[0], key[1], key[2]), set()).update((p, q))
    if len(lines) == 1:
        return 2 * len(distinct)
    return 2 + 2 * sum(len(on_line) - 1 for on_line in lines.values())
