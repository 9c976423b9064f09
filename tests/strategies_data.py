"""Test-only helpers for data matrices: the strategies (public, in
``exactrelu.testing.strategies``) and
one small exact count oracle.

Every strategy of ``small_data`` returns a pair ``(X, exact)``: ``X`` is what a user would pass
(ints, numpy ints, Fractions, ``"p/q"`` strings, decimal strings, floats, mixed within one
matrix) and ``exact`` is the list of rows of Fractions it must be read as.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations

from exactrelu.testing.strategies import (
    decimal_text,
    generic_integer_rows,
    planar_grid_points,
    small_data,
)

__all__ = [
    "decimal_text",
    "generic_integer_rows",
    "planar_bias_cell_count",
    "planar_grid_points",
    "small_data",
]


def planar_bias_cell_count(points: list[list[Fraction]]) -> int:
    """Cells of the arrangement of the rows ``[x, y, 1]`` for points in the plane, independently.

    The planes ``[p, 1]·u = 0`` in R^3 meet pairwise in lines through the origin; the planes
    through one such line are those of the points on one affine line of the plane.  Rank 3 (the
    points are not all on one line): ``2 + 2 Σ_L (m_L − 1)`` over the affine lines L through at
    least two distinct points, m_L of them on L (docs/theory.md §2).  Rank 2 (all distinct points on
    one line, at least two of them): the m planes share one line, ``2m`` cells.  Rank 1 (one
    distinct point): 2 cells.
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
