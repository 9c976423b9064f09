"""Exact products of rational matrices by integer arithmetic over common denominators.

Rows of Fractions are scaled to integers (one denominator per row, or one for all), multiplied
with python-flint's ``fmpz_mat`` and divided back: the results are exact, never floats.  Nothing
here knows about ReLU networks; ``exactrelu.model`` evaluates fits and objectives with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from flint import fmpz_mat


def scaled_integers(rows: Sequence[Sequence[Fraction]]) -> tuple[list[int], int]:
    """Row-major integers and the common denominator L with ``rows = ints / L``."""
    den = 1
    for row in rows:
        for v in row:
            den = math.lcm(den, v.denominator)
    return [v.numerator * (den // v.denominator) for row in rows for v in row], den


def row_scaled_integers(rows: Sequence[Sequence[Fraction]]) -> tuple[list[int], list[int]]:
    """Row-major integers and one denominator per row (row i = ints_i / dens[i]).

    Per-row denominators keep the integers small when rows have unrelated denominators (e.g.
    neurons ``u_b / t_b`` of ``exactrelu.model.convex.from_convex``); positive row scales
    preserve every sign.
    """
    ints: list[int] = []
    dens = []
    for row in rows:
        row_ints, den = scaled_integers([row])
        ints += row_ints
        dens.append(den)
    return ints, dens


def integer_products(
    A: Sequence[Sequence[Fraction]], B: Sequence[Sequence[Fraction]]
) -> tuple[list, list[int], list[int]]:
    """``A @ B.T`` as a row-major list of integers (fmpz) with row denominators of A and B:
    ``(A @ B.T)[k, j] = entries[k·m + j] / (a_dens[k]·b_dens[j])``."""
    a_ints, a_dens = row_scaled_integers(A)
    b_ints, b_dens = row_scaled_integers(B)
    cols = len(A[0])
    product = fmpz_mat(len(A), cols, a_ints) * fmpz_mat(len(B), cols, b_ints).transpose()
    return product.entries(), a_dens, b_dens


def weighted_row_sums(
    values: list, weights: Sequence[Fraction], a_dens: list[int], b_dens: list[int]
) -> list[Fraction]:
    """``Σ_j values[k, j] / (a_dens[k]·b_dens[j]) · weights[j]`` for every k, exactly (``values``
    row-major n × m, scaled as by :func:`integer_products`)."""
    n, m = len(a_dens), len(b_dens)
    w_ints, w_den = scaled_integers([[w / den for w, den in zip(weights, b_dens, strict=True)]])
    column = fmpz_mat(n, m, values) * fmpz_mat(m, 1, w_ints)
    return [Fraction(int(v), w_den * den) for v, den in zip(column.entries(), a_dens, strict=True)]


def squared_norm(row: Sequence[Fraction]) -> Fraction:
    """``‖row‖²`` exactly (integer arithmetic over a common denominator)."""
    ints, den = scaled_integers([row])
    return Fraction(sum(v * v for v in ints), den * den)


def squared_error(prediction: Sequence[Fraction], y: Sequence[Fraction]) -> Fraction:
    """``‖prediction − y‖²`` exactly (integer arithmetic over a common denominator)."""
    return squared_norm([p - t for p, t in zip(prediction, y, strict=True)])
