"""Exact conversion of user numbers to rationals, the JSON text form of rationals, and exact
rational linear algebra (python-flint ``fmpq_mat``: independent rows, null vectors, ranks and
dependences of columns).

docs/formats.md, "Numbers": floats are converted exactly (``Fraction(0.1)`` is a dyadic rational),
decimal strings exactly (``"0.1"`` is 1/10), and an exact rational is written ``"p/q"`` or ``"p"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction
from numbers import Rational
from typing import TYPE_CHECKING

import numpy as np

from exactrelu.errors import ExactReluInputError

if TYPE_CHECKING:
    from flint import fmpq_mat


MAX_DIGITS = 4300
"""The most decimal digits of a numerator or denominator of a number given (Python's limit on
converting integers to and from text, which the checker keeps too: docs/formats.md, "Numbers")."""
MAX_EXPONENT = 308
"""Numbers given as text lie in ``10^-MAX_EXPONENT <= |x| <= 10^MAX_EXPONENT`` (or are 0): inside
the range of floats, and no ``1e999999999`` that would take hours to expand."""

_DIGIT_BOUND = 10**MAX_DIGITS
_NUMBER_TEXT = re.compile(
    r"(?P<sign>[-+]?)(?=[0-9]|\.[0-9])(?P<int>[0-9][0-9_]*)?"
    r"(?:/(?P<den>[0-9][0-9_]*)|(?:\.(?P<frac>[0-9][0-9_]*)?)?(?:[eE](?P<exp>[-+]?[0-9][0-9_]*))?)"
)


def looks_like_number(text: str) -> bool:
    """Whether ``text`` (stripped) has the syntax of a number that :func:`parse_rational` reads
    (an integer, a decimal with an optional exponent, or ``p/q``), whatever its size."""
    return _NUMBER_TEXT.fullmatch(text.strip()) is not None


def check_digits(value: Fraction, what: str = "value") -> Fraction:
    """``value``, refused when its numerator or denominator has more than MAX_DIGITS digits."""
    if abs(value.numerator) >= _DIGIT_BOUND or value.denominator >= _DIGIT_BOUND:
        raise ExactReluInputError(
            f"{what} has more than {MAX_DIGITS} digits in its numerator or denominator"
        )
    return value


def check_range(value: Fraction, what: str = "value") -> Fraction:
    """``value``, refused unless it is 0 or ``10^-308 <= |value| <= 10^308`` (MAX_EXPONENT)."""
    size = abs(value)
    if size and not Fraction(1, 10**MAX_EXPONENT) <= size <= 10**MAX_EXPONENT:
        raise ExactReluInputError(
            f"{what} is outside the range 1e-{MAX_EXPONENT} <= |x| <= 1e{MAX_EXPONENT}"
        )
    return value


def check_result_digits(value: Fraction | int) -> None:
    """Refuse a computed number of more than MAX_DIGITS digits (ExactReluInputError): a
    certificate cannot hold it; the data's numbers are too long for this computation."""
    value = Fraction(value)
    if abs(value.numerator) >= _DIGIT_BOUND or value.denominator >= _DIGIT_BOUND:
        raise ExactReluInputError(
            f"the result holds a number of more than {MAX_DIGITS} digits, more than a certificate "
            "may hold: the data's numbers are too long for this computation (docs/formats.md, "
            '"Data")'
        )


def to_fraction(value: object, what: str = "value") -> Fraction:
    """Return ``value`` as an exact Fraction; floats exactly, strings as decimals or ``p/q``.

    Numerators and denominators have at most MAX_DIGITS digits; strings are read by
    :func:`parse_rational` (which also bounds their range)."""
    if isinstance(value, Fraction):
        return check_digits(value, what)
    if isinstance(value, (bool, np.bool_)):
        raise ExactReluInputError(f"{what} must be a number, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return check_digits(Fraction(int(value)), what)
    if isinstance(value, Rational):
        return check_digits(Fraction(value.numerator, value.denominator), what)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            raise ExactReluInputError(f"{what} must be finite, got {value!r}")
        return Fraction(float(value))
    if isinstance(value, str):
        return parse_rational(value, what)
    raise ExactReluInputError(f"{what} must be a number, got {value!r}")


def parse_rational(text: str, what: str = "value") -> Fraction:
    """Parse a decimal (``-0.25``, ``1e-3``) or ``p/q`` string exactly.

    Refused (ExactReluInputError): text that is not a number, more than MAX_DIGITS digits in the
    digits written or in the numerator or denominator of the value, and values outside
    ``10^-308 <= |x| <= 10^308`` (0 aside).  The size is judged from the text first, so that no
    ``1e999999999`` is ever expanded.
    """
    stripped = text.strip()
    match = _NUMBER_TEXT.fullmatch(stripped)
    if match is None:
        raise ExactReluInputError(f"{what} is not an exact number: {_shown(text)}")
    digits = match["int"] or ""
    if match["den"] is None:
        digits += match["frac"] or ""
    else:
        digits += match["den"]
    if sum(c.isdigit() for c in digits) > MAX_DIGITS:
        raise ExactReluInputError(f"{what} {_shown(text)} has more than {MAX_DIGITS} digits")
    if match["exp"] is not None:
        exponent = match["exp"].replace("_", "")
        # |x| >= 10^(exp - digits) for nonzero x, and |x| < 10^(exp + digits): far outside
        # the range either way when |exp| exceeds the range by more than the digits written
        if len(exponent.lstrip("+-")) > 6 or abs(int(exponent)) > MAX_EXPONENT + MAX_DIGITS + 1:
            if any(c in "123456789" for c in digits):
                check_range(Fraction(10 ** (MAX_EXPONENT + 1)), f"{what} {_shown(text)}")
            return Fraction(0)
    try:
        value = Fraction(stripped)
    except (ValueError, ZeroDivisionError):
        raise ExactReluInputError(f"{what} is not an exact number: {_shown(text)}") from None
    check_digits(value, f"{what} {_shown(text)}")
    return check_range(value, f"{what} {_shown(text)}")


def _shown(text: str) -> str:
    """``repr(text)``, shortened to at most about 60 characters for a one-line message."""
    return repr(text) if len(text) <= 60 else repr(text[:28] + "…" + text[-28:])


def rational_str(value: Fraction | int) -> str:
    """The JSON form of an exact rational: ``"p/q"`` in lowest terms, or ``"p"``.

    Refuses (ExactReluInputError) a numerator or denominator of more than MAX_DIGITS digits: no
    certificate holds one (the checker reads none), and it arises only from data whose numbers are
    too long (docs/formats.md, "Data")."""
    value = Fraction(value)
    check_result_digits(value)
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
