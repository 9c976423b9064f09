"""Optimal sets with mirror ties, proved in ball arithmetic (proofs/mirror_ties.md).

At small λ the optimal residual often satisfies ``X̃ᵀr = 0``; then every neuron's mirror
(same sign, direction −v) reaches λ too, the fits are dependent, and the proof of
:mod:`exactrelu.optimum.verified` (independent fits) cannot apply.  Here the structure is
proposed with mirror pairs collapsed (neurons B, weights a) and a free linear term ``Q w``
(Q: a basis of range(X̃), with the column 1 when an unregularized output bias is outside it):

    r + Σ a_ν M_ν r + Q w = y,    ½(rᵀ M_ν r − λ²) = 0,    Qᵀ r = 0.

The Krawczyk test proves its unique zero in a box; the strict checks of the verified route
(a > 0, primal feasibility, face multipliers) hold for B, the blocks tied to B or to a mirror
sit at λ exactly (Lemma 3 of the proof: Qᵀr = 0 is an equation of the system), every other
block is bounded below λ, and the optimal networks are the points of the trade polytope
``T = {t : 0 <= t <= a, Σ t_ν s_ν C v_ν (− b e) = −w}`` (``X̃ = X̃_J C``): weight ``a_ν − t_ν``
on ν and ``t_ν`` on its mirror.  They all compute the same function on R^d (Corollary 6).
The vertices of T (the minimal networks) are enumerated in ball arithmetic
(:mod:`exactrelu.optimum.trade_polytope`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property

import numpy as np
from flint import arb, arb_mat, ctx, fmpq_mat
from scipy.optimize import linprog

from exactrelu.exact.balls import Ball, arb_column, arb_of, ball_of
from exactrelu.exact.rationals import fmpq_matrix, fraction_of, rational_str
from exactrelu.optimum.reduced_system import PRECISION
from exactrelu.optimum.trade_polytope import TradePolytope, enumerate_vertices
from exactrelu.optimum.verified import (
    NeuronData,
    Verification,
    _Verifier,
    neuron_data,
)
from exactrelu.program.reduced_kkt import Neuron, neuron_matrices

MIRROR_PROPOSAL = 1e-8
"""A float solution with ``‖X̃ᵀr‖ <= MIRROR_PROPOSAL·‖X̃‖·‖r‖`` proposes mirror ties (a float
proposes; the proof decides)."""
DEFAULT_MAX_NETWORKS = 10_000
NEWTON_STEPS = 30
"""Float Newton steps on the system before the ball-arithmetic refinement."""


# ---------------------------------------------------------------------------------------------
# The proposal
# ---------------------------------------------------------------------------------------------


def mirror_of(neuron: Neuron, n: int, zero_rows: set[int]) -> Neuron:
    """The mirror neuron: same sign and face, the other side of every other nonzero row."""
    active = ~np.asarray(neuron.active, dtype=bool)
    for k in set(int(f) for f in neuron.face) | zero_rows:
        active[k] = k in zero_rows
    return Neuron(neuron.sign, active, np.asarray(neuron.face))


def mirrored_cells(
    mirror: NeuronData, data: NeuronData, patterns: np.ndarray, zero: set[int]
) -> NeuronData:
    """The mirror's cells are the mirrored cells of ν's cells that are in the program
    (proofs/mirror_ties.md, M5): only those sit at λ by Lemma 3 (the face multipliers of ν's
    cells are proved).  A pattern tied to ν̄ whose mirror is not in a given pattern list stays an
    ordinary block, bounded below λ or left undecided."""
    nonzero = [k for k in range(patterns.shape[1]) if k not in zero]
    mirrored = {(~patterns[c][nonzero]).tobytes() for c in data.cells}
    keep = [c for c in mirror.cells if patterns[c][nonzero].tobytes() in mirrored]
    return replace(mirror, cells=np.asarray(keep, dtype=np.asarray(mirror.cells).dtype))


def proposes_mirror_ties(problem, found) -> bool:
    """The float solution has ``X̃ᵀr ≈ 0`` (a proposal, never a proof)."""
    rows = problem.rows_float
    r = np.asarray(found.residual, float)
    scale = np.linalg.norm(rows) * np.linalg.norm(r)
    return scale > 0 and np.linalg.norm(rows.T @ r) <= MIRROR_PROPOSAL * scale


def collapse_pairs(problem, found) -> tuple[list[Neuron], np.ndarray, np.ndarray]:
    """Neurons B (one of each mirror pair, the heavier), their weights a = α_ν + α_ν̄ and the
    float trades t = α of the dropped partner."""
    n = problem.n
    zero = {k for k in range(n) if not any(problem.rows[k])}
    keys = {nu.key(): i for i, nu in enumerate(found.neurons)}
    kept, weights, trades, done = [], [], [], set()
    for i, nu in enumerate(found.neurons):
        if i in done:
            continue
        j = keys.get(mirror_of(nu, n, zero).key())
        if j is None or j in done or j == i:
            kept.append(nu)
            weights.append(found.alpha[i])
            trades.append(0.0)
            done.add(i)
            continue
        heavy, light = (i, j) if found.alpha[i] >= found.alpha[j] else (j, i)
        kept.append(found.neurons[heavy])
        weights.append(found.alpha[i] + found.alpha[j])
        trades.append(found.alpha[light])
        done |= {i, j}
    return kept, np.array(weights), np.array(trades)


def vertex_support(problem, residual, neurons: list[Neuron], weights: np.ndarray, free):
    """A vertex of ``{a >= 0, w : F a + Q w = y − r}`` in floats (HiGHS, a random cost): the
    solver's point may use more neurons than independent fits; a vertex keeps a subset whose
    fits and Q are independent.  A proposal only: the proof runs on the subset."""
    if not neurons:
        return neurons, weights
    rows = problem.rows_float
    r = np.asarray(residual, float)
    _, M = neuron_matrices(rows, neurons)
    F = np.stack([m @ r for m in M], axis=1)
    Q = np.array([[float(free.Q[k, j]) for j in range(free.Q.ncols())] for k in range(len(r))])
    A = np.hstack([F, Q])
    cost = np.concatenate(
        [np.random.default_rng(0).uniform(1, 2, len(neurons)), np.zeros(len(Q[0]))]
    )
    bounds = [(0, None)] * len(neurons) + [(None, None)] * Q.shape[1]
    result = linprog(cost, A_eq=A, b_eq=problem.y_float - r, bounds=bounds, method="highs-ds")
    if result.status != 0:
        return neurons, weights
    a = result.x[: len(neurons)]
    keep = [i for i in range(len(neurons)) if a[i] > 1e-12 * max(1.0, a.max())]
    return [neurons[i] for i in keep], a[keep]


@dataclass(frozen=True)
class FreeColumns:
    """Q (n × q, exact): the pivot columns J of X̃ and, with an output bias outside range(X̃),
    the column 1; ``C`` (rank × D) with ``X̃ = X̃_J C``; ``ones`` the coordinates of 1 in Q's
    basis (None without an output bias)."""

    Q: fmpq_mat
    C: fmpq_mat
    columns: tuple[int, ...]
    ones: tuple[Fraction, ...] | None
    rank: int


def free_columns(rows: list[list[Fraction]], output_bias: bool) -> FreeColumns:
    X = fmpq_matrix(rows)
    reduced, rank = X.rref()
    pivots, j = [], 0
    for i in range(rank):
        while reduced[i, j] == 0:
            j += 1
        pivots.append(j)
    n, D = X.nrows(), X.ncols()
    C = fmpq_mat([[reduced[i, j] for j in range(D)] for i in range(rank)])
    Q_rows = [[X[k, j] for j in pivots] for k in range(n)]
    ones = None
    if output_bias:
        with_one = fmpq_mat([row + [1] for row in Q_rows])
        if with_one.rank() > rank:
            Q_rows = [row + [1] for row in Q_rows]
            ones = tuple([Fraction(0)] * rank + [Fraction(1)])
        else:
            XJ = fmpq_mat(Q_rows)
            coef = (XJ.transpose() * XJ).solve(XJ.transpose() * fmpq_mat([[1]] * n))
            ones = tuple(fraction_of(coef[i, 0]) for i in range(rank))
    return FreeColumns(fmpq_mat(Q_rows), C, tuple(pivots), ones, rank)


# ---------------------------------------------------------------------------------------------
# The verifier
# ---------------------------------------------------------------------------------------------


class _MirrorVerifier(_Verifier):
    """The verified route's checks on the system with the free linear term (module doc)."""

    def __init__(
        self,
        problem,
        neurons: list[Neuron],
        free: FreeColumns,
        max_networks: int = DEFAULT_MAX_NETWORKS,
        cache=None,
    ) -> None:
        super().__init__(problem, neurons, cache=cache)
        self.max_networks = max_networks  # vertices walked and listed at most
        self.free = free
        self.q = free.Q.ncols()
        self.N = self.n + self.p + self.q
        self.Q = arb_mat(free.Q)
        zero = {k for k in range(self.n) if not any(self.rows[k])}
        self.mirrors = [mirror_of(nu, self.n, zero) for nu in neurons]
        self.mirror_data: list[NeuronData] = [
            mirrored_cells(
                neuron_data(self.rows, self.X, self.blocks.patterns, nu, self.gated),
                data,
                self.blocks.patterns,
                zero,
            )
            for nu, data in zip(self.mirrors, self.data, strict=True)
        ]

    def tied_data(self) -> list:
        return self.data + self.mirror_data

    def split(self, x: list[arb]):
        """(r, a, None): the free term w is apart (:meth:`free_term`), so that the structure
        of the verified route (no output-bias unknown) is built unchanged."""
        n, p = self.n, self.p
        return arb_column(x[:n]), x[n : n + p], None

    def free_term(self, x: list[arb]) -> list[arb]:
        return x[self.n + self.p :]

    def equations(self, x: list[arb]) -> list[arb]:
        r, alpha, _ = self.split(x)
        w = self.free_term(x)
        F = self.fits(r)
        first = r + F * arb_column(alpha) + self.Q * arb_column(w) - self.y
        values = [first[i, 0] for i in range(self.n)]
        rMr = F.transpose() * r
        values += [(rMr[i, 0] - self.lam2) / 2 for i in range(self.p)]
        Qr = self.Q.transpose() * r
        values += [Qr[j, 0] for j in range(self.q)]
        return values

    def free_rows(self) -> list[list[arb]]:
        return self.Q.tolist()

    def float_start(self, residual, alpha, output_bias, polish: bool):
        """Newton on the system in floats from the solver's point (which may be far from a
        vertex and only as accurate as the conic solver); its inverse Jacobian is C."""
        rows_f, y_f, lam = self.problem.rows_float, self.problem.y_float, float(self.lam)
        r, a = np.asarray(residual, float), np.asarray(alpha, float)
        _, M = neuron_matrices(rows_f, self.neurons)
        Q = np.array([[float(self.free.Q[k, j]) for j in range(self.q)] for k in range(self.n)])
        w = np.linalg.lstsq(Q, y_f - r - np.stack([m @ r for m in M], axis=1) @ a, rcond=None)[0]
        n, p = self.n, self.p
        C, best = None, (np.inf, np.concatenate([r, a, w]))
        for _ in range(NEWTON_STEPS):
            F = np.stack([m @ r for m in M], axis=1)
            J = np.zeros((self.N, self.N))
            J[:n, :n] = np.eye(n) + sum(a[i] * M[i] for i in range(p))
            J[:n, n : n + p] = F
            J[n : n + p, :n] = F.T
            J[:n, n + p :] = Q
            J[n + p :, :n] = Q.T
            try:
                C = np.linalg.inv(J)
            except np.linalg.LinAlgError:
                C = None
                break
            value = np.concatenate(
                [r + F @ a + Q @ w - y_f, (np.einsum("k,kj->j", r, F) - lam**2) / 2, Q.T @ r]
            )
            size = np.linalg.norm(value)
            if not size < best[0]:
                break
            best = (size, np.concatenate([r, a, w]))
            step = C @ value
            r, a, w = r - step[:n], a - step[n : n + p], w - step[n + p :]
            if np.linalg.norm(step) <= 1e-15 * (1 + np.linalg.norm(np.concatenate([r, a, w]))):
                break
        return best[1]

    def run(self, residual, alpha, output_bias, polish: bool) -> Verification:
        """Newton in ball arithmetic from the float start (the system can be far too
        ill-conditioned for float64 at small λ): midpoints only, the exact inverse Jacobian
        at the midpoint as the preconditioner C of the Krawczyk test."""
        x = [arb(float(v)) for v in self.float_start(residual, alpha, output_bias, polish)]
        C = None
        for _ in range(NEWTON_STEPS):
            try:
                C = _midpoints(self.jacobian(x).inv())
            except ZeroDivisionError:
                self.failures.append(
                    "the neuron fits and range(X̃) are dependent (singular Jacobian)"
                )
                return Verification("undecided", tuple(self.failures))
            step = C * arb_column(self.equations(x))
            x = [(v - step[i, 0]).mid() for i, v in enumerate(x)]
            size = max(abs(float(step[i, 0].mid())) for i in range(self.N))
            if not all(v.is_finite() for v in x):
                self.failures.append("Newton's method on the system diverged")
                return Verification("undecided", tuple(self.failures))
            if size <= 2.0 ** (-PRECISION + 20) * max(abs(float(v)) for v in x):
                break
        self.r_float = [float(v) for v in x[: self.n]]
        return self.prove(x, C, None)

    def radii(self, x: list[arb], relative: float) -> list[float]:
        n, p = self.n, self.p
        r_scale = max(abs(float(v)) for v in x[:n]) or 1.0
        a_scale = max(abs(float(v)) for v in x[n : n + p]) or 1.0
        w_scale = max([abs(float(v)) for v in x[n + p :]] + [r_scale])
        return [relative * r_scale] * n + [relative * a_scale] * p + [relative * w_scale] * self.q

    def prove(self, x: list[arb], C: arb_mat, C_float: np.ndarray) -> Verification:
        radii = self.krawczyk(x, C)
        if radii is None:
            return Verification("undecided", tuple(self.failures))
        balls = [arb(m, r) for m, r in zip(x, radii, strict=True)]
        r, alpha, _ = self.split(balls)
        w = self.free_term(balls)
        directions = self.check_neurons(r, alpha)
        multipliers = self.check_faces(r)
        tables = self.check_blocks(x[: self.n], max(radii[: self.n]))
        if self.failures:
            return Verification("undecided", tuple(self.failures))
        polytope = self.trades(directions, alpha, w)
        if not polytope.vertices:
            self.failures.append(f"the trade polytope: {polytope.failure}")
            return Verification("undecided", tuple(self.failures))
        base = self.structure(x, radii, balls, directions, multipliers, tables)
        structure = MirrorStructure(
            base=base,
            mirror_cells=tuple(tuple(int(c) for c in d.cells) for d in self.mirror_data),
            mirror_active=tuple(
                tuple(int(k) for k in np.nonzero(d.neuron.active)[0] if k not in d.face)
                for d in self.mirror_data
            ),
            tradeable=self.tradeable,
            alpha=tuple(alpha),
            directions=tuple(tuple(v) for v in directions),
            polytope=polytope,
            free=self.free,
            w=tuple(ball_of(v) for v in w),
            lam=self.lam,
            scale_n=self.n if self.problem.scale == "mean" else 1,
            output_bias=self.output_bias,
            unique_function=self.function_proved(),
        )
        return Verification("verified", (), structure)

    def function_proved(self) -> bool | None:
        """Corollary 6 of proofs/mirror_ties.md: one function on R^d without an output bias,
        when 1 ∉ range(X̃) (the output bias is not traded), or with a hidden bias and rank X̃ = D
        (then a fit-preserving trade is zero); otherwise not claimed (None)."""
        appended = self.free.Q.ncols() > self.free.rank
        if not self.output_bias or appended:
            return True
        return True if self.problem.bias and self.free.rank == self.D else None

    def trades(self, directions, alpha, w) -> TradePolytope:
        """The trade polytope's vertices: columns ``s_ν C v_ν`` of the tradeable neurons (those
        whose mirror has a cell in the program), right side −w, the output bias free."""
        self.tradeable = tuple(i for i, d in enumerate(self.mirror_data) if len(d.cells))
        C = arb_mat(self.free.C)
        rank = self.free.rank
        columns = []
        for i in self.tradeable:
            coords = C * arb_column(directions[i])
            sign = self.data[i].neuron.sign
            column = [sign * coords[k, 0] for k in range(rank)]
            columns.append(column + [arb(0)] * (self.q - rank))
        V = arb_mat([[columns[j][k] for j in range(len(columns))] for k in range(self.q)])
        e = None if self.free.ones is None else [-arb_of(v) for v in self.free.ones]
        upper = [alpha[i] for i in self.tradeable]
        return enumerate_vertices(V, [-v for v in w], upper, e, self.max_networks, self.zero_slope)

    def zero_slope(self, others: tuple[int, ...], j: int) -> bool:
        """Columns ``others`` and j of V (tradeable indices) are all orthogonal to
        ``ℓ = (row k of X̃_J, 0)`` for a face row k they share (``x̃_k·v_ν = 0`` exactly on the
        face), and so is e: then, the basis being nonsingular, column j is in the span of the
        others (proofs/mirror_ties.md §3)."""
        faces = [
            {k for k in self.data[self.tradeable[i]].face if any(self.rows[k])}
            for i in (*others, j)
        ]
        for k in set.intersection(*faces):
            ell = [fraction_of(self.free.Q[k, t]) for t in range(self.free.rank)]
            ones = self.free.ones
            if (
                ones is None
                or sum((a * b for a, b in zip(ell, ones[: self.free.rank], strict=True)), 0) == 0
            ):
                return True
        return False


def _midpoints(M: arb_mat) -> arb_mat:
    return arb_mat([[M[i, j].mid() for j in range(M.ncols())] for i in range(M.nrows())])


def verify_mirror_ties(
    problem, solution, max_networks: int = DEFAULT_MAX_NETWORKS, cache=None
) -> Verification:
    """Prove the optimal set with mirror ties proposed by ``solution.numeric`` (module doc)."""
    found = solution.numeric
    neurons, weights, _ = collapse_pairs(problem, found)
    free = free_columns(problem.rows, problem.output_bias)
    neurons, weights = vertex_support(problem, found.residual, neurons, weights, free)
    if not neurons:
        return Verification("unavailable", ("no neurons proposed",))
    with ctx.workprec(PRECISION):
        verifier = _MirrorVerifier(problem, neurons, free, max_networks, cache=cache)
        return verifier.run(found.residual, weights, found.output_bias, polish=False)


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MirrorStructure:
    """The proved optimal set with mirror ties: the neurons B (``base.neurons``), their mirrors,
    and the vertices of the trade polytope (the minimal networks)."""

    base: object = field(repr=False)  # the VerifiedStructure of B (box, checks, certificate)
    mirror_cells: tuple[tuple[int, ...], ...]
    mirror_active: tuple[tuple[int, ...], ...]
    tradeable: tuple[int, ...]
    alpha: tuple[arb, ...] = field(repr=False)  # the enclosures of a on the box
    directions: tuple[tuple[arb, ...], ...] = field(repr=False)  # of v_ν on the box
    polytope: TradePolytope = field(repr=False)
    free: FreeColumns = field(repr=False)
    w: tuple[Ball, ...]
    lam: Fraction
    scale_n: int
    output_bias: bool
    unique_function: bool | None = True  # Corollary 6; None where a trade may add an affine map
    status: str = "verified"

    @property
    def neurons(self):
        return self.base.neurons

    @property
    def residual(self):
        return self.base.residual

    @property
    def optimum(self) -> Ball:
        return self.base.optimum

    @property
    def complete(self) -> bool:
        return self.polytope.complete

    @property
    def count(self) -> int:
        return len(self.polytope.vertices)

    @property
    def unique_network(self) -> bool | None:
        if self.count > 1:
            return False
        return True if self.complete else None

    @property
    def unique_convex(self) -> bool | None:
        if self.unique_network is False:
            return False
        if self.unique_network is None:
            return None
        # one network: every neuron and the mirror of every tradeable one is used
        one = all(len(self.mirror_cells[i]) == 1 for i in self.tradeable)
        return one and self.base.unique_convex

    @property
    def min_width(self) -> int | None:
        """Every proved vertex is nondegenerate: its support is one neuron per coordinate at a
        bound and two per basic coordinate; the fewest over a complete list."""
        if not self.complete:
            return None
        return min(self._support_size(v) for v in self.polytope.vertices)

    def _support_size(self, vertex) -> int:
        basis, _ = vertex.key
        return len(self.neurons) + len(basis)

    def weights(self, vertex) -> list[tuple[int, bool, arb]]:
        """(neuron, is_mirror, β) of a vertex's network: β = a − t on ν, t on ν̄."""
        _, upper = vertex.key
        basis = set(vertex.key[0])
        out = []
        tradeable = {i: j for j, i in enumerate(self.tradeable)}
        for i, a in enumerate(self.alpha):
            j = tradeable.get(i)
            if j is None:
                out.append((i, False, a))
                continue
            t = vertex.t[j]
            if j in basis:
                out += [(i, False, a - t), (i, True, t)]
            elif j in upper:
                out.append((i, True, t))
            else:
                out.append((i, False, a))
        return out

    @cached_property
    def certificate(self) -> dict:
        core = dict(self.base.certificate)
        core["mirror_ties"] = {
            "free_columns": [
                [rational_str(fraction_of(self.free.Q[k, j])) for j in range(self.free.Q.ncols())]
                for k in range(self.free.Q.nrows())
            ],
            "unknowns": "r[0..n-1], a[0..p-1], w[0..q-1]",
            "mirrors": [
                {
                    "of": i,
                    "active": list(self.mirror_active[i]),
                    "cells": list(self.mirror_cells[i]),
                }
                for i in range(len(self.neurons))
            ],
            "tradeable": list(self.tradeable),
            "vertices": [
                {"basic": list(v.key[0]), "at_upper": list(v.key[1])}
                for v in self.polytope.vertices
            ],
            "complete": self.complete,
        }
        return core

    @property
    def claims(self) -> dict[str, str]:
        names = ("neurons", "residual", "optimum", "minimal_networks")
        out = {name: "verified" for name in names}
        if self.unique_function is not None:
            out["unique_function"] = "verified"
        if self.complete:
            out.update(
                {
                    name: "verified"
                    for name in ("unique_network", "count_minimal_networks", "min_width")
                }
            )
        return out

    def to_json(self) -> dict[str, object]:
        lam = arb_of(self.lam)
        networks = []
        for vertex in self.polytope.vertices:
            entries = []
            for i, mirror, beta in self.weights(vertex):
                sign = -1 if mirror else 1
                direction = [v * sign for v in self.directions[i]]
                entries.append((i, mirror, beta, direction, self.neurons[i].sign))
            networks.append(
                {
                    "neurons": [[i, bool(m)] for i, m, *_ in entries],
                    "alpha_form": [
                        {
                            "alpha": ball_of(beta).to_json(),
                            "direction": [ball_of(v).to_json() for v in d],
                            "sign": s,
                        }
                        for _, _, beta, d, s in entries
                    ],
                    "network": {
                        "W1": [
                            [ball_of((beta / lam).sqrt() * v).to_json() for v in d]
                            for _, _, beta, d, _ in entries
                        ],
                        "w2": [
                            ball_of((beta * lam).sqrt() * s).to_json()
                            for _, _, beta, _, s in entries
                        ],
                        "output_bias": None if vertex.b is None else ball_of(vertex.b).to_json(),
                    },
                }
            )
        out = self.base.to_json()
        out.update(
            {
                "status": self.status,
                "claims": self.claims,
                "mirror_ties": True,
                "mirrors": [
                    {
                        "of": i,
                        "sign": nu.sign,
                        "face": list(nu.face),
                        "active": list(self.mirror_active[i]),
                        "cells": list(self.mirror_cells[i]),
                        "direction": [Ball(-b.mid, b.rad).to_json() for b in nu.direction],
                    }
                    for i, nu in enumerate(self.neurons)
                ],
                "unique_network": self.unique_network,
                "unique_convex": self.unique_convex,
                "unique_function": self.unique_function,
                "network": networks[0]["network"],  # one optimal network: the first vertex
                "minimal_networks": networks,
                "count_minimal_networks": self.count,
                "count_is_lower_bound": not self.complete,
                "min_width": self.min_width,
                "certificate": self.certificate,
            }
        )
        return out
