"""The central hyperplane arrangement of the data rows, reduced to its essential form
(docs/theory.md §2).

Rows ``x_k`` (or ``[x_k, 1]`` with a bias) are scaled to primitive integer vectors; rows that are
positive or negative multiples of each other are merged into one hyperplane *class*; zero rows have
no hyperplane.  If the classes have rank ``r`` below the ambient dimension, every cell contains the
lineality space, so the arrangement is studied in ``r`` coordinates (``coords``) whose coordinate
subspace is a complement of the lineality space: a witness there, padded with zeros, is a witness
in the ambient space, and cells correspond one to one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import comb

import numpy as np
from flint import fmpz_mat

from exactrelu.exact.rationals import integer_row


@dataclass(frozen=True)
class Arrangement:
    """Hyperplane classes of the rows and their essential coordinates.

    Attributes
    ----------
    dim: ambient dimension D (d, or d + 1 with a bias).
    classes: m primitive integer normals (each its first row's), pairwise non-parallel.
    class_of: for each row, the index of its class, or -1 for a zero row.
    orientation: for each row, +1 if it is a positive multiple of its class normal, -1 if negative
        (0 for zero rows).
    coords: r column indices such that ``classes[:, coords]`` has rank r = rank of the rows.
    """

    dim: int
    classes: tuple[tuple[int, ...], ...]
    class_of: tuple[int, ...]
    orientation: tuple[int, ...]
    coords: tuple[int, ...]

    @property
    def m(self) -> int:
        return len(self.classes)

    @property
    def rank(self) -> int:
        return len(self.coords)

    def essential_rows(self) -> list[list[int]]:
        """The class normals restricted to the essential coordinates (m × r integers)."""
        return [[normal[j] for j in self.coords] for normal in self.classes]

    def class_members(self) -> list[list[int]]:
        """For each class, the rows that belong to it."""
        members: list[list[int]] = [[] for _ in self.classes]
        for row, cls in enumerate(self.class_of):
            if cls >= 0:
                members[cls].append(row)
        return members


def rows_of(X: Sequence[Sequence[Fraction]], bias: bool) -> list[list[Fraction]]:
    """The rows whose hyperplanes form the arrangement: ``x_k``, or ``[x_k, 1]`` with a bias."""
    if bias:
        return [list(row) + [Fraction(1)] for row in X]
    return [list(row) for row in X]


def build_arrangement(X: Sequence[Sequence[Fraction]], bias: bool = False) -> Arrangement:
    """Merge parallel rows, drop zero rows, and choose essential coordinates (docs/theory.md §2)."""
    rows = rows_of(X, bias)
    dim = len(rows[0])
    index: dict[tuple[int, ...], int] = {}
    classes: list[tuple[int, ...]] = []
    class_sign: list[int] = []
    class_of: list[int] = []
    orientation: list[int] = []
    for row in rows:
        normal = integer_row(row)
        lead = next((v for v in normal if v != 0), 0)
        if lead == 0:
            class_of.append(-1)
            orientation.append(0)
            continue
        sign = 1 if lead > 0 else -1
        key = tuple(sign * v for v in normal)
        if key not in index:
            # The class normal is its first row's own primitive vector, so that rows of
            # generic data map to their classes without any sign change.
            index[key] = len(classes)
            classes.append(tuple(normal))
            class_sign.append(sign)
        class_of.append(index[key])
        orientation.append(sign * class_sign[index[key]])
    coords = pivot_columns(classes, dim)
    return Arrangement(dim, tuple(classes), tuple(class_of), tuple(orientation), coords)


def pivot_columns(rows: Sequence[Sequence[int]], width: int) -> tuple[int, ...]:
    """Indices of a set of columns of the integer matrix ``rows`` whose rank equals its rank."""
    if not rows:
        return ()
    reduced, _denominator, rank = fmpz_mat([list(r) for r in rows]).rref()
    pivots = []
    for i in range(rank):
        pivots.append(next(j for j in range(width) if reduced[i, j] != 0))
    return tuple(pivots)


def integer_rank(rows: Sequence[Sequence[int]]) -> int:
    """Exact rank of an integer matrix."""
    if not rows:
        return 0
    return fmpz_mat([list(r) for r in rows]).rank()


def cover_count(m: int, r: int) -> int:
    """Cells of m pairwise non-parallel hyperplanes of rank r in general position (Cover 1965).

    ``2 Σ_{k<r} C(m−1, k)``; for any m distinct hyperplanes of rank r it is an upper bound.
    """
    if m == 0:
        return 1
    return 2 * sum(comb(m - 1, k) for k in range(r))


def as_object_matrix(rows: Sequence[Sequence[int]], width: int) -> np.ndarray:
    """An integer matrix as a numpy object array of Python ints (exact at any size)."""
    out = np.empty((len(rows), width), dtype=object)
    for i, row in enumerate(rows):
        out[i, :] = list(row)
    return out
