"""Euclidean projection onto polyhedral cones ``K = {u : A u >= 0}``: exactly, with KKT
multipliers (:func:`project_onto_cone`), and in floating point, many cones at once
(:func:`project_many`).

Moreau: ``Π_K(c) = c + Aᵀμ`` with ``μ = argmin_{μ>=0} ‖c + Aᵀμ‖`` (the polar cone is
``{−Aᵀμ : μ >= 0}``), so ``‖Π_K(c)‖ = min_{μ>=0} ‖c + Aᵀμ‖`` and any ``μ >= 0`` bounds it from
above (docs/theory.md §4).  The projection lies in the relative interior of a face of K, spanned by
the points of K where a subset S of the constraints is tight; KKT says that for that S the
multipliers ``μ_S`` solving ``A_S(c + A_Sᵀ μ_S) = 0`` are >= 0 and ``c + A_Sᵀμ_S`` lies in K, and
conversely any S with these properties gives the projection (the problem is convex).  For small
dimension the candidate subsets (of size <= dimension; size D gives the apex 0) are few, so all
cones with the same number of constraint rows are solved together in numpy, smallest subsets
first.  Floating point: this
proposes μ; certificates check ``‖c + Aᵀμ‖`` exactly.

The exact kernel takes rational rows and a rational vector and knows nothing else: a float face
guess is solved exactly and the KKT conditions are checked in rationals, with an exact active-set
method (Lawson–Hanson) when the guess fails, so its result is always proved.
:func:`project_onto_cone` returns a :class:`ConeProjection` (projection, multipliers by row,
tight rows, squared norm); :func:`check_multipliers` proves given multipliers, :func:`moreau_bound`
is the cheap upper bound ``‖c + Aᵀμ‖²`` for callers that need only a bound, and
:func:`project_onto_subspace` is the orthogonal projection onto ``{u : A u = 0}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from math import comb
from numbers import Rational

import numpy as np
from flint import fmpq, fmpq_mat
from scipy.optimize import nnls

from exactrelu.exact.rationals import fraction_of, independent_rows

MAX_SUBSETS = 400  # beyond this many candidate faces per cone, use Lawson–Hanson per cone


def project_many(A_list: list[np.ndarray], C: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Project ``C[i]`` onto ``{u : A_list[i] u >= 0}`` for every i.

    Returns the projections (M × D) and the multipliers μ_i (one per row of ``A_list[i]``).
    """
    M, D = C.shape
    P = np.array(C, dtype=np.float64)
    mus: list[np.ndarray] = [np.zeros(len(A)) for A in A_list]
    sizes = np.array([len(A) for A in A_list])
    for f in np.unique(sizes):
        idx = np.nonzero(sizes == f)[0]
        if f == 0:
            continue
        A = np.stack([A_list[i] for i in idx])
        proj, mu = _project_same_size(A, C[idx])
        P[idx] = proj
        for j, i in enumerate(idx):
            mus[i] = mu[j]
    return P, mus


def _project_same_size(A: np.ndarray, C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Projection of ``C[i]`` onto the cone of ``A[i]`` (all with f rows), by candidate faces."""
    M, f, D = A.shape
    scale = np.linalg.norm(A, axis=2).max(axis=1) * np.maximum(np.linalg.norm(C, axis=1), 1e-300)
    tol = 1e-12 * scale
    proj = C.copy()
    mu = np.zeros((M, f))
    todo = np.nonzero(~np.all(np.einsum("mfd,md->mf", A, C) >= -tol[:, None], axis=1))[0]
    # count the candidate faces before building any: their number grows like f^D
    if sum(comb(f, k) for k in range(1, min(D, f) + 1)) > MAX_SUBSETS:
        return _project_lawson_hanson(A, C, proj, mu, todo)
    subsets = (S for k in range(1, min(D, f) + 1) for S in combinations(range(f), k))
    At, Ct, tolt, scalet = A[todo], C[todo], tol[todo], scale[todo]  # the unsolved cones
    for S in subsets:
        if len(todo) == 0:
            break
        AS = At[:, list(S), :]
        G = AS @ AS.transpose(0, 2, 1)
        rhs = -np.einsum("mkd,md->mk", AS, Ct)
        det = np.linalg.det(G)
        ok = np.abs(det) > 1e-12 * np.prod(np.einsum("mkk->mk", G), axis=1)
        m_S = np.zeros((len(todo), len(S)))
        if np.any(ok):
            m_S[ok] = np.linalg.solve(G[ok], rhs[ok][..., None])[..., 0]
        p = Ct + np.einsum("mk,mkd->md", m_S, AS)
        feasible = np.all(np.einsum("mfd,md->mf", At, p) >= -tolt[:, None], axis=1)
        valid = ok & feasible & np.all(m_S >= -1e-12 * scalet[:, None], axis=1)
        if not np.any(valid):
            continue
        rows = todo[valid]
        proj[rows] = p[valid]
        mu[rows[:, None], np.array(S)[None, :]] = m_S[valid]
        keep = ~valid
        todo, At, Ct, tolt, scalet = todo[keep], At[keep], Ct[keep], tolt[keep], scalet[keep]
    if len(todo):  # numerically awkward cones (e.g. dependent rows): solve them one by one
        return _project_lawson_hanson(A, C, proj, mu, todo)
    return proj, mu


def _project_lawson_hanson(A, C, proj, mu, todo):
    for i in todo:
        mu[i], _ = nnls(A[i].T, -C[i])
        proj[i] = C[i] + A[i].T @ mu[i]
    return proj, mu


# ---------------------------------------------------------------------------------------------
# The exact projection with KKT multipliers (docs/theory.md §4: Moreau, the polar cone)

FACE_TOLERANCE = 1e-9  # float multipliers below this fraction of the largest are not in the face
MAX_ITERATIONS_PER_ROW = 100  # bound on the exact active-set iterations, times (rows + 1)

Number = Rational | int


@dataclass(frozen=True)
class ConeProjection:
    """The Euclidean projection ``Π = Π_K(c)`` of a rational vector c onto the polyhedral cone
    ``K = {u : a_k·u >= 0 for every row a_k of A}``, exactly, with KKT multipliers.

    Moreau (docs/theory.md §4): ``c = Π_K(c) + Π_{K°}(c)`` with the polar cone
    ``K° = {−Aᵀμ : μ >= 0}``, so ``Π = c + Aᵀμ`` for a μ >= 0 minimizing ``‖c + Aᵀμ‖``; the KKT
    conditions (``μ >= 0``, ``AΠ >= 0``, ``μ_k (AΠ)_k = 0``) characterize it.

    ``projection``: Π (unique).  ``multipliers``: the μ_k > 0, keyed by the row index k of A
    (increasing), with ``Π = c + Σ_k μ_k a_k``; :func:`project_onto_cone` finds them on linearly
    independent rows, so they are the only multipliers with that support.  ``active``: the rows
    tight at Π (``a_k·Π = 0``, increasing): the face of K holding Π in its relative interior;
    the multipliers are supported on it (complementary slackness).  ``norm2``: ``‖Π‖²``.
    """

    projection: tuple[Fraction, ...]
    multipliers: Mapping[int, Fraction]
    active: tuple[int, ...]
    norm2: Fraction


def project_onto_cone(
    rows: Sequence[Sequence[Number]],
    c: Sequence[Number],
    guess: Iterable[int] | None = None,
) -> ConeProjection:
    """The exact projection of c onto ``K = {u : A u >= 0}`` (rows of A rational, any number:
    dependent, parallel or zero rows are allowed; no rows gives Π = c), with its multipliers.

    A face S is guessed: ``guess`` (row indices, e.g. the support of a float projection's
    multipliers), by default the support of a float NNLS ``min_{μ>=0} ‖c + Aᵀμ‖``.  Its
    multipliers solve ``(A_S A_Sᵀ) μ_S = −A_S c`` exactly, and ``μ_S >= 0``, ``A(c + A_Sᵀμ_S) >= 0``
    are checked exactly: then KKT holds (``A_SΠ = 0`` by construction) and the result is proved.
    Otherwise (wrong or dependent guess) Lawson & Hanson's active-set NNLS (1974, ch. 23) runs in
    exact arithmetic, where it is finite and its passive rows stay independent.  Raises
    ArithmeticError only if that exceeds its iteration bound (not expected: a safeguard).
    """
    A, A_rows, vector = _exact_data(rows, c)
    if A is None:
        return _result(vector, {}, None)
    slack = A * vector
    if all(slack[k, 0] >= 0 for k in range(len(A_rows))):
        return _result(vector, {}, slack)
    face = _float_face(rows, c) if guess is None else sorted({int(k) for k in guess})
    solved, projection = _face_solution(A_rows, vector, face)
    if solved is not None and all(m >= 0 for m in solved.values()):
        slack = A * projection
        if all(slack[k, 0] >= 0 for k in range(len(A_rows))):
            return _result(projection, solved, slack)
    return _lawson_hanson(A, A_rows, vector)


def check_multipliers(
    rows: Sequence[Sequence[Number]], c: Sequence[Number], multipliers: Mapping[int, Number]
) -> ConeProjection | None:
    """The projection proved by given multipliers (keyed by row index of A), or None.

    When ``μ >= 0``, ``Π = c + Σ_k μ_k a_k`` lies in K and ``μ_k > 0`` only on rows tight at Π
    (the KKT conditions, checked exactly), Π is the projection onto K (docs/theory.md §4)."""
    A, A_rows, vector = _exact_data(rows, c)
    mu = {int(k): _fmpq(m) for k, m in multipliers.items() if m != 0}
    if any(m < 0 for m in mu.values()):
        return None
    if A is None:
        return _result(vector, {}, None)
    projection = vector + _combination(A_rows, mu, vector.nrows()) if mu else vector
    slack = A * projection
    if any(slack[k, 0] < 0 for k in range(len(A_rows))) or any(slack[k, 0] != 0 for k in mu):
        return None
    return _result(projection, mu, slack)


def moreau_bound(
    rows: Sequence[Sequence[Number]], c: Sequence[Number], multipliers: Mapping[int, Number]
) -> Fraction:
    """``‖c + Σ_k μ_k a_k‖²`` for multipliers ``μ >= 0`` keyed by row index (ValueError
    otherwise): an upper bound on ``‖Π_K(c)‖²``, with equality exactly at the KKT multipliers
    (Moreau, docs/theory.md §4).  The cheap companion of :func:`project_onto_cone` for callers
    that need only a bound."""
    v = list(c)
    for k, m in multipliers.items():
        if m == 0:
            continue
        if m < 0:
            raise ValueError(f"multiplier of row {k} is negative: {m}")
        for j, a in enumerate(rows[k]):
            if a:
                v[j] += m * a
    return sum((t * t for t in v), Fraction(0))


def project_onto_subspace(
    rows: Sequence[Sequence[Number]], c: Sequence[Number]
) -> tuple[tuple[Fraction, ...], dict[int, Fraction]]:
    """The orthogonal projection of c onto the subspace ``L = {u : A u = 0}`` (the linear span of
    the face of K where the rows are tight), exactly, and its coefficients ν (any sign): ``Π_L(c)
    = c + Σ_{k∈B} ν_k a_k`` with ``A_B Π_L(c) = 0``, B the lexicographically first maximal set of
    independent rows (ν keyed by row index, unique given B; no rows, or zero rows only: c)."""
    A_rows, vector = _exact_rows(rows), _exact_column(c)
    solved, projection = _face_solution(A_rows, vector, list(range(len(A_rows))))
    if solved is None:
        basis = independent_rows([[Fraction(v) for v in row] for row in rows])
        solved, projection = _face_solution(A_rows, vector, basis)
        assert solved is not None  # independent rows: A_B A_Bᵀ is nonsingular
    D = vector.nrows()
    return (
        tuple(fraction_of(projection[j, 0]) for j in range(D)),
        {k: fraction_of(m) for k, m in solved.items()},
    )


def _fmpq(value: Number) -> fmpq:
    if type(value) is Fraction:
        return fmpq(value.numerator, value.denominator)
    if type(value) is int:
        return fmpq(value)
    return fmpq(int(value.numerator), int(value.denominator))


def _exact_rows(rows) -> list[list[fmpq]]:
    return [[_fmpq(v) for v in row] for row in rows]


def _exact_column(c) -> fmpq_mat:
    return fmpq_mat([[_fmpq(v)] for v in c]) if len(c) else fmpq_mat(0, 1)


def _exact_data(rows, c) -> tuple[fmpq_mat | None, list[list[fmpq]], fmpq_mat]:
    """A as an ``fmpq_mat`` (None without rows), its rows as lists of fmpq, c as a column."""
    A_rows, vector = _exact_rows(rows), _exact_column(c)
    if not A_rows or not len(c):
        return None, A_rows, vector
    return fmpq_mat(A_rows), A_rows, vector


def _float_face(rows, c) -> list[int]:
    """The support of a float NNLS ``min_{μ>=0} ‖c + Aᵀμ‖`` (multipliers above
    ``FACE_TOLERANCE`` times the largest): a guess of the face, checked exactly."""
    try:
        A = np.array([[float(v) for v in row] for row in rows], dtype=np.float64)
        mu, _ = nnls(A.T, -np.array([float(v) for v in c], dtype=np.float64))
    except (OverflowError, RuntimeError, ValueError):
        return []
    scale = max(float(np.abs(mu).max(initial=0.0)), 1e-300)
    return [k for k in range(len(mu)) if mu[k] > FACE_TOLERANCE * scale]


def _face_solution(A_rows, vector: fmpq_mat, face: list[int]):
    """μ_S with ``A_S(c + A_Sᵀμ_S) = 0`` on the rows S = ``face`` (keyed by row) and the point
    ``c + A_Sᵀμ_S``, or ``(None, None)`` when ``A_S A_Sᵀ`` is singular (dependent rows)."""
    if not face:
        return {}, vector
    B = fmpq_mat([A_rows[k] for k in face])
    Bt = B.transpose()
    try:
        solution = (B * Bt).solve(-(B * vector))
    except ZeroDivisionError:
        return None, None
    return {k: solution[s, 0] for s, k in enumerate(face)}, vector + Bt * solution


def _combination(A_rows, mu: dict[int, fmpq], D: int) -> fmpq_mat:
    """``Σ_k μ_k a_k`` as a column."""
    return fmpq_mat([[sum((m * A_rows[k][j] for k, m in mu.items()), fmpq(0))] for j in range(D)])


def _result(projection: fmpq_mat, mu: dict[int, fmpq], slack: fmpq_mat | None) -> ConeProjection:
    D = projection.nrows()
    active = () if slack is None else tuple(k for k in range(slack.nrows()) if slack[k, 0] == 0)
    return ConeProjection(
        tuple(fraction_of(projection[j, 0]) for j in range(D)),
        {k: fraction_of(mu[k]) for k in sorted(mu) if mu[k] != 0},
        active,
        fraction_of((projection.transpose() * projection)[0, 0]) if D else Fraction(0),
    )


def _lawson_hanson(A: fmpq_mat, A_rows, vector: fmpq_mat) -> ConeProjection:
    """Lawson & Hanson (1974, ch. 23) NNLS for ``min_{μ>=0} ‖c + Aᵀμ‖`` in exact arithmetic: the
    row of most negative gradient ``a_k·(c + Aᵀμ)`` enters the passive set (the first on ties),
    whose least-squares solution is followed until a passive multiplier reaches 0.  At the
    end the gradient is >= 0 off the passive set and 0 on it: the KKT conditions."""
    f, D, zero = len(A_rows), vector.nrows(), fmpq(0)
    mu: dict[int, fmpq] = {}
    passive: list[int] = []
    for _ in range(MAX_ITERATIONS_PER_ROW * (f + 1)):
        projection = vector + _combination(A_rows, mu, D) if mu else vector
        gradient = A * projection
        candidates = [k for k in range(f) if k not in passive and gradient[k, 0] < 0]
        if not candidates:
            return _result(projection, mu, gradient)
        passive.append(min(candidates, key=lambda k: gradient[k, 0]))
        while True:
            zeta, _ = _face_solution(A_rows, vector, passive)
            if zeta is None:
                raise ArithmeticError("exact NNLS: dependent passive rows")
            if all(zeta[k] > 0 for k in passive):
                mu = zeta
                break
            old = {k: mu.get(k, zero) for k in passive}
            step = min(old[k] / (old[k] - zeta[k]) for k in passive if zeta[k] <= 0)
            moved = {k: old[k] + step * (zeta[k] - old[k]) for k in passive}
            passive = [k for k in passive if moved[k] > 0]
            mu = {k: moved[k] for k in passive}
    raise ArithmeticError("exact NNLS did not terminate")
