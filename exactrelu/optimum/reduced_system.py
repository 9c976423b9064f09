"""The reduced KKT system of a proposed structure in ball arithmetic, and its Krawczyk test
(docs/theory.md §7 "Verified"; the proof in proofs/verified.md).

For proposed neurons ν with exact data ``Z_ν P_ν`` and ``Z_νᵀ``
(:func:`exactrelu.optimum.verified.neuron_data`; ``P_ν`` the orthogonal projector onto
``{u : x̃_k·u = 0, k in the face}``) and ``M_ν = Z_ν P_ν Z_νᵀ``, the unknowns ``x = (r, α[, β])``
solve ``r + Σ α_ν M_ν r (+ β·1) = y``, ``½(rᵀ M_ν r − λ²) = 0`` for each ν (and ``1ᵀr = 0``
with an output bias β).  All of it is evaluated in python-flint ``arb`` balls (``PRECISION``
bits) on exact rational data.

**Krawczyk test** (Krawczyk 1969; Moore 1977; Rump 1983, see Neumaier, *Interval Methods for
Systems of Equations*, 1990, Thm. 5.1.7): for a box ``X = x̃ + [−ρ, ρ]``, any matrix C and an
interval matrix J(X) containing the Jacobian at every point of X,
``K(X) = x̃ − C F(x̃) + (I − C J(X))(X − x̃) ⊂ interior(X)`` implies that C and every matrix of
J(X) are nonsingular and that the system has exactly one solution x* in X.  The float start is
Newton-polished on the structure (its inverse Jacobian is C) and its midpoint x̃ refined by
simplified Newton steps in ball arithmetic, so that the box can be tiny.

:class:`ReducedSystem` is the base of a verification: the strict checks on the box
(:mod:`exactrelu.optimum.structure_checks`, :mod:`exactrelu.optimum.block_bounds`) and the
verifiers (:mod:`exactrelu.optimum.verified`, :mod:`exactrelu.optimum.verified_interval`) extend
it; its ``failures`` collect what could not be decided.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from flint import arb, arb_mat

from exactrelu.exact.balls import arb_column, arb_hstack, arb_of
from exactrelu.exact.rationals import fmpq_matrix
from exactrelu.program.reduced_kkt import Neuron, neuron_matrices, newton_polish

PRECISION = 200
"""Bits of the ball arithmetic (about 60 decimal digits)."""
RELATIVE_RADII = (1e-40, 1e-30, 1e-20, 1e-10, 1e-8, 1e-6)
"""Box radii tried in the Krawczyk test, relative to ‖r‖∞ for r and ‖α‖∞ for α (smallest first:
the first that succeeds gives the tightest enclosure)."""
REFINEMENT_STEPS = 8
MAX_LISTED_FAILURES = 10


class ReducedSystem:
    """The reduced KKT system of ``neurons`` on ``problem`` in ball arithmetic and its Krawczyk
    test; ``lam_range`` (sum scale) makes λ an interval (``verify_interval``).  The exact data of
    each neuron comes from :meth:`exact_data`, kept in ``cache`` (see ``verify_neurons``)."""

    def __init__(
        self,
        problem,
        neurons: list[Neuron],
        lam_range: tuple[Fraction, Fraction] | None = None,
        cache: dict | None = None,
    ) -> None:
        self.problem = problem
        self.rows = problem.rows
        self.n, self.D = len(self.rows), len(self.rows[0])
        self.p = len(neurons)
        self.X = fmpq_matrix(self.rows)
        self.lam = problem.lam_sum
        self.blocks = problem.blocks
        self.gated = len(self.blocks.signs) == 1
        self.output_bias = problem.output_bias
        self.N = self.n + self.p + (1 if self.output_bias else 0)
        cache = {} if cache is None else cache
        self.data = []
        for nu in neurons:
            key = (nu.key(), self.gated)
            if key not in cache:
                cache[key] = self.exact_data(nu)
            self.data.append(cache[key])
        self.neurons = neurons
        self.ZP = arb_hstack([arb_mat(d.ZP) for d in self.data])  # n × pD
        self.Zt = arb_mat(sum((arb_mat(d.Zt).tolist() for d in self.data), []))  # pD × n
        self.y = arb_column([arb_of(v) for v in problem.dataset.y])
        # λ (sum scale) may be an interval [lo, hi] = λ_m + [−Δ, Δ] (verify_interval): the
        # system is then solved at λ_m and followed along its tangent (tube_krawczyk).
        lo, hi = lam_range or (self.lam, self.lam)
        self.interval = lo != hi
        self.lam_low, self.lam_high = lo, hi
        self.lam_mid, self.half_width = (lo + hi) / 2, (hi - lo) / 2
        self.lam2 = arb_of(self.lam_mid**2)
        self.lam_start = float(self.lam_mid)
        self.tube: tuple[arb_mat, arb_mat, arb_mat] | None = None  # (r̃, ṙ, Z_r) columns
        self.identity_n = arb_mat([[int(i == j) for j in range(self.n)] for i in range(self.n)])
        self.failures: list[str] = []

    def exact_data(self, neuron: Neuron):
        """The exact data of one neuron (:class:`~exactrelu.optimum.verified.NeuronData`),
        defined by the verifier."""
        raise NotImplementedError

    # -- the reduced system in ball arithmetic ----------------------------------------------
    def split(self, x: list[arb]):
        n, p = self.n, self.p
        return arb_column(x[:n]), x[n : n + p], (x[-1] if self.output_bias else None)

    def fits(self, r: arb_mat) -> arb_mat:
        """``F = [M_ν r]`` (n × p) as ``Z_ν P_ν (Z_νᵀ r)``: never forms M_ν."""
        w = self.Zt * r
        blockdiag = arb_mat(self.p * self.D, self.p)
        for i in range(self.p):
            for j in range(self.D):
                blockdiag[i * self.D + j, i] = w[i * self.D + j, 0]
        return self.ZP * blockdiag

    def equations(self, x: list[arb]) -> list[arb]:
        r, alpha, beta = self.split(x)
        F = self.fits(r)
        first = r + F * arb_column(alpha) - self.y
        values = [first[i, 0] + (beta if beta is not None else 0) for i in range(self.n)]
        rMr = F.transpose() * r
        values += [(rMr[i, 0] - self.lam2) / 2 for i in range(self.p)]
        if self.output_bias:
            values.append(sum((r[i, 0] for i in range(self.n)), arb(0)))
        return values

    def jacobian(self, x: list[arb]) -> arb_mat:
        """``[[I + Σ α_ν M_ν, F, Q], [Fᵀ, 0, 0], [Qᵀ, 0, 0]]`` enclosed over the balls of x
        (Q: :meth:`free_rows`)."""
        r, alpha, _ = self.split(x)
        n, p, D = self.n, self.p, self.D
        scale = arb_mat(p * D, p * D)
        for i in range(p):
            for j in range(D):
                scale[i * D + j, i * D + j] = alpha[i]
        top = (self.ZP * (scale * self.Zt) + self.identity_n).tolist()
        F = self.fits(r).tolist()
        free = self.free_rows()
        rows = [top[i] + F[i] + free[i] for i in range(n)]
        zeros = [arb(0)] * (self.N - n)
        rows += [[F[k][i] for k in range(n)] + zeros for i in range(p)]
        rows += [[free[k][j] for k in range(n)] + zeros for j in range(len(free[0]))]
        return arb_mat(rows)

    def free_rows(self) -> list[list[arb]]:
        """The rows of the matrix of free columns Q (n × q): the column 1 of an output bias
        (``1ᵀr = 0``), none without one; mirror ties use a basis of range(X̃)."""
        return [[arb(1)] if self.output_bias else [] for _ in range(self.n)]

    # -- the float start and the Krawczyk test ------------------------------------------------
    def float_start(self, residual, alpha, output_bias, polish: bool):
        """Newton-polish the float start on this structure; the float inverse Jacobian is the
        preconditioner C."""
        rows_f, y_f, lam_f = self.problem.rows_float, self.problem.y_float, self.lam_start
        r, a = np.asarray(residual, float), np.asarray(alpha, float)
        result = None
        if polish:
            result = newton_polish(rows_f, y_f, lam_f, self.neurons, a, r, self.output_bias)
        if result is None:
            beta = float(output_bias or 0.0)
        else:
            r, a, beta = result
        _, M = neuron_matrices(rows_f, self.neurons)
        F = np.stack([m @ r for m in M], axis=1)
        n, p = self.n, self.p
        J = np.zeros((self.N, self.N))
        J[:n, :n] = np.eye(n) + sum(a[i] * M[i] for i in range(p))
        J[:n, n : n + p] = F
        J[n : n + p, :n] = F.T
        if self.output_bias:
            J[:n, -1] = J[-1, :n] = 1.0
        try:
            C = np.linalg.inv(J)
        except np.linalg.LinAlgError:
            C = None
        if C is None or not np.all(np.isfinite(C)):
            self.failures.append(
                "the Jacobian of the reduced KKT system is singular: the fits are dependent"
            )
            return None
        x = np.concatenate([r, a, [beta] if self.output_bias else []])
        return x, C

    def refine(self, x: list[arb], C: arb_mat) -> list[arb]:
        """Simplified Newton steps ``x ← mid(x − C F(x))`` in ball arithmetic: exact dyadic
        midpoints close to the solution (the float start is accurate to rounding error only)."""
        for _ in range(REFINEMENT_STEPS):
            step = C * arb_column(self.equations(x))
            x = [(v - step[i, 0]).mid() for i, v in enumerate(x)]
            size = max(abs(float(step[i, 0].mid())) for i in range(self.N))
            if size <= 2.0 ** (-PRECISION + 20) * max(abs(float(v)) for v in x):
                break
        return x

    def radii(self, x: list[arb], relative: float) -> list[float]:
        n, p = self.n, self.p
        r_scale = max(abs(float(v)) for v in x[:n]) or 1.0
        a_scale = max(abs(float(v)) for v in x[n : n + p]) or 1.0
        radii = [relative * r_scale] * n + [relative * a_scale] * p
        if self.output_bias:
            radii.append(relative * max(abs(float(x[-1])), r_scale))
        return radii

    def krawczyk(self, x: list[arb], C: arb_mat) -> list[float] | None:
        """The radii of a box around x with ``K(X) ⊂ interior(X)``, or None."""
        CF = C * arb_column(self.equations(x))
        identity = arb_mat([[int(i == j) for j in range(self.N)] for i in range(self.N)])
        for relative in RELATIVE_RADII:
            radii = self.radii(x, relative)
            balls = [arb(m, r) for m, r in zip(x, radii, strict=True)]
            E = identity - C * self.jacobian(balls)
            K = E * arb_column([arb(0, r) for r in radii]) - CF  # K(X) − x̃
            if all(K[i, 0].abs_upper() < arb(radii[i]) for i in range(self.N)):
                return radii
        self.failures.append(
            "Krawczyk test failed for every box radius tried "
            f"({', '.join(f'{v:g}' for v in RELATIVE_RADII)} relative): no unique solution of "
            "the reduced KKT system proved"
        )
        return None

    def linear(self, L: arb_mat, r: arb_mat) -> arb_mat:
        """``L r``; on a tube ``r = r̃ + t ṙ + z`` the three parts apart, so that the t-parts
        of the rows of L keep their exact correlation (a linear function of t, not a box)."""
        if self.tube is None:
            return L * r
        r_mid, r_dot, z = self.tube
        return L * r_mid + (L * r_dot) * arb(0, arb_of(self.half_width)) + L * z


def short_list(items: list) -> str:
    """The first ``MAX_LISTED_FAILURES`` items, for a failure message."""
    shown = ", ".join(str(v) for v in items[:MAX_LISTED_FAILURES])
    return shown + (" ..." if len(items) > MAX_LISTED_FAILURES else "")
