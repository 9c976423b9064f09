"""Floating-point solution of the convex reformulation by column generation (docs/theory.md §3, §4,
§7).

The full program has one cone constraint per (cell, sign, facet) and one second-order cone per
block: too large to hand to a conic solver beyond small data.  Column generation keeps a small
working set of blocks, solves the restricted program with Clarabel, and prices every block of the
complete (exactly enumerated) pattern set at the restricted residual r: the dual constraint of
block b is ``‖Π_{K_b}(Z_bᵀ r)‖ <= λ`` (docs/theory.md §4), and the most violated blocks are the
columns to add.  At the end the solution is polished by Newton's method on the reduced KKT system of
docs/theory.md §7 (neurons with their faces fixed), which makes the residual accurate to rounding
error.  Nothing here is certified: the exact certificate is built from this float solution by
``certificate.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import clarabel
import numpy as np
import scipy.sparse as sp

from exactrelu.exact.cones import project_many
from exactrelu.exact.progress import Progress, step
from exactrelu.program.blocks import BlockSet
from exactrelu.program.reduced_kkt import (
    Neuron,
    independent_support,
    neuron_matrices,
    newton_polish,
)

MAX_ROUNDS = 100
COLUMNS_PER_ROUND = 40
POLISH_ATTEMPTS = 4


@dataclass(frozen=True)
class FloatSolution:
    """A numerical optimum grouped into neurons (docs/theory.md §5): ``u_ν = α_ν v_ν``, ``‖v_ν‖ ≈
    λ``.

    ``cells[i]`` is a pattern (block) whose closed cone contains neuron i; ``residual = y − ŷ``.
    ``polished``: Newton on the reduced KKT system converged and the structure was re-priced.
    """

    neurons: list[Neuron]
    cells: np.ndarray
    alpha: np.ndarray
    directions: np.ndarray
    residual: np.ndarray
    output_bias: float | None
    rounds: int
    working_set: int
    polished: bool

    @property
    def weights(self) -> np.ndarray:
        """The convex weights ``u_ν = α_ν v_ν`` (neurons × D)."""
        return self.alpha[:, None] * self.directions


class ColumnGeneration:
    """Column generation over the blocks of ``blocks`` for data ``rows`` (n × D), ``y``, ``lam``."""

    def __init__(
        self, rows: np.ndarray, y: np.ndarray, lam: float, blocks: BlockSet, output_bias: bool
    ) -> None:
        # The program is homogeneous: (y, λ) -> (y/c, λ/c) maps r, v, u to r/c, v/c, u/c and
        # keeps α.  Solving at unit scale keeps the solver's tolerances meaningful.
        self.unit = float(np.abs(y).max(initial=0.0)) or 1.0
        self.rows, self.y, self.lam = rows, y / self.unit, lam / self.unit
        self.blocks = blocks
        self.output_bias = output_bias
        self.patterns = blocks.patterns.astype(np.float64)
        self.n, self.D = rows.shape
        self.gated = len(blocks.signs) == 1

    # -- pricing -------------------------------------------------------------------------------
    def correlations(self, residual: np.ndarray) -> np.ndarray:
        """``c_C = X̃ᵀ D_C r`` for every pattern (the sign −1 block has −c_C)."""
        return self.patterns @ (self.rows * residual[:, None])

    def block_values(self, residual: np.ndarray, needed: int | None = None) -> np.ndarray:
        """``‖Π_{K_b}(Z_bᵀ r)‖`` for the blocks that matter, upper bounds for the others;
        shape (patterns, signs).

        Cheap upper bounds ``‖c + Aᵀμ‖`` come first; blocks whose bound exceeds λ are then
        projected exactly (in float), largest bound first.  With ``needed``, the projections stop
        once that many blocks are found violated (the rest keep their bounds: a column added on
        a bound alone is harmless); without it every block above λ is projected.
        """
        C = self.correlations(residual)
        norms = np.linalg.norm(C, axis=1)
        values = np.repeat(norms[:, None], len(self.blocks.signs), axis=1)
        if self.gated:
            return values
        for j, s in enumerate(self.blocks.signs):
            values[:, j] = self.facet_bounds(s * C)
        flat = values.ravel()  # a view: exact values are written back through it
        candidates = np.nonzero(flat > self.lam * (1 - 1e-9))[0]
        candidates = candidates[np.argsort(-flat[candidates])]
        found, batch = 0, max(256, 4 * (needed or 0))
        for start in range(0, len(candidates), batch):
            chunk = candidates[start : start + batch]
            cells, signs = chunk // len(self.blocks.signs), chunk % len(self.blocks.signs)
            sign_values = np.array(self.blocks.signs, dtype=np.float64)[signs]
            projected, _ = project_many(
                [self.cone_matrices[i] for i in cells], sign_values[:, None] * C[cells]
            )
            flat[chunk] = np.linalg.norm(projected, axis=1)
            found += int(np.sum(flat[chunk] > self.lam * (1 + 1e-9)))
            if needed is not None and found >= needed:
                break
        return values

    def facet_bounds(self, C: np.ndarray, sweeps: int = 3) -> np.ndarray:
        """Upper bounds ``‖c + Aᵀμ‖`` (μ >= 0) for every pattern, by a few sweeps of cyclic
        projections onto the facet half-spaces: each step adds a nonnegative multiple of a
        facet row, so the result is of that form and bounds the projection (docs/theory.md §4)."""
        padded, norm2 = self.padded_cones
        P = C.copy()
        for _ in range(sweeps):
            for t in range(padded.shape[1]):
                a = padded[:, t, :]
                step = np.minimum(np.einsum("nd,nd->n", a, P), 0.0) / norm2[:, t]
                P -= step[:, None] * a
        return np.linalg.norm(P, axis=1)

    @cached_property
    def padded_cones(self) -> tuple[np.ndarray, np.ndarray]:
        """The cone rows of every pattern padded with zero rows (patterns × max rows × D)."""
        width = max((len(A) for A in self.cone_matrices), default=0)
        padded = np.zeros((len(self.cone_matrices), width, self.D))
        for i, A in enumerate(self.cone_matrices):
            padded[i, : len(A)] = A
        norm2 = np.einsum("nfd,nfd->nf", padded, padded)
        return padded, np.where(norm2 > 0, norm2, 1.0)

    @cached_property
    def cone_matrices(self) -> list[np.ndarray]:
        """For each pattern, the rows ``a_k = (2p_k − 1) x̃_k`` of ``K_C = {u : a_k·u >= 0}``
        (none for the gated model, whose blocks are unconstrained)."""
        if self.gated:
            return [np.zeros((0, self.D)) for _ in range(len(self.patterns))]
        return [self.cone_matrix(cell) for cell in range(len(self.patterns))]

    def cone_matrix(self, cell: int) -> np.ndarray:
        rows = self.blocks.cone_rows[cell]
        signs = np.where(self.blocks.patterns[cell, rows], 1.0, -1.0)
        return self.rows[rows] * signs[:, None]

    def neuron_at(self, cell: int, sign: int, residual: np.ndarray) -> Neuron:
        """The neuron of block (cell, sign) at the residual r: its correlation vector
        ``v = Π_K(Z_bᵀ r) = c + Aᵀμ`` lies on the face of the rows with ``μ_k > 0`` and of any
        other row it is (numerically) orthogonal to."""
        if self.gated:  # the gate fixes the active rows; v = Z_bᵀ r is unconstrained
            return Neuron(1, self.blocks.patterns[cell].copy(), np.zeros(0, dtype=np.int64))
        c = sign * self.correlations_of(cell, residual)
        (v,), (mu,) = project_many([self.cone_matrices[cell]], c[None, :])
        values = self.rows @ v
        row_norms = np.linalg.norm(self.rows, axis=1)
        tight = (np.abs(values) <= 1e-9 * row_norms * np.linalg.norm(v)) & (row_norms > 0)
        face = np.union1d(np.asarray(self.blocks.cone_rows[cell])[mu > 0], np.nonzero(tight)[0])
        active = values > 0
        active[face] = False
        return Neuron(sign, active, face.astype(np.int64))

    def correlations_of(self, cell: int, residual: np.ndarray) -> np.ndarray:
        return self.rows.T @ (self.patterns[cell] * residual)

    # -- the restricted master problem --------------------------------------------------------
    def master(self, working: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray, float | None]:
        """Solve the program restricted to the working blocks with Clarabel; returns U, r, bias.

        Variables ``[u_b (B·D), t_b (B), e (n), β]``: minimize ``½‖e‖² + λ Σ t_b`` subject to
        ``e = Σ Z_b u_b + β − y`` (zero cone), ``A_b u_b >= 0`` (nonnegative cone) and
        ``‖u_b‖ <= t_b`` (second-order cones).
        """
        n, D, B = self.n, self.D, len(working)
        nu = B * D
        nvar = nu + B + n + (1 if self.output_bias else 0)
        e0, t0 = nu + B, nu
        cells = np.array([c for c, _ in working], dtype=np.int64)
        signs = np.array([s for _, s in working], dtype=np.float64)
        # Z_b = s D_C X̃, all blocks side by side (n × B·D)
        Zcat = (self.patterns[cells].T[:, :, None] * self.rows[:, None, :]) * signs[None, :, None]
        Zcat = sp.csc_matrix(Zcat.reshape(n, nu))
        eq = [-Zcat, sp.csc_matrix((n, B)), sp.identity(n, format="csc")]
        if self.output_bias:
            eq.append(sp.csc_matrix(-np.ones((n, 1))))
        cone_blocks = [self.cone_matrices[c] for c in cells]
        sizes = np.array([len(A) for A in cone_blocks], dtype=np.int64)
        nonneg = int(sizes.sum())
        stacked = np.concatenate(cone_blocks) if nonneg else np.zeros((0, D))
        owner = np.repeat(np.arange(B), sizes)
        cone = sp.csc_matrix(
            (
                -stacked.ravel(),
                (np.repeat(np.arange(nonneg), D), (owner[:, None] * D + np.arange(D)).ravel()),
            ),
            shape=(nonneg, nvar),
        )
        soc_rows = np.arange(B)[:, None] * (D + 1) + np.arange(D + 1)
        soc_cols = np.concatenate(
            [(t0 + np.arange(B))[:, None], np.arange(B)[:, None] * D + np.arange(D)], axis=1
        )
        soc = sp.csc_matrix(
            (-np.ones(B * (D + 1)), (soc_rows.ravel(), soc_cols.ravel())), shape=(B * (D + 1), nvar)
        )
        A = sp.vstack([sp.hstack(eq, format="csc"), cone, soc], format="csc")
        b = np.concatenate([-self.y, np.zeros(nonneg + B * (D + 1))])
        cones = [clarabel.ZeroConeT(n)]
        if nonneg:
            cones.append(clarabel.NonnegativeConeT(nonneg))
        cones += [clarabel.SecondOrderConeT(D + 1) for _ in range(B)]
        P = sp.csc_matrix(
            (np.ones(n), (np.arange(e0, e0 + n), np.arange(e0, e0 + n))), shape=(nvar, nvar)
        )
        q = np.zeros(nvar)
        q[t0 : t0 + B] = self.lam
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.tol_gap_abs = settings.tol_gap_rel = 1e-11
        settings.tol_feas = 1e-11
        settings.max_iter = 400
        solution = clarabel.DefaultSolver(P, q, A, b, cones, settings).solve()
        x = np.array(solution.x)
        U = x[:nu].reshape(B, D)
        bias = float(x[-1]) if self.output_bias else None
        fit = Zcat @ x[:nu] + (bias or 0.0)
        return U, self.y - fit, bias

    # -- the loop ------------------------------------------------------------------------------
    def initial_working_set(self) -> list[tuple[int, int]]:
        """The blocks most correlated with y (the first to enter as λ decreases from λ_max)."""
        target = self.y - self.y.mean() if self.output_bias else self.y
        count = 4 + 2 * self.D
        return self.most_violated(self.block_values(target, count), 0.0, count)

    def most_violated(
        self, values: np.ndarray, threshold: float, count: int
    ) -> list[tuple[int, int]]:
        flat = values.ravel()
        order = np.argsort(-flat)[:count]
        signs = self.blocks.signs
        return [
            (int(i) // len(signs), signs[int(i) % len(signs)]) for i in order if flat[i] > threshold
        ]

    def solve(self, tol: float, progress: Progress | None = None) -> FloatSolution:
        """Column generation until no block is violated, then the Newton polish (re-priced);
        the solution is returned at the scale of the data.  ``progress`` hears of each round."""
        working = self.initial_working_set()
        rounds = 0
        while rounds < MAX_ROUNDS:
            U, residual, bias, rounds = self.generate(working, tol, rounds, progress)
            solution = self.polish(working, U, residual, bias, rounds)
            values = self.block_values(solution.residual, COLUMNS_PER_ROUND)
            missed = self.most_violated(values, self.lam * (1 + 1e-12), COLUMNS_PER_ROUND)
            missed = [b for b in missed if b not in set(working)]
            if not solution.polished or not missed:
                break
            working += missed  # the polished structure missed a block: generate again
        return replace(
            solution,
            directions=solution.directions * self.unit,
            residual=solution.residual * self.unit,
            output_bias=None if solution.output_bias is None else solution.output_bias * self.unit,
        )

    def generate(self, working, tol, rounds, progress=None):
        """Rounds of (restricted solve, pricing, add the most violated blocks)."""
        while True:
            rounds += 1
            step(progress, "solving: column generation (rounds)", rounds)
            U, residual, bias = self.master(working)
            values = self.block_values(residual, COLUMNS_PER_ROUND)
            in_set = set(working)
            for cell, s in working:  # blocks already in the program are not columns to add
                values[cell, self.blocks.signs.index(s)] = 0.0
            new = [
                b
                for b in self.most_violated(values, self.lam * (1 + tol), COLUMNS_PER_ROUND)
                if b not in in_set
            ]
            if not new or rounds >= MAX_ROUNDS:
                return U, residual, bias, rounds
            working += new

    def polish(self, working, U, residual, bias, rounds) -> FloatSolution:
        """Group the active blocks into neurons, reduce to independent fits, Newton-polish."""
        norms = np.linalg.norm(U, axis=1)
        active = np.nonzero(norms > 1e-9 * max(norms.max(initial=0.0), 1e-300))[0]
        groups: dict[tuple, list[int]] = {}
        neurons: dict[tuple, Neuron] = {}
        for i in active:
            nu = self.neuron_at(working[i][0], working[i][1], residual)
            groups.setdefault(nu.key(), []).append(i)
            neurons.setdefault(nu.key(), nu)
        keys = list(groups)
        neuron_list = [neurons[k] for k in keys]
        cells = np.array([working[groups[k][0]][0] for k in keys], dtype=np.int64)
        merged = np.array([U[groups[k]].sum(axis=0) for k in keys]).reshape(len(keys), self.D)
        alpha = np.linalg.norm(merged, axis=1) / self.lam
        directions = merged / np.maximum(alpha, 1e-300)[:, None]
        unpolished = FloatSolution(
            neuron_list, cells, alpha, directions, residual, bias, rounds, len(working), False
        )
        if not keys:
            return unpolished
        ZP, M = neuron_matrices(self.rows, neuron_list)
        fits = np.stack([M[i] @ residual for i in range(len(keys))], axis=1)
        # solver noise: weights tiny against the largest, or fits tiny against y
        contribution = alpha * np.linalg.norm(fits, axis=0)
        noise = (alpha <= 1e-6 * alpha.max()) | (contribution <= 1e-9 * np.linalg.norm(self.y))
        alpha = np.where(noise, 0.0, alpha)
        alpha = independent_support(fits, alpha)
        keep = list(np.nonzero(alpha > 0)[0])
        for _ in range(POLISH_ATTEMPTS):
            polished = self.newton(neuron_list, ZP, keep, alpha, residual)
            if polished is not None:
                r, a, beta, directions = polished
                return FloatSolution(
                    [neuron_list[i] for i in keep],
                    cells[keep],
                    a,
                    directions,
                    r,
                    beta if self.output_bias else None,
                    rounds,
                    len(working),
                    True,
                )
            if not keep:
                break
            keep.remove(min(keep, key=lambda i: alpha[i]))  # the likeliest spurious neuron
        return unpolished

    def newton(self, neurons, ZP, keep, alpha, residual):
        """Newton on the reduced KKT system for the neurons ``keep``; the result is accepted
        only if α > 0, each direction lies in its neuron's cone and no block is violated."""
        chosen = [neurons[i] for i in keep]
        result = newton_polish(
            self.rows, self.y, self.lam, chosen, alpha[keep], residual, self.output_bias
        )
        if result is None:
            return None
        r, a, beta = result
        directions = np.stack([ZP[i].T @ r for i in keep]) if keep else np.zeros((0, self.D))
        if np.any(a <= 0) or not (
            self.gated
            or all(
                _in_neuron_cone(self.rows, nu, v) for nu, v in zip(chosen, directions, strict=True)
            )
        ):
            return None
        if self.block_values(r).max(initial=0.0) > self.lam * (1 + 1e-9):
            return None
        return r, a, beta, directions


def _in_neuron_cone(rows: np.ndarray, neuron: Neuron, v: np.ndarray) -> bool:
    """v is on the neuron's side of every hyperplane off its face (numerically)."""
    values = rows @ v
    off = np.ones(len(rows), dtype=bool)
    off[neuron.face] = False
    return bool(np.all((values[off] > 0) == neuron.active[off]))
