"""Exact conversion of user numbers to rationals, the JSON text form of rationals, and exact
rational linear algebra (python-flint ``fmpq_mat``: independent rows, null vectors, ranks and
dependences of columns).

docs/formats.md, "Numbers": floats are converted exactly (``Fraction(0.1)`` is a dyadic rational),
decimal strings exactly (``"0.1"`` is 1/10), and an exact rational is written ``"p/q"`` or ``"p"``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from numbers import Rational
from typing import TYPE_CHECKING

import numpy as np

from exactrelu.errors import ExactReluInputError

if TYPE_CHECKING:
    from flint import fmpq_mat


def to_fraction(value: object, what: str = "value") -> Fraction:
    """Return ``value`` as an exact Fraction; floats exactly, strings as decimals or ``p/q``."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (bool, np.bool_)):
        raise ExactReluInputError(f"{what} must be a number, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, Rational):
        return Fraction(value.numerator, value.denominator)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            raise ExactReluInputError(f"{what} must be finite, got {value!r}")
        return Fraction(float(value))
    if isinstance(value, str):
        return parse_rational(value, what)
    raise ExactReluInputError(f"{what} must be a number, got {value!r}")


def parse_rational(text: str, what: str = "value") -> Fraction:
    """Parse a decimal (``-0.25``, ``1e-3``) or ``p/q`` string exactly."""
    stripped = text.strip()
    try:
        return Fraction(stripped)
    except (ValueError, ZeroDivisionError):
        raise ExactReluInputError(f"{what} is not an exact number: {text!r}") from None


def rational_str(value: Fraction | int) -> str:
    """The JSON form of an exact rational: ``"p/q"`` in lowest terms, or ``"p"``."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def integer_row(row: list[Fraction]) -> list[int]:
    """The primitive integer vector positively proportional to ``row`` (zero row stays zero)."""
    lcm = 1
    for entry in row:
        lcm = math.lcm(lcm, entry.denominator)
    ints = [int(entry * lcm) for entry in row]
    divisor = math.gcd(*ints)
    if divisor == 0:
        return ints
    return [entry // divisor for entry in ints]


def fmpq_matrix(rows) -> object:
    """A python-flint ``fmpq_mat`` from rows of Fractions (or ints)."""
    from flint import fmpq, fmpq_mat

    return fmpq_mat(
        [[fmpq(Fraction(v).numerator, Fraction(v).denominator) for v in row] for row in rows]
    )


def fraction_of(entry) -> Fraction:
    """A python-flint ``fmpq`` (or ``fmpz``) as a Fraction."""
    return Fraction(int(entry.p), int(entry.q)) if hasattr(entry, "q") else Fraction(int(entry))


def independent_rows(rows) -> list[int]:
    """The lexicographically first maximal linearly independent set of rows, exactly (the
    pivot columns of the reduced row echelon form of the transpose; the greedy choice)."""
    if not rows or not len(rows[0]):
        return []
    reduced, rank = fmpq_matrix([[row[j] for row in rows] for j in range(len(rows[0]))]).rref()
    return _pivots(reduced, rank)


def null_vector(A: fmpq_mat) -> list[Fraction] | None:
    """A nonzero exact t with ``A t = 0``, or None if the columns of A are independent: the
    first non-pivot column of rref(A) set to 1, the pivots solved for."""
    reduced, rank = A.rref()
    width = A.ncols()
    if rank == width:
        return None
    pivots = _pivots(reduced, rank)
    free = next(j for j in range(width) if j not in pivots)
    t = [Fraction(0)] * width
    t[free] = Fraction(1)
    for i, j in enumerate(pivots):
        t[j] = -fraction_of(reduced[i, free])
    return t


def columns_matrix(columns: Sequence[Sequence[object]], with_ones: bool, n: int) -> fmpq_mat:
    """The n × k matrix whose columns are ``1`` (first, when ``with_ones``) and ``columns``."""
    cols = ([[Fraction(1)] * n] if with_ones else []) + [list(c) for c in columns]
    return fmpq_matrix([[col[k] for col in cols] for k in range(n)])


def column_rank(columns: Sequence[Sequence[object]], with_ones: bool = False) -> int:
    """The rank of the vectors ``columns`` (all of one length n), exactly; modulo the constant
    vector ``1`` when ``with_ones`` (``rank[1, columns] − 1``).  No columns: 0."""
    if not columns:
        return 0
    return columns_matrix(columns, with_ones, len(columns[0])).rank() - with_ones


def column_dependence(
    columns: Sequence[Sequence[object]], with_ones: bool = False
) -> tuple[list[Fraction], Fraction | None] | None:
    """An exact β ≠ 0 (and γ when ``with_ones``) with ``Σ_b β_b columns_b (+ γ·1) = 0``, or None
    when the columns are linearly independent (modulo ``1`` when ``with_ones``).

    The ones column is placed first, so it is a pivot of the reduced row echelon form (n >= 1):
    the free column, set to 1 by :func:`null_vector`, is always one of ``columns``, hence β ≠ 0.
    """
    if not columns:
        return None
    x = null_vector(columns_matrix(columns, with_ones, len(columns[0])))
    if x is None:
        return None
    if with_ones:
        return x[1:], x[0]
    return x, None


def _pivots(reduced: fmpq_mat, rank: int) -> list[int]:
    """The pivot columns of a reduced row echelon form of the given rank."""
    pivots, col = [], 0
    for i in range(rank):
        while reduced[i, col] == 0:
            col += 1
        pivots.append(col)
        col += 1
    return pivots
