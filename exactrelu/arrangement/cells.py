"""Cells of an essential central arrangement, enumerated from its lines (docs/theory.md §2).

Input: m pairwise non-parallel integer normals in R^r of rank r (an essential arrangement).
For r >= 2 the closure of every cell is a pointed cone, so it has extreme rays, and each extreme
ray spans a *line*: a flat of rank r − 1, the intersection of the hyperplanes that contain it.
Around a ray ``±ℓ`` the cells whose closure contains it are exactly: the signs ``sign(h_k·(±ℓ))``
on the hyperplanes not containing ℓ, combined with any cell of the *local arrangement* of the
hyperplanes that contain ℓ (rank r − 1; an orthant when exactly r − 1 of them do, otherwise
enumerated recursively).  Every cell is found once per extreme ray; duplicates are merged.

The hyperplanes of a cell that contain one of its extreme rays and are facets of the local cone
there are exactly its facets (every facet of a pointed cone of dimension >= 2 contains an extreme
ray), and the sum of the unit vectors of all extreme rays of a cell lies in its interior, which
gives the witnesses.

Lines are found from the (r−1)-subsets of hyperplanes: the generalized cross product ``ℓ_S`` of a
subset S is zero iff S is dependent, and ``h_k·ℓ_S`` is the r×r minor of S ∪ {k}.  Those signs are
decided exactly (float filter, Python-int fallback).  A subset whose line contains no other
hyperplane is a *generic* line; otherwise the line is handled once, from the lexicographically
smallest basis of its hyperplanes.  No degenerate line and no dependent subset means general
position.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, permutations, product
from math import factorial, gcd

import numpy as np
from flint import fmpz_mat

from exactrelu.arrangement.hyperplanes import integer_rank, pivot_columns
from exactrelu.exact.progress import Progress, step
from exactrelu.exact.signs import to_float

CHUNK_ENTRIES = 1 << 22  # candidate-matrix entries per chunk (bounds memory)


@dataclass(frozen=True)
class EssentialCells:
    """The cells of an essential arrangement with normals ``E`` (m × r).

    patterns: bool (N × m), True iff h_k·u > 0 on the cell, rows in lexicographic byte order.
    facets: (cell, hyperplane) pairs, sorted, one per facet.
    ray_sums: float (N × r), the sum of the unit extreme rays of each cell (a witness proposal).
    incidence: for each (cell, ray) incidence, the cell, the line index and the ray's sign.
    lines: for each line, the (r−1)-subset of hyperplanes that defines it.
    general_position: every r-subset of the normals is linearly independent.
    """

    patterns: np.ndarray
    facets: np.ndarray
    ray_sums: np.ndarray
    incidence: tuple[np.ndarray, np.ndarray, np.ndarray]
    lines: np.ndarray
    general_position: bool


def essential_cells(E: np.ndarray, progress: Progress | None = None) -> EssentialCells:
    """Enumerate the cells of the essential arrangement with normals ``E`` (object ints, m × r);
    ``progress`` (exactrelu.exact.progress) hears of each chunk of lines."""
    m, r = E.shape
    if r <= 1:
        return _rank_at_most_one(E)
    subsets = np.array(list(combinations(range(m), r - 1)), dtype=np.int64).reshape(-1, r - 1)
    builder = _CandidateBuilder(E, subsets)
    chunk = max(1, CHUNK_ENTRIES // (m * 2**r))
    for start in range(0, len(subsets), chunk):
        step(progress, "enumerating cells (lines)", start, len(subsets))
        builder.add_chunk(start, min(start + chunk, len(subsets)))
    step(progress, "enumerating cells (lines)", len(subsets), len(subsets))
    return builder.finish()


def _rank_at_most_one(E: np.ndarray) -> EssentialCells:
    """Rank 0: one cell (the whole space).  Rank 1: one hyperplane ``h·u = 0``, two half-lines.

    In rank 1 the only "line" is the whole space R^1, defined by the empty subset (its cross
    product is ``[1]``); the cell on the side ``h·u < 0`` is the ray ``−sign(h)``, the other the
    ray ``sign(h)``, whatever the sign of the normal ``h``.
    """
    m, r = E.shape
    if r == 0:
        patterns = np.ones((1, m), dtype=bool)
        return EssentialCells(
            patterns,
            np.empty((0, 2), np.int64),
            np.zeros((1, 0)),
            (np.empty(0, np.int64),) * 3,
            np.empty((0, 0), np.int64),
            True,
        )
    sign = 1 if int(E[0, 0]) > 0 else -1
    rays = np.array([-sign, sign], dtype=np.int8)  # cells in order: h·u < 0, then h·u > 0
    patterns = np.array([[False], [True]])
    facets = np.array([[0, 0], [1, 0]], dtype=np.int64)
    incidence = (np.arange(2, dtype=np.int64), np.zeros(2, np.int64), rays)
    return EssentialCells(
        patterns, facets, rays[:, None].astype(float), incidence, np.empty((1, 0), np.int64), True
    )


class _CandidateBuilder:
    """Accumulates (cell pattern, ray, local facets) candidates line by line, then merges them."""

    def __init__(self, E: np.ndarray, subsets: np.ndarray) -> None:
        self.E = E
        self.E_float = to_float(E)  # entries beyond the float range: ±inf, decided exactly
        self.m, self.r = E.shape
        self.subsets = subsets
        self.packed: list[np.ndarray] = []
        self.cand_line: list[np.ndarray] = []
        self.cand_sign: list[np.ndarray] = []
        self.facet_cand: list[np.ndarray] = []
        self.facet_plane: list[np.ndarray] = []
        self.ray_unit = np.zeros((len(subsets), self.r))
        self.count = 0
        self.general_position = True
        self.basis_of_line: dict[tuple[int, ...], tuple[int, ...]] = {}
        k = self.r - 1
        self.orthants = np.array(list(product([False, True], repeat=k)), dtype=bool)

    # -- one chunk of (r−1)-subsets ------------------------------------------------------------
    def add_chunk(self, start: int, stop: int) -> None:
        lines = np.arange(start, stop)
        S = self.subsets[lines]
        with np.errstate(invalid="ignore", over="ignore"):  # inf/NaN: left to the exact check
            ell, ell_abs = _cofactors_float(self.E_float[S])
            signs = _line_signs(self.E, self.E_float, S, ell, ell_abs)
            self.ray_unit[lines] = _unit_rows(ell)
        on_line = signs == 0
        zero_count = on_line.sum(axis=1)
        valid = zero_count < self.m  # a dependent subset has ℓ_S = 0: every sign is zero
        generic = valid & (zero_count == self.r - 1)
        if not np.all(generic):
            self.general_position = False
        if np.any(generic):
            self._add_generic(lines[generic], S[generic], signs[generic])
        for i in np.nonzero(valid & ~generic)[0]:
            self._add_degenerate(int(lines[i]), S[i], signs[i])

    def _add_generic(self, lines: np.ndarray, S: np.ndarray, signs: np.ndarray) -> None:
        """Each generic line: two rays, each with 2^(r−1) orthant cells around it."""
        L, k = S.shape
        q = len(self.orthants)
        bits = np.empty((L, 2, q, self.m), dtype=bool)
        bits[:, 0] = (signs > 0)[:, None, :]
        bits[:, 1] = (signs < 0)[:, None, :]
        rows = np.arange(L)[:, None, None, None]
        ray = np.arange(2)[None, :, None, None]
        orth = np.arange(q)[None, None, :, None]
        bits[rows, ray, orth, S[:, None, None, :]] = self.orthants[None, None, :, :]
        self._emit(
            bits.reshape(L * 2 * q, self.m),
            np.repeat(lines, 2 * q),
            np.tile(np.repeat(np.array([1, -1], np.int8), q), L),
            np.repeat(np.arange(L * 2 * q), k),
            np.repeat(S, 2 * q, axis=0).reshape(-1),
        )

    def _add_degenerate(self, line: int, subset: np.ndarray, signs: np.ndarray) -> None:
        """A line through more than r − 1 hyperplanes: handled once, recursively."""
        Z = np.nonzero(signs == 0)[0]
        key = tuple(int(z) for z in Z)
        if key not in self.basis_of_line:
            self.basis_of_line[key] = _greedy_basis(self.E, Z, self.r - 1)
        if tuple(int(s) for s in subset) != self.basis_of_line[key]:
            return
        local_rows = self.E[Z]
        cols = pivot_columns(local_rows.tolist(), self.r)
        local = essential_cells(local_rows[:, list(cols)])
        q = len(local.patterns)
        bits = np.empty((2, q, self.m), dtype=bool)
        bits[0] = signs > 0
        bits[1] = signs < 0
        bits[:, :, Z] = local.patterns[None, :, :]
        cand = np.repeat(np.arange(2) * q, len(local.facets)) + np.tile(local.facets[:, 0], 2)
        self._emit(
            bits.reshape(2 * q, self.m),
            np.full(2 * q, line),
            np.repeat(np.array([1, -1], np.int8), q),
            cand,
            np.tile(Z[local.facets[:, 1]], 2),
        )

    def _emit(self, bits, lines, ray_signs, facet_cand, facet_plane) -> None:
        self.packed.append(np.packbits(bits, axis=1))
        self.cand_line.append(lines.astype(np.int64))
        self.cand_sign.append(ray_signs)
        self.facet_cand.append(facet_cand + self.count)
        self.facet_plane.append(facet_plane.astype(np.int64))
        self.count += len(bits)

    # -- merge duplicates ------------------------------------------------------------------------
    def finish(self) -> EssentialCells:
        packed = np.ascontiguousarray(np.concatenate(self.packed))
        width = packed.shape[1]
        keys = packed.view(np.dtype((np.void, width))).ravel()
        unique_keys, cell_of = np.unique(keys, return_inverse=True)
        cell_of = cell_of.ravel()
        patterns = np.unpackbits(
            unique_keys.view(np.uint8).reshape(-1, width), axis=1, count=self.m
        )
        cand_line = np.concatenate(self.cand_line)
        cand_sign = np.concatenate(self.cand_sign)
        N = len(unique_keys)
        directions = self.ray_unit[cand_line] * cand_sign[:, None]
        ray_sums = np.stack(
            [np.bincount(cell_of, weights=directions[:, j], minlength=N) for j in range(self.r)],
            axis=1,
        )
        pair = cell_of[np.concatenate(self.facet_cand)] * self.m + np.concatenate(self.facet_plane)
        pair = np.sort(pair)  # sort-based unique: numpy's hash-based unique is slow here
        pair = pair[np.concatenate([[True], pair[1:] != pair[:-1]])]
        facets = np.stack([pair // self.m, pair % self.m], axis=1)
        return EssentialCells(
            patterns.astype(bool),
            facets,
            ray_sums,
            (cell_of, cand_line, cand_sign),
            self.subsets,
            self.general_position,
        )


def _cofactors_float(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Generalized cross products of the (r−1) × r matrices ``A`` in float, with absolute bounds.

    ``ell[:, j] = (−1)^j det(A without column j)`` (Leibniz formula) and ``ell_abs[:, j]`` the
    same sum with absolute values, so that the float error of ``ell`` is at most a small multiple
    of the unit roundoff times ``ell_abs``.
    """
    L, k, r = A.shape
    ell = np.zeros((L, r))
    ell_abs = np.zeros((L, r))
    perms = [(p, _perm_sign(p)) for p in permutations(range(k))]
    for j in range(r):
        cols = [c for c in range(r) if c != j]
        minor = A[:, :, cols]
        for p, sign in perms:
            term = np.ones(L)
            for i in range(k):
                term = term * minor[:, i, p[i]]
            ell[:, j] += sign * term
            ell_abs[:, j] += np.abs(term)
        if j % 2:
            ell[:, j] = -ell[:, j]
    return ell, ell_abs


def _unit_rows(ell: np.ndarray) -> np.ndarray:
    """The rows of ``ell`` scaled to unit length, without overflow (zero rows stay zero).

    A row holding inf or NaN (cofactors beyond the float range) becomes NaN: no float proposal.
    """
    peak = np.abs(ell).max(axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    scaled = ell / peak
    norms = np.linalg.norm(scaled, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return scaled / norms


def _perm_sign(p: tuple[int, ...]) -> int:
    inversions = sum(1 for i in range(len(p)) for j in range(i + 1, len(p)) if p[i] > p[j])
    return -1 if inversions % 2 else 1


def _line_signs(E, E_float, S, ell, ell_abs) -> np.ndarray:
    """Exact signs of ``h_k·ℓ_S`` for every subset S of the chunk and every hyperplane k.

    Float filter: the error of the float value is at most ``tau·(ell_abs·|h_k|)`` with
    ``tau = 2^-52·(k! + 2k + r + 4)``, twice the standard bound γ for the Leibniz sums (k!
    terms of k factors, inputs rounded to float) followed by a dot product of length r; and
    ``ell_abs·|h_k| <= max(ell_abs)·‖h_k‖_1``, a rank-one bound that is cheap to form.
    Entries on the subset itself are zero by construction.  Entries beyond the float range (±inf
    in ``E_float``) make the value or the bound inf or NaN, which leaves the sign undecided.
    """
    L, k = S.shape
    r = E.shape[1]
    approx = ell @ E_float.T
    tau = 2.0**-52 * (factorial(k) + 2 * k + r + 4)
    bound = np.outer(tau * ell_abs.max(axis=1), np.abs(E_float).sum(axis=1))
    signs = np.sign(approx).astype(np.int8)
    rows = np.arange(L)[:, None]
    undecided = ~(np.abs(approx) > bound)
    undecided[rows, S] = False
    signs[rows, S] = 0
    for i in np.unique(np.nonzero(undecided)[0]):
        exact_ell = _cofactors_exact(E[S[i]])
        for j in np.nonzero(undecided[i])[0]:
            value = sum(int(a) * b for a, b in zip(E[j], exact_ell, strict=True))
            signs[i, j] = (value > 0) - (value < 0)
    return signs


def _cofactors_exact(A: np.ndarray) -> list[int]:
    """The generalized cross product of integer rows ``A`` ((r−1) × r) with Python integers."""
    k, r = A.shape
    rows = [[int(v) for v in row] for row in A]
    out = []
    for j in range(r):
        minor = [[row[c] for c in range(r) if c != j] for row in rows]
        value = _det_exact(minor)
        out.append(-value if j % 2 else value)
    return out


def _det_exact(M: list[list[int]]) -> int:
    """Determinant of a square integer matrix (python-flint, exact)."""
    if not M:
        return 1
    return int(fmpz_mat(M).det())


def _greedy_basis(E: np.ndarray, Z: np.ndarray, size: int) -> tuple[int, ...]:
    """The lexicographically smallest independent ``size``-subset of the rows ``Z`` (greedy)."""
    chosen: list[int] = []
    for z in Z:
        trial = chosen + [int(z)]
        if integer_rank(E[trial].tolist()) == len(trial):
            chosen = trial
            if len(chosen) == size:
                break
    return tuple(chosen)


def exact_ray(E: np.ndarray, subset: np.ndarray, sign: int) -> list[int]:
    """The exact integer direction ``sign·ℓ_S`` of the ray of a line given by its subset S."""
    return [int(sign) * v for v in _cofactors_exact(E[subset])]


def primitive(vector: list[int]) -> list[int]:
    """Divide an integer vector by the gcd of its entries."""
    divisor = gcd(*vector)
    return [v // divisor for v in vector] if divisor > 1 else vector
