"""The reduced KKT system of the convex program with its neurons fixed (docs/theory.md §7).

A neuron ν is a sign s_ν, the rows active on it (``x̃_k·v > 0``) and its face rows
(``x̃_k·v = 0``).  With ``Z_ν = s_ν D_ν X̃`` (face rows contribute nothing), ``P_ν`` the
orthogonal projector onto ``{u : x̃_k·u = 0, k in the face}`` and ``M_ν = Z_ν P_ν Z_νᵀ``, the
optimal residual r and neuron weights α solve

    r + Σ_ν α_ν M_ν r (+ β·1) = y,      ½ (rᵀ M_ν r − λ²) = 0  for each ν,     (1ᵀ r = 0)

(the bracketed terms with an unregularized output bias β).  Its Jacobian
``[[I + Σ α_ν M_ν, F (, 1)], [Fᵀ, 0], (1ᵀ)]`` with ``F = [M_ν r]`` (the neuron fits) is
nonsingular iff the fits are linearly independent.  Newton's method on it polishes a
numerical solution to rounding error; the same system gives sensitivities (docs/theory.md §8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Neuron:
    """A neuron of a convex solution: sign, active rows, face rows (row indices)."""

    sign: int
    active: np.ndarray
    face: np.ndarray

    def key(self) -> tuple:
        return (self.sign, self.active.tobytes(), self.face.tobytes())


def face_projector(rows: np.ndarray, face: np.ndarray) -> np.ndarray:
    """Orthogonal projector onto ``{u : x̃_k·u = 0 for k in face}``."""
    D = rows.shape[1]
    if len(face) == 0:
        return np.eye(D)
    B = rows[face]
    return np.eye(D) - np.linalg.pinv(B) @ B


def neuron_matrices(rows: np.ndarray, neurons: list[Neuron]) -> tuple[list, list]:
    """``Z_ν P_ν`` (n × D) and ``M_ν = Z_ν P_ν Z_νᵀ`` for each neuron."""
    ZP, M = [], []
    for nu in neurons:
        Z = nu.sign * rows * nu.active[:, None]
        zp = Z @ face_projector(rows, nu.face)
        ZP.append(zp)
        M.append(zp @ Z.T)
    return ZP, M


def independent_support(fits: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Carathéodory reduction (docs/theory.md §6, Algorithm 1 in α): new α >= 0 with the same fit
    ``fits @ α`` whose support has linearly independent columns of ``fits``."""
    alpha = alpha.copy()
    while True:
        support = np.nonzero(alpha > 0)[0]
        if len(support) == 0:
            return alpha
        F = fits[:, support]
        _, sv, Vt = np.linalg.svd(F, full_matrices=True)
        rank = int(np.sum(sv > 1e-10 * max(sv.max(initial=0.0), 1e-300)))
        if rank == len(support):
            return alpha
        gamma = Vt[-1]
        ratio = gamma / alpha[support]
        if ratio.max() <= 0:
            gamma, ratio = -gamma, -ratio
        t = 1.0 / ratio.max()
        new = alpha[support] - t * gamma
        new[np.argmax(ratio)] = 0.0
        alpha[support] = np.maximum(new, 0.0)


def newton_polish(
    rows: np.ndarray,
    y: np.ndarray,
    lam: float,
    neurons: list[Neuron],
    alpha: np.ndarray,
    residual: np.ndarray,
    output_bias: bool,
    max_iter: int = 30,
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Newton's method on the reduced KKT system from (r, α); None if it does not converge."""
    n, p = len(y), len(neurons)
    _, M = neuron_matrices(rows, neurons)
    r, a = residual.copy(), alpha.copy()
    beta = float(np.mean(y - r - sum(a[i] * M[i] @ r for i in range(p)))) if output_bias else 0.0
    extra = 1 if output_bias else 0
    converged = 0
    for _ in range(max_iter):
        fits = np.stack([M[i] @ r for i in range(p)], axis=1) if p else np.zeros((n, 0))
        F1 = r + fits @ a + beta - y
        F2 = 0.5 * (np.einsum("ij,i->j", fits, r) - lam**2)
        equations = np.concatenate([F1, F2, [r.sum()] if output_bias else []])
        J = np.zeros((n + p + extra, n + p + extra))
        J[:n, :n] = np.eye(n) + sum(a[i] * M[i] for i in range(p))
        J[:n, n : n + p] = fits
        J[n : n + p, :n] = fits.T
        if output_bias:
            J[:n, -1] = 1.0
            J[-1, :n] = 1.0
        try:
            step = np.linalg.solve(J, -equations)
        except np.linalg.LinAlgError:
            return None
        r = r + step[:n]
        a = a + step[n : n + p]
        if output_bias:
            beta += step[-1]
        if np.linalg.norm(step) <= 1e-10 * (np.linalg.norm(r) + np.linalg.norm(a) + 1.0):
            converged += 1  # quadratic convergence: one more step reaches rounding error
            if converged == 2:
                return r, a, beta
    return None
