"""The optimal structure proved when the optimum is irrational (docs/theory.md §7 "Verified", §8
SCS; the proof and the certificate's checks in proofs/verified.md).

With the ℓ2 group norm the optimal residual r is algebraic, not rational, in general, so the exact
path of ``optimal_set.py`` (a rational r with an exact zero gap) does not apply.  This module
proves the combinatorial structure of the optimum instead, with ball arithmetic (python-flint
``arb``, ``PRECISION`` bits) on exact rational data:

1. **Neurons** ν (sign s_ν, active rows, face rows) come from the polished float solution, with
   independent fits.  ``P_ν`` (the orthogonal projector onto ``{u : x̃_k·u = 0, k in the face}``)
   and ``Z_ν P_ν`` are built exactly (``fmpq_mat``), ``M_ν = Z_ν P_ν Z_νᵀ`` (:func:`neuron_data`,
   with the face's hyperplanes and the tied cells).
2. **Reduced KKT system** in ``x = (r, α[, β])``: ``r + Σ α_ν M_ν r (+ β·1) = y``,
   ``½(rᵀ M_ν r − λ²) = 0`` for each ν (and ``1ᵀr = 0`` with an output bias β).
3. **Krawczyk test** on a box X around a refined midpoint: ``K(X) ⊂ interior(X)`` proves exactly
   one solution x* in X and J(x*) nonsingular (:mod:`exactrelu.optimum.reduced_system`).
4. **Strict checks on the box** (every quantity enclosed in ball arithmetic, every comparison
   decided, otherwise the outcome is *undecided* with the list of what failed): ``α_ν > 0``,
   primal feasibility and SCS with positive face multipliers
   (:mod:`exactrelu.optimum.structure_checks`), and ``‖Π_{K_b}(Z_bᵀ r)‖ < λ`` for every block
   not tied to a neuron (:mod:`exactrelu.optimum.block_bounds`).  A block ``(C, s)`` is *tied*
   to ν when ``s = s_ν`` and the pattern of C agrees with ν's active rows off the face: its cone
   contains v_ν and the SCS multipliers give ``Π_{K_b}(Z_bᵀ r) = v_ν``.

Why this proves the optimum (the proof the checker relies on): the zero x* gives convex weights
``u_ν = α_ν v_ν`` in the closed cone of each tied block (primal feasibility) with fit
``Σ α_ν M_ν r = ŷ``, and ``‖v_ν‖² = rᵀ M_ν r = λ²``, so the primal value is
``½‖r‖² + λ²Σα = D(r)`` (the fit equation and 1ᵀr = 0).  The block checks make r dual feasible
for every block (tied blocks sit exactly at λ, the others strictly below), so the gap is zero:
r is the dual optimum and the α-form solution is optimal.  The equicorrelation set E is exactly
the set of tied blocks, grouped into the given neurons; J(x*) is nonsingular, so the neuron fits
(with the column 1 when there is an output bias) are linearly independent and the neuron-merged
polytope of docs/theory.md §5 is a single point: the optimal network is unique up to permutation and
splitting (``unique_network``), and the convex solution is unique iff every neuron has one cell
(``unique_convex``).  With SCS the structure is locally constant in λ and y (docs/theory.md §8).
The block bounds hold for the program's block set; "all patterns" needs the completeness
certificate of the cell list beside this one.

Certificate format (``VerifiedStructure.certificate``; rationals as ``"p/q"`` strings)
------------------------------------------------------------------------------------------
::

    {
      "kind": "verified_structure", "version": 1, "method": "krawczyk",
      "precision_bits": 200,             # ball-arithmetic precision used by the engine
      "lam": "p/q",                      # λ of the sum scale (the system above)
      "model": "relu" | "gated", "output_bias": bool,
      "unknowns": "r[0..n-1], alpha[0..p-1], beta (only with an output bias)",
      "neurons": [{                      # in the order of alpha
          "sign": ±1, "active": [rows], "face": [rows],   # x̃_k·v > 0 / x̃_k·v = 0 (zero rows
                                         # x̃_k = 0 are in neither list: they contribute nothing)
          "hyperplanes": [{"representative": h, "rows": [k, ...], "ratios": ["c_k", ...]}],
                                         # face rows merged by hyperplane: x̃_k = c_k x̃_h
          "cells": [pattern indices],    # the blocks tied to the neuron (sign = "sign")
          "cell_bases": [{"cell": i, "rows": [k, ...]}]   # only when LICQ fails: the basis S
      }],
      "box": {"mid": ["p/q", ...], "rad": ["p/q", ...]},  # X, componentwise, in the unknowns' order
      "block_multipliers": [{"pattern": i, "sign": s, "rows": [k, ...], "values": ["p/q", ...]}]
                                         # μ_b >= 0 on cone rows k, with a_k = (2 p_k − 1) x̃_k;
                                         # every other block not tied to a neuron uses μ = 0
    }

A checker re-runs the proof from this alone (with the data, the block set and its completeness
certificate): rebuild P_ν and Z_ν P_ν exactly, pick any preconditioner C (e.g. a midpoint inverse:
the theorem holds for every C, so C is not stored), check ``K(X) ⊂ interior(X)`` and the strict
conditions above on X in ball arithmetic, with ``‖Z_bᵀ r + A_bᵀ μ_b‖ < λ`` for every block that
is not tied, and the tied blocks recomputed from the patterns (they must equal "cells").

A proved λ interval (``verify_interval``, kind ``"verified_interval"``) is the subject of
:mod:`exactrelu.optimum.verified_interval`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from flint import arb, arb_mat, ctx, fmpq, fmpq_mat

from exactrelu.exact.balls import Ball, arb_of, ball_of, fraction_of_arb
from exactrelu.exact.rationals import fmpq_matrix, integer_row, rational_str
from exactrelu.optimum.block_bounds import BlockBounds
from exactrelu.optimum.reduced_system import PRECISION
from exactrelu.optimum.structure_checks import StructureChecks
from exactrelu.program.reduced_kkt import Neuron

if TYPE_CHECKING:
    from exactrelu.optimum.verified_interval import IntervalProof


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedNeuron:
    """A neuron of the optimum, proved: sign, face, active rows, tied cells and enclosures.

    ``direction`` encloses ``v = P Z_νᵀ r`` (‖v‖ = λ), ``alpha`` its weight (``u = α v``); the
    network neuron is ``W1 = √(α/λ) v``, ``w2 = s √(αλ)`` (docs/theory.md §3).  ``multipliers``
    encloses, per face hyperplane, the two cone multipliers (side ``x_h·u < 0``, side ``x_h·u > 0``;
    a side without a cell in a sampled program is not checked and may be negative); when
    the face rows are dependent (LICQ fails) ``cell_multipliers`` holds instead, per tied cell,
    a basis of face rows and its (positive) multipliers.
    """

    sign: int
    face: tuple[int, ...]
    active: tuple[int, ...]
    cells: tuple[int, ...]
    alpha: Ball
    direction: tuple[Ball, ...]
    W1: tuple[Ball, ...]
    w2: Ball
    multipliers: tuple[tuple[Ball, Ball], ...]
    cell_multipliers: tuple[tuple[int, tuple[int, ...], tuple[Ball, ...]], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "sign": self.sign,
            "face": list(self.face),
            "active": list(self.active),
            "cells": list(self.cells),
            "alpha": self.alpha.to_json(),
            "direction": [b.to_json() for b in self.direction],
            "W1": [b.to_json() for b in self.W1],
            "w2": self.w2.to_json(),
            "face_multipliers": [[a.to_json(), b.to_json()] for a, b in self.multipliers],
            "cell_multipliers": [
                {"cell": cell, "rows": list(rows), "values": [b.to_json() for b in values]}
                for cell, rows, values in self.cell_multipliers
            ],
        }


@dataclass(frozen=True)
class VerifiedStructure:
    """The proved structure of the optimum (status ``"verified"``, docs/theory.md §7).

    ``residual`` encloses the unique dual optimum r = y − ŷ, ``optimum`` the optimal value (in
    the problem's scale), ``output_bias`` the output bias β when there is one.  The optimal
    network is unique up to permutation and splitting (``unique_network``, always True here);
    the convex solution is unique iff every neuron has a single cell (``unique_convex``).
    """

    neurons: tuple[VerifiedNeuron, ...]
    residual: tuple[Ball, ...]
    output_bias: Ball | None
    optimum: Ball
    unique_network: bool
    unique_convex: bool
    certificate_core: dict = field(repr=False)
    multiplier_tables: tuple = field(repr=False, default=())
    status: str = "verified"

    @cached_property
    def certificate(self) -> dict:
        """The certificate (format in the module docstring), built on first use."""
        entries = [entry for table in self.multiplier_tables for entry in table.entries()]
        return {**self.certificate_core, "block_multipliers": entries}

    @property
    def claims(self) -> dict[str, str]:
        names = ("neurons", "residual", "optimum", "unique_network", "unique_convex", "network")
        return {name: "verified" for name in names}

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "claims": self.claims,
            "optimum": self.optimum.to_json(),
            "residual": [b.to_json() for b in self.residual],
            "output_bias_value": None if self.output_bias is None else self.output_bias.to_json(),
            "neurons": [nu.to_json() for nu in self.neurons],
            "network": {
                "W1": [[b.to_json() for b in nu.W1] for nu in self.neurons],
                "w2": [nu.w2.to_json() for nu in self.neurons],
            },
            "unique_network": self.unique_network,
            "unique_convex": self.unique_convex,
            "certificate": self.certificate,
        }


@dataclass(frozen=True)
class Verification:
    """The outcome of an attempt: ``"verified"`` (with ``structure``), ``"undecided"`` (the
    checks that could not be decided are in ``failures``), or ``"unavailable"`` (nothing to
    verify, e.g. an unpolished float solution; the reason is in ``failures``).

    ``certificate`` is the checkable certificate of a λ interval proved by
    :func:`~exactrelu.optimum.verified_interval.verify_interval` (``lam_lo < lam_hi``, model
    ``relu``), else None; a point result carries its certificate in ``structure``."""

    status: str
    failures: tuple[str, ...]
    structure: VerifiedStructure | None = None
    interval: IntervalProof | None = field(default=None, repr=False, compare=False)

    @cached_property
    def certificate(self) -> dict | None:
        """The ``"verified_interval"`` certificate (built on first use), or None."""
        return None if self.interval is None else self.interval.certificate()


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def verify_structure(problem, solution) -> VerifiedStructure | None:
    """The verified structure of the optimum of ``problem``, or None if it could not be proved.

    ``solution`` is ``problem.solve()``; its polished float solution proposes the neurons.  Use
    :func:`verify` for the reasons of a failure.
    """
    return verify(problem, solution).structure


def verify(problem, solution) -> Verification:
    """Prove the structure proposed by ``solution.numeric`` (docs/theory.md §7); see the module
    doc."""
    found = solution.numeric
    if not found.polished:
        return Verification(
            "unavailable",
            (
                "the float solution is not polished (Newton on the reduced KKT system failed), so "
                "its neurons are not a candidate structure with independent fits",
            ),
        )
    return verify_neurons(
        problem, found.neurons, found.residual, found.alpha, found.output_bias, polish=False
    )


def verify_neurons(
    problem,
    neurons: list[Neuron],
    residual: np.ndarray,
    alpha: np.ndarray,
    output_bias: float | None = None,
    polish: bool = True,
    cache: dict | None = None,
) -> Verification:
    """Prove that ``neurons`` are exactly the neurons of the optimum of ``problem``.

    ``residual``, ``alpha`` (and ``output_bias``) are a float starting point of the reduced KKT
    system; it is Newton-polished first (``polish``; already done for a polished solution).
    Any structure can be proposed: a wrong one is never verified (the outcome is ``"undecided"``
    with the failed checks).  ``cache``: a dict kept by the caller across calls on problems
    with the same data and block set (e.g. one λ path), holding each neuron's exact matrices.
    """
    if len(neurons) == 0:
        return Verification(
            "unavailable", ("no neurons proposed (a zero optimal network is rational: exact path)",)
        )
    with ctx.workprec(PRECISION):
        return _Verifier(problem, neurons, cache=cache).run(residual, alpha, output_bias, polish)


# ---------------------------------------------------------------------------------------------
# Exact per-neuron data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hyperplane:
    """Face rows on one hyperplane through the origin: ``x̃_k = ratio · x̃_h`` for the
    representative row h."""

    representative: int
    rows: tuple[int, ...]
    ratios: tuple[Fraction, ...]  # x̃_k = ratio · x̃_h


@dataclass(frozen=True)
class NeuronData:
    """The exact data of one proposed neuron ν on the problem's rows (see the module doc, 1.)."""

    neuron: Neuron
    face: tuple[int, ...]  # all face rows, zero rows included
    hyperplanes: tuple[Hyperplane, ...]
    licq: bool
    ZP: fmpq_mat  # Z_ν P_ν (n × D)
    Zt: fmpq_mat  # Z_νᵀ (D × n)
    XV: arb_mat  # X̃ (Z_ν P_ν)ᵀ (n × n): r ↦ (x̃_k·v_ν)_k, for the feasibility check
    multiplier_rows: fmpq_mat | None  # 2h × n: the face multipliers are linear in r
    complement: fmpq_mat  # I − P_ν: the projector onto the span of the face rows
    cells: np.ndarray  # patterns of the blocks tied to the neuron


def hyperplanes(rows: list[list[Fraction]], face: list[int]) -> list[Hyperplane]:
    """Face rows grouped by hyperplane (parallel rows merged), each with its ratios to the
    group's first row."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for k in face:
        key = integer_row(rows[k])
        first = next(v for v in key if v != 0)
        key = tuple(v if first > 0 else -v for v in key)
        groups.setdefault(key, []).append(k)
    out = []
    for members in groups.values():
        h = members[0]
        j = next(i for i, v in enumerate(rows[h]) if v != 0)
        out.append(Hyperplane(h, tuple(members), tuple(rows[k][j] / rows[h][j] for k in members)))
    return out


def neuron_data(rows, X: fmpq_mat, patterns: np.ndarray, neuron: Neuron, gated: bool):
    """The exact data of ``neuron`` on ``rows`` (X their ``fmpq_mat``): its face (zero rows
    included) merged by hyperplane, LICQ, ``Z_ν P_ν``, ``Z_νᵀ``, the face multipliers as rows
    linear in r (under LICQ) and the patterns of the blocks tied to it."""
    n, D = X.nrows(), X.ncols()
    zero = [k for k in range(n) if not any(rows[k])]
    face = sorted(set(int(k) for k in neuron.face) | set(zero))
    planes = hyperplanes(rows, [k for k in face if k not in zero])
    active = [bool(neuron.active[k]) and k not in face for k in range(n)]
    Zt = fmpq_matrix(
        [[neuron.sign * rows[k][j] if active[k] else 0 for k in range(n)] for j in range(D)]
    )
    licq, multiplier_rows = True, None
    if planes:
        B = fmpq_matrix([rows[p.representative] for p in planes])
        licq = B.rank() == len(planes)
        if not licq:  # the face's span from the nonzero rows of the reduced row echelon form
            reduced, rank = B.rref()
            B = fmpq_mat([[reduced[i, j] for j in range(D)] for i in range(rank)])
        G_inv_B = (B * B.transpose()).solve(B)  # (B Bᵀ)⁻¹ B
        complement = B.transpose() * G_inv_B
        if licq:
            multiplier_rows = _multiplier_rows(planes, G_inv_B * Zt, neuron.sign, n)
    else:
        complement = fmpq_mat(D, D)
    P = fmpq_mat([[int(i == j) for j in range(D)] for i in range(D)]) - complement
    off = np.ones(n, dtype=bool)
    off[face] = False
    tied = np.all(patterns[:, off] == np.asarray(active, dtype=bool)[off], axis=1)
    return NeuronData(
        neuron,
        tuple(face),
        tuple(planes),
        licq,
        Zt.transpose() * P,
        Zt,
        arb_mat(X * P * Zt),
        multiplier_rows,
        complement,
        np.nonzero(tied)[0],
    )


def _multiplier_rows(planes, gamma_rows: fmpq_mat, sign: int, n: int) -> fmpq_mat:
    """Rows L with ``L r`` = the two multipliers of each face hyperplane (docs/theory.md §8):
    ``γ_H + s Σ_{c_k<0} c_k r_k`` and ``−γ_H − s Σ_{c_k>0} c_k r_k``, with ``γ = Γ r``."""
    out = []
    for i, plane in enumerate(planes):
        gamma = [gamma_rows[i, k] for k in range(n)]
        negative_side = list(gamma)
        positive_side = [-g for g in gamma]
        for k, c in zip(plane.rows, plane.ratios, strict=True):
            q = fmpq(c.numerator, c.denominator) * sign
            if c < 0:
                negative_side[k] += q
            else:
                positive_side[k] -= q
        out += [negative_side, positive_side]
    return fmpq_mat(out)


# ---------------------------------------------------------------------------------------------
# The verifier
# ---------------------------------------------------------------------------------------------


class _Verifier(StructureChecks, BlockBounds):
    """One verification: exact data of the neurons, the reduced system in ball arithmetic, the
    Krawczyk test (:class:`~exactrelu.optimum.reduced_system.ReducedSystem`) and the strict
    checks (:class:`~exactrelu.optimum.structure_checks.StructureChecks`,
    :class:`~exactrelu.optimum.block_bounds.BlockBounds`); ``failures`` collects what could not
    be decided."""

    def exact_data(self, neuron: Neuron) -> NeuronData:
        return neuron_data(self.rows, self.X, self.blocks.patterns, neuron, self.gated)

    def run(self, residual, alpha, output_bias, polish: bool) -> Verification:
        start = self.float_start(residual, alpha, output_bias, polish)
        if start is None:
            return Verification("undecided", tuple(self.failures))
        x_float, C = start
        C_arb = arb_mat(C.tolist())
        x = self.refine([arb(v) for v in x_float], C_arb)
        if not all(v.is_finite() for v in x):
            self.failures.append("the refinement of the float solution diverged")
            return Verification("undecided", tuple(self.failures))
        self.r_float = [float(v) for v in x[: self.n]]
        return self.prove(x, C_arb, C)

    def prove(self, x: list[arb], C: arb_mat, C_float: np.ndarray) -> Verification:
        """The Krawczyk box around the refined midpoint x and the strict checks on it (C the
        preconditioner, ``C_float`` its float original)."""
        radii = self.krawczyk(x, C)
        if radii is None:
            return Verification("undecided", tuple(self.failures))
        balls = [arb(m, r) for m, r in zip(x, radii, strict=True)]
        r, alpha_balls, beta = self.split(balls)
        directions = self.check_neurons(r, alpha_balls)
        multipliers = self.check_faces(r)
        tables = self.check_blocks(x[: self.n], max(radii[: self.n]))
        if self.failures:
            return Verification("undecided", tuple(self.failures))
        structure = self.structure(x, radii, balls, directions, multipliers, tables)
        return Verification("verified", (), structure)

    # -- the result -----------------------------------------------------------------------------
    def listed(self, data: NeuronData) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """A neuron's face (nonzero rows), active rows off the face and tied cells, as listed."""
        face = tuple(k for k in data.face if any(self.rows[k]))
        active = tuple(int(k) for k in np.nonzero(data.neuron.active)[0] if k not in data.face)
        return face, active, tuple(int(c) for c in data.cells)

    def neuron_entries(self, multipliers: list[list]) -> list[dict]:
        """The certificate's neurons (format in the module docstring); ``multipliers`` is the
        output of :meth:`check_faces` (without LICQ it names each tied cell's basis)."""
        out = []
        for data, found in zip(self.data, multipliers, strict=True):
            face, active, cells = self.listed(data)
            entry = {
                "sign": data.neuron.sign,
                "active": list(active),
                "face": list(face),
                "hyperplanes": [
                    {
                        "representative": h.representative,
                        "rows": list(h.rows),
                        "ratios": [rational_str(c) for c in h.ratios],
                    }
                    for h in data.hyperplanes
                ],
                "cells": list(cells),
            }
            if not data.licq:
                entry["cell_bases"] = [
                    {"cell": cell, "rows": list(rows)} for cell, rows, _ in found
                ]
            out.append(entry)
        return out

    def structure(self, x, radii, balls, directions, multipliers, tables) -> VerifiedStructure:
        r, alpha, beta = self.split(balls)
        lam = arb_of(self.lam)
        neurons = []
        for i, data in enumerate(self.data):
            a = alpha[i]
            scale1 = (a / lam).sqrt()
            w2 = (a * lam).sqrt() * data.neuron.sign
            face, active, cells = self.listed(data)
            neurons.append(
                VerifiedNeuron(
                    sign=data.neuron.sign,
                    face=face,
                    active=active,
                    cells=cells,
                    alpha=ball_of(a),
                    direction=tuple(ball_of(v) for v in directions[i]),
                    W1=tuple(ball_of(scale1 * v) for v in directions[i]),
                    w2=ball_of(w2),
                    multipliers=tuple(
                        (ball_of(a_), ball_of(b_))
                        for a_, b_ in (multipliers[i] if data.licq else [])
                    ),
                    cell_multipliers=tuple(
                        (cell, rows, tuple(ball_of(m) for m in mus))
                        for cell, rows, mus in ([] if data.licq else multipliers[i])
                    ),
                )
            )
        value = sum((r[k, 0] * r[k, 0] for k in range(self.n)), arb(0)) / 2
        value += self.lam2 * sum(alpha, arb(0))
        if self.problem.scale == "mean":
            value /= self.n
        certificate = {
            "kind": "verified_structure",
            "version": 1,
            "method": "krawczyk",
            "precision_bits": PRECISION,
            "lam": rational_str(self.lam),
            "model": "gated" if self.gated else "relu",
            "output_bias": self.output_bias,
            "unknowns": "r[0..n-1], alpha[0..p-1], beta (only with an output bias)",
            "neurons": self.neuron_entries(multipliers),
            "box": {
                "mid": [rational_str(fraction_of_arb(v)) for v in x],
                "rad": [rational_str(Fraction(v)) for v in radii],
            },
        }
        return VerifiedStructure(
            neurons=tuple(neurons),
            residual=tuple(ball_of(r[k, 0]) for k in range(self.n)),
            output_bias=None if beta is None else ball_of(beta),
            optimum=ball_of(value),
            unique_network=True,
            unique_convex=all(len(nu.cells) == 1 for nu in neurons),
            certificate_core=certificate,
            multiplier_tables=tuple(tables),
        )
