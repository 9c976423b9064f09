"""Exact combinatorics of a central hyperplane arrangement, for the checker (proofs/patterns.md).

Hyperplanes are given by integer normal vectors.  Everything here is exact: Python ints, and numpy
int64 arrays only for residues modulo ``MODULUS`` (< 2**28), where no value ever exceeds 2**57
(proofs/patterns.md, "Arithmetic").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

Vector = tuple[int, ...]

# Any modulus >= 2 is sound (a determinant that is nonzero mod p is nonzero); a prime close to
# 2**28 makes an accidental zero residue rare (probability about 1/p per minor).
MODULUS = 268_435_399
_BLOCK = 1 << 22  # residues per numpy block (32 MiB of int64)


def primitive(vector: Sequence[int]) -> list[int]:
    """``vector`` divided by the gcd of its entries (a positive multiple; zero stays zero)."""
    divisor = math.gcd(*vector)
    return list(vector) if divisor <= 1 else [v // divisor for v in vector]


def integer_row(row: Sequence[Fraction]) -> list[int]:
    """The primitive integer vector positively proportional to the rational ``row``."""
    scale = math.lcm(*(v.denominator for v in row)) if row else 1
    return primitive([v.numerator * (scale // v.denominator) for v in row])


def canonical(vector: Sequence[int]) -> Vector | None:
    """The primitive vector with first nonzero entry positive spanning the same line; None for 0."""
    divisor = math.gcd(*vector)
    if divisor == 0:
        return None
    if next(v for v in vector if v) < 0:
        divisor = -divisor
    return tuple(v // divisor for v in vector)


@dataclass(frozen=True)
class Arrangement:
    """The hyperplanes of some rows, merged into classes and written in essential coordinates.

    ``classes`` are the canonical normals of the distinct hyperplanes, ``row_class[k]`` is the
    class of row k (-1 for a zero row), ``sizes[c]`` the number of rows of class c.
    ``essential`` holds the class normals restricted to the ``columns`` chosen by elimination:
    r columns on which the class matrix has rank r (proofs/patterns.md, Lemma 2).
    """

    classes: tuple[Vector, ...]
    row_class: tuple[int, ...]
    sizes: tuple[int, ...]
    columns: tuple[int, ...]
    essential: tuple[Vector, ...]

    @property
    def rank(self) -> int:
        return len(self.columns)

    @classmethod
    def from_rows(cls, int_rows: Sequence[Sequence[int]]) -> Arrangement:
        """Merge integer rows into hyperplane classes (parallel rows share a hyperplane)."""
        index: dict[Vector, int] = {}
        row_class = []
        for row in int_rows:
            # Two nonzero integer rows are parallel iff their canonical forms are equal (Lemma 3).
            vector = canonical(row)
            row_class.append(-1 if vector is None else index.setdefault(vector, len(index)))
        classes = tuple(index)
        sizes = [0] * len(classes)
        for c in row_class:
            if c >= 0:
                sizes[c] += 1
        columns = tuple(pivot_columns(classes))
        # Lemma 2: restricting to the columns is injective on the row space, so no class
        # vector becomes zero and no two become parallel.
        essential = tuple(_nonzero(canonical([v[j] for j in columns])) for v in classes)
        return cls(classes, tuple(row_class), tuple(sizes), columns, essential)


def _nonzero(vector: Vector | None) -> Vector:
    if vector is None:
        raise AssertionError("a class vector vanished on its pivot columns")
    return vector


def pivot_columns(vectors: Sequence[Sequence[int]]) -> list[int]:
    """Pivot columns of Gaussian elimination on the rows ``vectors`` (exact, Python ints).

    Their number is the rank r, and the matrix restricted to these columns still has rank r:
    row operations keep the linear relations among columns, and the pivot columns of the echelon
    form are independent.  Rows are made primitive after each step to keep the integers small.
    """
    rows = [list(v) for v in vectors]
    width = len(rows[0]) if rows else 0
    pivots: list[int] = []
    for column in range(width):
        top = len(pivots)
        found = next((i for i in range(top, len(rows)) if rows[i][column] != 0), None)
        if found is None:
            continue
        rows[top], rows[found] = rows[found], rows[top]
        pivot_row, pivot = rows[top], rows[top][column]
        for i in range(top + 1, len(rows)):
            factor = rows[i][column]
            if factor:
                combined = zip(rows[i], pivot_row, strict=True)
                rows[i] = primitive([pivot * a - factor * b for a, b in combined])
        pivots.append(column)
    return pivots


def cover_count(m: int, r: int) -> int:
    """Cover's count 2·Σ_{k<r} C(m-1, k): cells of m >= 1 hyperplanes in general position."""
    return 2 * sum(math.comb(m - 1, k) for k in range(r))


def general_position_restriction_count(m: int, r: int) -> int:
    """Regions of the restriction to one hyperplane of m >= r hyperplanes in general position.

    Rank 1: the hyperplane is the origin of the essential line, with nothing left to cut it: 1.
    Rank r >= 2: the other m-1 hyperplanes meet it in m-1 hyperplanes in general position of rank
    r-1 (proofs/patterns.md, Lemma 4), so Cover's count with (m-1, r-1).
    """
    return 1 if r == 1 else cover_count(m - 1, r - 1)


def in_general_position(vectors: Sequence[Vector], r: int) -> bool:
    """Whether every r of the m vectors of ``Z^r`` (of rank r together) are linearly independent.

    All r×r minors are computed modulo MODULUS with numpy int64 (proofs/patterns.md, "Arithmetic"):
    the minors of each size k < r of the sub-matrices on consecutive row subsets are built by
    Laplace expansion along the last row, vectorized over subsets; an r-subset's minor is the dot
    product of the last row with the cofactor vector of the first r-1 rows.  A residue that is
    nonzero proves the minor nonzero; each zero residue is decided exactly by elimination.
    """
    m, p = len(vectors), MODULUS
    if r <= 1 or m <= r:
        return True  # 1-subsets of nonzero vectors, or the one r-subset of a rank-r set
    H = np.array([[v % p for v in vector] for vector in vectors], dtype=np.int64)
    subsets = np.arange(m, dtype=np.int64)[:, None]  # all 1-subsets, in lexicographic order
    minors = H.copy()  # minors[s, a] = 1×1 minor of subset s on column set combos[a]
    combos = list(itertools.combinations(range(r), 1))
    for size in range(1, r - 1):  # from k-subsets to (k+1)-subsets, k = size
        subsets, minors, combos = _extend(H, subsets, minors, combos, size, p)
    # cofactor[s, c] = (-1)^(r-1+c) · minor of subset s without column c, so that the r×r minor of
    # subset s followed by row j is Σ_c H[j, c] · cofactor[s, c]  (Laplace along the last row).
    position = {combo: a for a, combo in enumerate(combos)}
    cofactor = np.empty((len(subsets), r), dtype=np.int64)
    for c in range(r):
        column = minors[:, position[tuple(x for x in range(r) if x != c)]]
        cofactor[:, c] = column if (r - 1 + c) % 2 == 0 else (-column) % p
    last = subsets[:, -1]
    order = np.argsort(last, kind="stable")
    bounds = np.searchsorted(last[order], np.arange(m + 1))
    for t in range(m - 1):  # subsets ending at t, followed by every row j > t
        group, rows = order[bounds[t] : bounds[t + 1]], H[t + 1 :]
        step = max(1, _BLOCK // len(rows))
        for begin in range(0, len(group), step):
            chosen = group[begin : begin + step]
            residue = np.zeros((len(chosen), len(rows)), dtype=np.int64)
            for c in range(r):  # each value < p < 2**28, each product < 2**56: no overflow
                residue = (residue + cofactor[chosen, c][:, None] * rows[None, :, c]) % p
            for a, b in np.argwhere(residue == 0):
                subset = [int(i) for i in subsets[chosen[a]]] + [t + 1 + int(b)]
                if len(pivot_columns([vectors[i] for i in subset])) < r:
                    return False
    return True


def _extend(
    H: np.ndarray, subsets: np.ndarray, minors: np.ndarray, combos: list, size: int, p: int
) -> tuple[np.ndarray, np.ndarray, list]:
    """Minors (mod p) of all (size+1)-subsets from those of the size-subsets, lexicographically.

    A new subset is an old one followed by a row j beyond its last; its minor on columns K is the
    Laplace expansion along that last row (row position ``size``).
    """
    m = len(H)
    last = subsets[:, -1]
    counts = m - 1 - last
    parent = np.repeat(np.arange(len(subsets)), counts)
    starts = np.cumsum(counts) - counts
    j = last[parent] + 1 + (np.arange(len(parent)) - starts[parent])
    position = {combo: a for a, combo in enumerate(combos)}
    new_combos = list(itertools.combinations(range(H.shape[1]), size + 1))
    new_minors = np.empty((len(parent), len(new_combos)), dtype=np.int64)
    for a, combo in enumerate(new_combos):
        acc = np.zeros(len(parent), dtype=np.int64)
        for place, c in enumerate(combo):
            rest = position[combo[:place] + combo[place + 1 :]]
            term = H[j, c] * minors[parent, rest] % p  # < 2**56
            acc = (acc + term if (size + place) % 2 == 0 else acc - term) % p
        new_minors[:, a] = acc
    return np.column_stack([subsets[parent], j]), new_minors, new_combos


def restrict(vectors: Sequence[Sequence[int]], h: Sequence[int]) -> list[Vector]:
    """The arrangement induced in the hyperplane h·u = 0 by ``vectors``, in integer coordinates.

    Coordinates on H = ker h: with h_p a nonzero entry of least absolute value, the vectors
    b_t = h_p·e_t - h_t·e_p (t != p) are a basis of H; a normal g restricts to (g·b_t)_t.
    Zero restrictions (g parallel to h) are dropped, parallel ones merged (proofs/patterns.md,
    Lemma 3).
    """
    p = min((i for i, v in enumerate(h) if v), key=lambda i: abs(h[i]))
    others = [t for t in range(len(h)) if t != p]
    restricted: dict[Vector, None] = {}
    for g in vectors:
        vector = canonical([g[t] * h[p] - g[p] * h[t] for t in others])
        if vector is not None:
            restricted[vector] = None
    return list(restricted)


def region_count(vectors: Sequence[Vector]) -> int:
    """Number of regions of the central arrangement of distinct canonical nonzero ``vectors``.

    Deletion-restriction (Zaslavsky): r(A) = 1 + Σ_i r(A_i^{H_i}) where A_i^{H_i} is the
    arrangement induced in H_i by H_1..H_{i-1}.  In dimension <= 2, L >= 1 distinct hyperplanes
    through 0 make 2L regions (proofs/patterns.md, Lemma 3).
    """
    if not vectors:
        return 1
    if len(vectors[0]) <= 2:
        return 2 * len(vectors)
    return 1 + sum(region_count(restrict(vectors[:i], h)) for i, h in enumerate(vectors))
