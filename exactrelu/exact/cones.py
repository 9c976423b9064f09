"""Euclidean projection onto polyhedral cones ``K = {u : A u >= 0}``, many cones at once.

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
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy.optimize import nnls

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
    subsets = [S for k in range(1, min(D, f) + 1) for S in combinations(range(f), k)]
    if len(subsets) > MAX_SUBSETS:
        return _project_lawson_hanson(A, C, proj, mu, todo)
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
