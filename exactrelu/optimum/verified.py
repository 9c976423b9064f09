"""The optimal structure proved when the optimum is irrational (docs/theory.md §7 "Verified", §8
SCS).

With the ℓ2 group norm the optimal residual r is algebraic, not rational, in general, so the exact
path of ``optimal_set.py`` (a rational r with an exact zero gap) does not apply.  This module
proves the combinatorial structure of the optimum instead, with ball arithmetic (python-flint
``arb``, ``PRECISION`` bits) on exact rational data:

1. **Neurons** ν (sign s_ν, active rows, face rows) come from the polished float solution, with
   independent fits.  ``P_ν`` (the orthogonal projector onto ``{u : x̃_k·u = 0, k in the face}``)
   and ``Z_ν P_ν`` are built exactly (``fmpq_mat``), ``M_ν = Z_ν P_ν Z_νᵀ``.
2. **Reduced KKT system** in ``x = (r, α[, β])``: ``r + Σ α_ν M_ν r (+ β·1) = y``,
   ``½(rᵀ M_ν r − λ²) = 0`` for each ν (and ``1ᵀr = 0`` with an output bias β).
3. **Krawczyk test** (Krawczyk 1969; Moore 1977; Rump 1983, see Neumaier, *Interval Methods for
   Systems of Equations*, 1990, Thm. 5.1.7): for a box ``X = x̃ + [−ρ, ρ]``, any matrix C and an
   interval matrix J(X) containing the Jacobian at every point of X,
   ``K(X) = x̃ − C F(x̃) + (I − C J(X))(X − x̃) ⊂ interior(X)`` implies that C and every matrix of
   J(X) are nonsingular and that the system has exactly one solution x* in X.  The midpoint x̃ is
   first refined by simplified Newton steps in ball arithmetic, so that the box can be tiny.
4. **Strict checks on the box** (every quantity enclosed in ball arithmetic, every comparison
   decided, otherwise the outcome is *undecided* with the list of what failed):

   * ``α_ν > 0``;
   * primal feasibility: ``v_ν = P_ν Z_νᵀ r`` satisfies ``x̃_k·v_ν > 0`` on the active rows and
     ``< 0`` on the inactive rows off the face (``x̃_k·v_ν = 0`` on the face holds by
     construction);
   * SCS (docs/theory.md §8): with ``c = Z_νᵀ r`` and the face's hyperplanes H (parallel rows
     merged, representative row x_h, the other rows ``x_k = c_k x_h``), ``(I − P_ν)c = Σ_H γ_H x_h``
     and both multipliers of every hyperplane are > 0: ``γ_H + s Σ_{k∈H, c_k<0} c_k r_k`` (the cells
     on the side ``x_h·u < 0``) and ``−γ_H − s Σ_{k∈H, c_k>0} c_k r_k`` (the side ``x_h·u > 0``);
     for a single row this is ``0 < γ_k < −s r_k``.  This needs the representatives linearly
     independent (LICQ).  When they are not (e.g. collinear points with a hidden bias: three or
     more planes through one ray), γ is not unique; then each tied cell b gets its own basis S of
     face rows (``a_k = σ_k x̃_k``, as many as the face's rank, proposed by a float NNLS) and
     ``μ_S = (A_S A_Sᵀ)⁻¹ A_S (−(I − P_ν) c_b) > 0`` is proved, ``c_b = s X̃ᵀ D_b r``; no such
     basis found means undecided.  Either way ``Π_{K_b}(c_b) = v_ν`` for every tied block b
     (Moreau: ``c_b − v_ν = −A_Sᵀ μ_S`` lies in the polar cone and is orthogonal to v_ν).  A face
     side with no block in the program (possible for sampled patterns) is not checked;
   * every block not tied to a neuron has ``‖Π_{K_b}(Z_bᵀ r)‖ < λ``, through the upper bound
     ``‖Z_bᵀ r + A_bᵀ μ_b‖`` with ``μ_b >= 0`` (docs/theory.md §4; μ_b = 0 for most blocks).  A
     block ``(C, s)`` is *tied* to ν when ``s = s_ν`` and the pattern of C agrees with ν's active
     rows off the face: its cone contains v_ν and the SCS multipliers give ``Π_{K_b}(Z_bᵀ r) =
     v_ν``.

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

A proved λ interval (:func:`verify_interval`) has a file of its own, kind ``"verified_interval"``
(``Verification.certificate``): the problem's header with ``lam_interval`` (the problem's scale)
instead of ``lam``, the pattern list with its completeness certificate, and a section with the
same neurons, block multipliers valid at both ends of the interval, and
``"tube": {"mid", "slope", "rad"}`` instead of the box: ``x(λ_s) ∈ mid + (λ_s − λ_m)·slope +
[−rad, rad]`` for every λ_s of the interval (sum scale, λ_m its midpoint).  Format, proof and
the checker's items: ``proofs/verified.md``, "λ intervals".

The engine bounds the blocks with exact integers rather than balls (all blocks at once): with a
dyadic ``r₀`` near the box, ``‖c_b(r) + A_bᵀμ‖ <= ‖c_b(r₀) + A_bᵀμ‖ + ‖e‖`` for every r in the
box, ``e_j = Σ_k |r_k − r₀_k| |x̃_kj|``, and the first norm is an exact integer computation over
the common denominator (μ are multiples of ``2^-K``).  Blocks are tried with μ = 0, then one
multiplier on the best facet, then the float projection's multipliers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property, lru_cache

import numpy as np
from flint import arb, arb_mat, ctx, fmpq, fmpq_mat
from scipy.optimize import nnls

from exactrelu.exact.cones import project_many
from exactrelu.exact.rationals import fmpq_matrix, fraction_of, integer_row, rational_str
from exactrelu.program.duality import common_integer_rows, exact_pattern_products
from exactrelu.program.reduced_kkt import Neuron, neuron_matrices, newton_polish

PRECISION = 200
"""Bits of the ball arithmetic (about 60 decimal digits)."""
RELATIVE_RADII = (1e-40, 1e-30, 1e-20, 1e-10, 1e-8, 1e-6)
"""Box radii tried in the Krawczyk test, relative to ‖r‖∞ for r and ‖α‖∞ for α (smallest first:
the first that succeeds gives the tightest enclosure)."""
REFINEMENT_STEPS = 8
INFLATIONS = 8
"""ε-inflation steps of the tube's Krawczyk box when λ is an interval (``verify_interval``)."""
CONTRACTIONS = 3
"""Steps ``Z ← Z ∩ K(Z)`` after the tube's Krawczyk test succeeded."""
BLOCK_BITS = 120
"""Bits of the rational reference residual r₀ used to bound every block with integer arithmetic."""
BALL_GUARD_BITS = 10
"""Reported midpoints are rounded to a grid 2^-BALL_GUARD_BITS times finer than the radius."""
MAX_LISTED_FAILURES = 10


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ball:
    """A rigorous enclosure ``|x − mid| <= rad`` with exact rational midpoint and radius."""

    mid: Fraction
    rad: Fraction

    @property
    def lower(self) -> Fraction:
        return self.mid - self.rad

    @property
    def upper(self) -> Fraction:
        return self.mid + self.rad

    def contains(self, value: Fraction) -> bool:
        return self.lower <= value <= self.upper

    def __float__(self) -> float:
        return float(self.mid)

    def to_json(self) -> dict[str, str]:
        return {"mid": rational_str(self.mid), "rad": rational_str(self.rad)}


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
class IntervalProof:
    """The data of a proved λ interval (:func:`verify_interval`), rendered into its certificate
    (kind ``"verified_interval"``, ``proofs/verified.md``) on first use: the program's pattern
    list and the block multipliers can be large, and a path proves many intervals."""

    problem: object = field(repr=False)
    core: dict = field(repr=False)
    multiplier_tables: tuple = field(repr=False)

    def certificate(self) -> dict:
        entries = [entry for table in self.multiplier_tables for entry in table.entries()]
        section = {**self.problem.pattern_core(), **self.core["certificate"]}
        return {**self.core, "certificate": {**section, "block_multipliers": entries}}


@dataclass(frozen=True)
class Verification:
    """The outcome of an attempt: ``"verified"`` (with ``structure``), ``"undecided"`` (the
    checks that could not be decided are in ``failures``), or ``"unavailable"`` (nothing to
    verify, e.g. an unpolished float solution; the reason is in ``failures``).

    ``certificate`` is the checkable certificate of a λ interval proved by
    :func:`verify_interval` (``lam_lo < lam_hi``, model ``relu``), else None; a point result
    carries its certificate in ``structure``."""

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


def verify_interval(
    problem,
    neurons: list[Neuron],
    residual: np.ndarray,
    alpha: np.ndarray,
    output_bias: float | None,
    lam_lo: Fraction,
    lam_hi: Fraction,
    cache: dict | None = None,
) -> Verification:
    """Prove that ``neurons`` are exactly the neurons of the optimum for **every** λ in
    ``[lam_lo, lam_hi]`` (the problem's scale; docs/theory.md §8, ``proofs/verified.md``).

    The Krawczyk test runs on a tube ``x̃ + t ẋ + Z`` around the tangent at the midpoint λ_m
    (t = λ − λ_m, :meth:`_Verifier.tube_krawczyk`): for each λ of the interval exactly one
    solution of the reduced system lies in ``x̃ + t ẋ + Z``.  The strict checks (α > 0, primal
    feasibility, face multipliers) hold on the whole tube, and every block not tied to a neuron
    is bounded below λ at both ends with the same multipliers, which covers the interval by
    convexity in t.  So the structure is constant on the whole interval (proofs/verified.md,
    "λ intervals").  ``residual``, ``alpha`` (and ``output_bias``) are a float
    start near the middle of the interval; the outcome has no ``structure`` (one λ has no single
    optimum to enclose), but when ``lam_lo < lam_hi`` and the model is ``relu`` a verified
    outcome has a ``certificate`` (kind ``"verified_interval"``, checked by
    ``exactrelu.checker``; format in ``proofs/verified.md``).  ``cache`` as in
    :func:`verify_neurons`.
    """
    if not 0 < lam_lo <= lam_hi:
        raise ValueError("need 0 < lam_lo <= lam_hi")
    if len(neurons) == 0:
        return Verification("unavailable", ("no neurons proposed",))
    factor = problem.lam_sum / problem.lam
    with ctx.workprec(PRECISION):
        verifier = _Verifier(problem, neurons, (lam_lo * factor, lam_hi * factor), cache)
        return verifier.run(residual, alpha, output_bias, True)


# ---------------------------------------------------------------------------------------------
# Exact per-neuron data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hyperplane:
    representative: int
    rows: tuple[int, ...]
    ratios: tuple[Fraction, ...]  # x̃_k = ratio · x̃_h


@dataclass(frozen=True)
class _NeuronData:
    neuron: Neuron
    face: tuple[int, ...]  # all face rows, zero rows included
    hyperplanes: tuple[_Hyperplane, ...]
    licq: bool
    ZP: fmpq_mat  # Z_ν P_ν (n × D)
    Zt: fmpq_mat  # Z_νᵀ (D × n)
    XV: arb_mat  # X̃ (Z_ν P_ν)ᵀ (n × n): r ↦ (x̃_k·v_ν)_k, for the feasibility check
    multiplier_rows: fmpq_mat | None  # 2h × n: the face multipliers are linear in r
    complement: fmpq_mat  # I − P_ν: the projector onto the span of the face rows
    cells: np.ndarray  # patterns of the blocks tied to the neuron


def _hyperplanes(rows: list[list[Fraction]], face: list[int]) -> list[_Hyperplane]:
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
        out.append(_Hyperplane(h, tuple(members), tuple(rows[k][j] / rows[h][j] for k in members)))
    return out


def _neuron_data(rows, X: fmpq_mat, patterns: np.ndarray, neuron: Neuron, gated: bool):
    n, D = X.nrows(), X.ncols()
    zero = [k for k in range(n) if not any(rows[k])]
    face = sorted(set(int(k) for k in neuron.face) | set(zero))
    planes = _hyperplanes(rows, [k for k in face if k not in zero])
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
    return _NeuronData(
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


def _hstack(mats: list[arb_mat]) -> arb_mat:
    lists = [m.tolist() for m in mats]
    return arb_mat([sum((rows[i] for rows in lists), []) for i in range(mats[0].nrows())])


def _column(values) -> arb_mat:
    return arb_mat([[v] for v in values])


def _fraction(x: arb) -> Fraction:
    """An exact arb (a midpoint or a radius) as a Fraction."""
    m, e = x.man_exp()
    m, e = int(m), int(e)
    return Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e)


def _arb(value: Fraction) -> arb:
    return arb(fmpq(value.numerator, value.denominator))


def _ball(x: arb) -> Ball:
    """A short rational ball containing the arb ball x (midpoint rounded near the radius)."""
    mid, rad = _fraction(x.mid()), _fraction(x.rad())
    if rad == 0:
        return Ball(mid, rad)
    exponent = rad.numerator.bit_length() - rad.denominator.bit_length() - 1 - BALL_GUARD_BITS
    grid = Fraction(2) ** exponent
    rounded = round(mid / grid) * grid
    return Ball(rounded, math.ceil((rad + abs(mid - rounded)) / grid) * grid)


@dataclass(frozen=True)
class _Multipliers:
    """The multipliers ``μ = m / 2^K`` used for a batch of blocks (rendered lazily: there can be
    a hundred thousand of them)."""

    patterns: np.ndarray
    signs: np.ndarray
    owner: np.ndarray
    rows: np.ndarray
    mu: np.ndarray
    numerators: np.ndarray
    exact: np.ndarray
    K: int

    def restricted(self, proved: np.ndarray) -> _Multipliers:
        """The multipliers of the blocks ``proved`` (a mask over ``patterns``) only."""
        keep = proved[self.owner]
        return replace(
            self,
            owner=self.owner[keep],
            rows=self.rows[keep],
            mu=self.mu[keep],
            numerators=self.numerators[keep],
            exact=self.exact[keep],
        )

    def entries(self) -> list[dict]:
        order = np.argsort(self.owner, kind="stable")
        owner, rows = self.owner[order], self.rows[order]
        values = [
            _float_str(v) if e else _dyadic_str(int(m), self.K)
            for v, m, e in zip(
                self.mu[order].tolist(), self.numerators[order], self.exact[order], strict=True
            )
        ]
        starts = np.searchsorted(owner, np.arange(len(self.patterns) + 1)).tolist()
        return [
            {
                "pattern": int(self.patterns[t]),
                "sign": int(self.signs[t]),
                "rows": rows[starts[t] : starts[t + 1]].tolist(),
                "values": values[starts[t] : starts[t + 1]],
            }
            for t in range(len(self.patterns))
            if starts[t + 1] > starts[t]
        ]


class _Verifier:
    """One verification: exact data of the neurons, the reduced system in ball arithmetic, the
    Krawczyk test and the strict checks; ``failures`` collects what could not be decided."""

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
                cache[key] = _neuron_data(self.rows, self.X, self.blocks.patterns, nu, self.gated)
            self.data.append(cache[key])
        self.neurons = neurons
        self.ZP = _hstack([arb_mat(d.ZP) for d in self.data])  # n × pD
        self.Zt = arb_mat(sum((arb_mat(d.Zt).tolist() for d in self.data), []))  # pD × n
        self.y = _column([_arb(v) for v in problem.dataset.y])
        # λ (sum scale) may be an interval [lo, hi] = λ_m + [−Δ, Δ] (verify_interval): the
        # system is then solved at λ_m and followed along its tangent (tube_krawczyk).
        lo, hi = lam_range or (self.lam, self.lam)
        self.interval = lo != hi
        self.lam_low, self.lam_high = lo, hi
        self.lam_mid, self.half_width = (lo + hi) / 2, (hi - lo) / 2
        self.lam2 = _arb(self.lam_mid**2)
        self.lam_start = float(self.lam_mid)
        self.tube: tuple[arb_mat, arb_mat, arb_mat] | None = None  # (r̃, ṙ, Z_r) columns
        self.identity_n = arb_mat([[int(i == j) for j in range(self.n)] for i in range(self.n)])
        self.failures: list[str] = []

    # -- the reduced system in ball arithmetic ----------------------------------------------
    def split(self, x: list[arb]):
        n, p = self.n, self.p
        return _column(x[:n]), x[n : n + p], (x[-1] if self.output_bias else None)

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
        first = r + F * _column(alpha) - self.y
        values = [first[i, 0] + (beta if beta is not None else 0) for i in range(self.n)]
        rMr = F.transpose() * r
        values += [(rMr[i, 0] - self.lam2) / 2 for i in range(self.p)]
        if self.output_bias:
            values.append(sum((r[i, 0] for i in range(self.n)), arb(0)))
        return values

    def jacobian(self, x: list[arb]) -> arb_mat:
        """``[[I + Σ α_ν M_ν, F (, 1)], [Fᵀ, 0], (1ᵀ)]`` enclosed over the balls of x."""
        r, alpha, _ = self.split(x)
        n, p, D = self.n, self.p, self.D
        scale = arb_mat(p * D, p * D)
        for i in range(p):
            for j in range(D):
                scale[i * D + j, i * D + j] = alpha[i]
        top = (self.ZP * (scale * self.Zt) + self.identity_n).tolist()
        F = self.fits(r).tolist()
        extra = [arb(1)] if self.output_bias else []
        rows = [top[i] + F[i] + extra for i in range(n)]
        zeros = [arb(0)] * (self.N - n)
        rows += [[F[k][i] for k in range(n)] + zeros for i in range(p)]
        if self.output_bias:
            rows.append([arb(1)] * n + zeros)
        return arb_mat(rows)

    # -- steps ---------------------------------------------------------------------------------
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
        if self.interval:
            return self.run_tube(x, C_arb, C)
        radii = self.krawczyk(x, C_arb)
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
            step = C * _column(self.equations(x))
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
        CF = C * _column(self.equations(x))
        identity = arb_mat([[int(i == j) for j in range(self.N)] for i in range(self.N)])
        for relative in RELATIVE_RADII:
            radii = self.radii(x, relative)
            balls = [arb(m, r) for m, r in zip(x, radii, strict=True)]
            E = identity - C * self.jacobian(balls)
            K = E * _column([arb(0, r) for r in radii]) - CF  # K(X) − x̃
            if all(K[i, 0].abs_upper() < arb(radii[i]) for i in range(self.N)):
                return radii
        self.failures.append(
            "Krawczyk test failed for every box radius tried "
            f"({', '.join(f'{v:g}' for v in RELATIVE_RADII)} relative): no unique solution of "
            "the reduced KKT system proved"
        )
        return None

    # -- λ an interval: the tube x(λ) ∈ x̃ + t ẋ + Z, t = λ − λ_m ∈ [−Δ, Δ] ---------------------
    def run_tube(self, x: list[arb], C: arb_mat, C_float: np.ndarray) -> Verification:
        """Prove the structure for every λ in ``[λ_m − Δ, λ_m + Δ]`` (see :meth:`tube_krawczyk`),
        then the strict checks on the tube (linear functions of r keep their t-part exact) and
        the block bounds at both ends with common multipliers (convexity in t)."""
        found = self.tube_krawczyk(x, C, C_float)
        if found is None:
            return Verification("undecided", tuple(self.failures))
        x_dot, radii = found
        n, p, T = self.n, self.p, arb(0, _arb(self.half_width))
        self.tube = (
            _column(x[:n]),
            _column(x_dot[:n]),
            _column([arb(0, rad) for rad in radii[:n]]),
        )
        alpha = [x[n + i] + T * x_dot[n + i] + arb(0, radii[n + i]) for i in range(p)]
        hull = _column([x[k] + T * x_dot[k] + arb(0, radii[k]) for k in range(n)])
        self.check_neurons(hull, alpha)
        multipliers = self.check_faces(hull)
        mids = [_fraction(v) for v in x]
        slope = [_fraction(v) for v in x_dot]
        ends = [
            (
                [m + sign * self.half_width * d for m, d in zip(mids[:n], slope[:n], strict=True)],
                lam,
            )
            for sign, lam in ((-1, self.lam_low), (1, self.lam_high))
        ]
        tables = self.bound_blocks(ends, max(radii[:n]))
        if self.failures:
            return Verification("undecided", tuple(self.failures))
        if self.gated:  # the checker defines verified certificates for ReLU blocks only
            return Verification("verified", ())
        core = self.interval_core(mids, slope, radii, multipliers)
        return Verification("verified", (), interval=IntervalProof(self.problem, core, tables))

    def tube_krawczyk(self, x: list[arb], C: arb_mat, C_float: np.ndarray):
        """Krawczyk along the tangent.  With ẋ the float tangent (``J(x̃) ẋ = (0, λ_m·1, 0)``,
        made exact), ``G(z, t) = F(x̃ + t ẋ + z, λ_m + t)`` is a polynomial in t whose value at
        z = 0 is ``G0 + G1 t + G2 t²`` exactly (F is quadratic), so ``G(0, T)`` is tiny; the
        Jacobian in z is ``J(x̃ + t ẋ + z)`` (J does not involve λ).  ``K = −C G(0, T) +
        (I − C J(hull))·Z ⊂ interior(Z)`` proves, for each t in T, exactly one zero
        ``z(t) ∈ Z``: the solution for λ_m + t is in ``x̃ + t ẋ + Z``.  Returns (ẋ, radii of Z)
        or None."""
        n, p, N = self.n, self.p, self.N
        lam_m = _arb(self.lam_mid)
        rhs = np.zeros(N)
        rhs[n : n + p] = float(self.lam_mid)
        x_dot = [arb(float(v)) for v in C_float @ rhs]
        r_dot, a_dot = _column(x_dot[:n]), x_dot[n : n + p]
        G0 = _column(self.equations(x))
        shift = _column([arb(0)] * n + [lam_m] * p + [arb(0)] * (N - n - p))
        G1 = self.jacobian(x) * _column(x_dot) - shift
        F_dot = self.fits(r_dot)
        first = F_dot * _column(a_dot)  # Σ α̇_ν M_ν ṙ
        quadratic = F_dot.transpose() * r_dot  # ṙᵀ M_ν ṙ
        G2 = _column(
            [first[k, 0] for k in range(n)]
            + [(quadratic[i, 0] - 1) / 2 for i in range(p)]
            + [arb(0)] * (N - n - p)
        )
        delta = _arb(self.half_width)
        T, T2 = arb(0, delta), arb(delta * delta / 2, delta * delta / 2)
        CG = C * (G0 + G1 * T + G2 * T2)
        identity = arb_mat([[int(i == j) for j in range(N)] for i in range(N)])
        radii = [
            2 * float(CG[i, 0].abs_upper()) + rad
            for i, rad in enumerate(self.radii(x, RELATIVE_RADII[0]))
        ]
        for _ in range(INFLATIONS):
            hull = [x[i] + T * x_dot[i] + arb(0, radii[i]) for i in range(N)]
            E = identity - C * self.jacobian(hull)
            K = E * _column([arb(0, rad) for rad in radii]) - CG
            if all(K[i, 0].abs_upper() < arb(radii[i]) for i in range(N)):
                # the zero z(t) ∈ Z also lies in K(Z): shrink Z to it (Neumaier 1990, §5.1),
                # keeping only boxes that pass the test themselves (the certificate's box is
                # re-tested by the checker)
                for _ in range(CONTRACTIONS):
                    shrunk = [min(rad, float(K[i, 0].abs_upper())) for i, rad in enumerate(radii)]
                    hull = [x[i] + T * x_dot[i] + arb(0, shrunk[i]) for i in range(N)]
                    E = identity - C * self.jacobian(hull)
                    K = E * _column([arb(0, rad) for rad in shrunk]) - CG
                    if not all(K[i, 0].abs_upper() < arb(shrunk[i]) for i in range(N)):
                        break
                    radii = shrunk
                return x_dot, radii
            # ε-inflation (Rump): the next box is the image, enlarged
            radii = [max(1.5 * float(K[i, 0].abs_upper()), rad) for i, rad in enumerate(radii)]
        self.failures.append(
            "Krawczyk test on the tube failed: the λ interval is too wide for this structure"
        )
        return None

    def linear(self, L: arb_mat, r: arb_mat) -> arb_mat:
        """``L r``; on a tube ``r = r̃ + t ṙ + z`` the three parts apart, so that the t-parts
        of the rows of L keep their exact correlation (a linear function of t, not a box)."""
        if self.tube is None:
            return L * r
        r_mid, r_dot, z = self.tube
        return L * r_mid + (L * r_dot) * arb(0, _arb(self.half_width)) + L * z

    def check_neurons(self, r: arb_mat, alpha: list[arb]) -> list[list[arb]]:
        """α_ν > 0 and primal feasibility: ``x̃_k·v_ν`` has the neuron's sign off its face."""
        V = self.linear(self.ZP.transpose(), r)  # pD × 1
        directions = [[V[i * self.D + j, 0] for j in range(self.D)] for i in range(self.p)]
        for i, a in enumerate(alpha):
            if not a > 0:
                self.failures.append(f"neuron {i}: alpha > 0 not proved ({a.str(5)})")
        for i, data in enumerate(self.data):
            if len(data.cells) == 0:
                self.failures.append(f"neuron {i}: no block of the program is tied to it")
        if self.gated:
            return directions  # gated blocks are unconstrained: no cone to be feasible for
        # n × p: x̃_k·v_ν = (X̃ (Z_ν P_ν)ᵀ r)_k, one linear map per neuron
        columns = [self.linear(data.XV, r) for data in self.data]
        values = [[columns[i][k, 0] for i in range(self.p)] for k in range(self.n)]
        for i, data in enumerate(self.data):
            face = set(data.face)
            wrong = []
            for k in range(self.n):
                if k in face:
                    continue
                ok = values[k][i] > 0 if data.neuron.active[k] else values[k][i] < 0
                if not ok:
                    wrong.append(k)
            if wrong:
                self.failures.append(
                    f"neuron {i}: x̃_k·v not proved to have the neuron's sign off its face on rows "
                    f"{_listed(wrong)}"
                )
        return directions

    def check_faces(self, r: arb_mat) -> list[list]:
        """SCS (docs/theory.md §8): the cone multipliers of every cell adjacent to a neuron are > 0.

        With independent face hyperplanes (LICQ) both multipliers of every hyperplane, which
        covers every adjacent cell (a side with no block in the program, possible for sampled
        patterns, is skipped); otherwise, per tied cell, a basis of its face rows with
        multipliers > 0 (:meth:`degenerate_face`)."""
        out = []
        for i, data in enumerate(self.data):
            if not data.hyperplanes or self.gated:
                out.append([])
                continue
            if not data.licq:
                out.append(self.degenerate_face(i, data, r))
                continue
            values = self.linear(arb_mat(data.multiplier_rows), r)
            pairs = [(values[2 * t, 0], values[2 * t + 1, 0]) for t in range(len(data.hyperplanes))]
            for plane, (neg, pos) in zip(data.hyperplanes, pairs, strict=True):
                # a side without a tied block in the program (sampled patterns) needs no check
                sides = self.blocks.patterns[data.cells, plane.representative]
                if not ((neg > 0 or sides.all()) and (pos > 0 or not sides.any())):
                    self.failures.append(
                        f"neuron {i}: face multipliers of row {plane.representative} not proved "
                        f"> 0 ({neg.str(5)}, {pos.str(5)})"
                    )
            out.append(pairs)
        return out

    def degenerate_face(self, i: int, data: _NeuronData, r: arb_mat) -> list:
        """Dependent face rows (LICQ fails): γ is not unique, so for each tied cell b find a
        basis S of its face rows ``a_k = σ_k x̃_k`` (rank of the face many, from a float NNLS)
        with ``Σ_{k∈S} μ_k a_k = −(I − P) c_b`` and prove ``μ_S = G_S⁻¹ A_S (−(I − P) c_b) > 0``
        (``c_b = s X̃ᵀ D_b r``): then ``Π_{K_b}(c_b) = v_ν`` and v_ν is interior to the face
        multipliers' cone.  A float support smaller than the rank is undecided."""
        n, D = self.n, self.D
        rows_f = self.problem.rows_float
        face = [k for k in data.face if any(self.rows[k])]
        rank = data.complement.rank()
        sign = data.neuron.sign
        r_float = np.array(self.r_float)
        out = []
        for cell in data.cells:
            pattern = self.blocks.patterns[cell]
            sigma = {k: 1 if pattern[k] else -1 for k in face}
            plain = fmpq_matrix(
                [[sign * self.rows[k][j] if pattern[k] else 0 for k in range(n)] for j in range(D)]
            )
            target = -(data.complement * plain)  # D × n: −(I − P) c_b = target · r
            A = np.array([sigma[k] * rows_f[k] for k in face])
            t_float = (
                np.array([[float(fraction_of(target[j, k])) for k in range(n)] for j in range(D)])
                @ r_float
            )
            mu, _ = nnls(A.T, t_float)
            support = [face[t] for t in np.argsort(-mu)[:rank] if mu[t] > 0]
            A_S = fmpq_matrix([[sigma[k] * v for v in self.rows[k]] for k in support])
            if len(support) < rank or A_S.rank() < rank:
                self.failures.append(
                    f"neuron {i}, cell {cell}: dependent face rows (LICQ fails) and no basis of "
                    "positive face multipliers found: undecided"
                )
                continue
            values = self.linear(arb_mat((A_S * A_S.transpose()).solve(A_S * target)), r)
            mus = [values[t, 0] for t in range(rank)]
            if not all(m > 0 for m in mus):
                self.failures.append(
                    f"neuron {i}, cell {cell}: face multipliers on rows {support} not proved > 0 "
                    "(dependent face rows): undecided"
                )
            out.append((int(cell), tuple(support), mus))
        return out

    def check_blocks(self, r_mid: list[arb], r_rad: float) -> list[dict]:
        """Every block not tied to a neuron has ``‖Z_bᵀ r + A_bᵀ μ_b‖ < λ`` on the box."""
        return self.bound_blocks([([_fraction(v) for v in r_mid], self.lam_low)], r_rad)

    def bound_blocks(self, ends: list[tuple[list[Fraction], Fraction]], r_rad: float) -> list:
        """Every block not tied to a neuron has ``‖Z_bᵀ r + A_bᵀ μ_b‖ < λ_e`` for every r
        within ``r_rad`` (componentwise) of ``r_e``, at every end ``(r_e, λ_e)`` of ``ends``,
        with the same μ_b at every end (so that, on a tube between two ends, convexity in t of
        ``‖Z_bᵀ(r̃ + tṙ + z) + A_bᵀμ_b‖ − λ(t)`` extends the bound to the whole tube).

        Exact integer arithmetic, all blocks at once: with a reference ``r₀ = z / 2^K`` near
        ``r_e`` and ``X̃ = X_int / Q``, ``c_b(r₀) + A_bᵀμ = V_b / (2^K Q)`` with integer V_b when
        ``μ = m / 2^K``; and for every r in the box
        ``‖c_b(r) − c_b(r₀)‖ <= ‖e‖``, ``e_j = Σ_k |r_k − r₀_k| |x̃_kj|`` (the same for all blocks).
        Returns the multiplier tables of the first end (the certificate's, in point mode).
        """
        blocks = self.blocks
        patterns, signs = blocks.patterns, blocks.signs
        tied = np.zeros((len(patterns), len(signs)), dtype=bool)
        for data in self.data:
            tied[data.cells, signs.index(data.neuron.sign)] = True
        top = max(abs(v) for mids, _ in ends for v in mids)
        K = max(BLOCK_BITS - (top.numerator.bit_length() - top.denominator.bit_length()), 0)
        X_int, Q = common_integer_rows(self.rows)
        self.X_int, self.K = np.array(X_int, dtype=object), K
        bounds = []
        for mids, lam in ends:
            bound = self.end_bound(mids, lam, r_rad, X_int, Q, K)
            if bound is None:
                self.failures.append("the box is too wide to bound the blocks")
                return []
            bounds.append(bound)
        below = np.ones(len(patterns), dtype=bool)
        for Cint, (num2, den2) in bounds:
            norms2 = (Cint * Cint).sum(axis=1)
            below &= np.array([v * den2 < num2 for v in norms2], dtype=bool)
        need = np.argwhere(~below[:, None] & ~tied)  # (pattern, sign index) pairs
        entries = []
        for propose in (self.single_facet_multipliers, self.projection_multipliers):
            if not len(need) or self.gated:
                break
            owner, rows, mu = propose(need)
            proved = np.ones(len(need), dtype=bool)
            for e, bound in enumerate(bounds):
                self.Cint, self.bound2 = bound
                table, ok = self.exact_bounds(need, owner, rows, mu)
                proved &= ok
                if e == 0:
                    first = table
            entries.append(first.restricted(proved))
            need = need[~proved]
        if len(need):
            shown = [f"(pattern {i}, sign {signs[j]})" for i, j in need]
            self.failures.append(
                f"{len(need)} block(s) not tied to a neuron not proved to have "
                f"‖Π_K(Z_bᵀ r)‖ < λ: {_listed(shown)}"
            )
        return entries

    def end_bound(self, mids, lam, r_rad, X_int, Q, K):
        """``(c_C(r₀)·2^K Q for the sign +1, (num², den²) of the threshold)`` at one end, or None
        when the box is too wide (threshold <= 0)."""
        z = [round(v * (1 << K)) for v in mids]
        deviation = [
            abs(m - Fraction(zk, 1 << K)) + Fraction(r_rad) for m, zk in zip(mids, z, strict=True)
        ]
        e = [
            sum((d * abs(row[j]) for d, row in zip(deviation, self.rows, strict=True)), Fraction(0))
            for j in range(self.D)
        ]
        spread = _sqrt_upper(sum((v * v for v in e), Fraction(0)))
        threshold = (lam - spread) * (1 << K) * Q
        if threshold <= 0:
            return None
        W = [[z[k] * X_int[k][j] for j in range(self.D)] for k in range(self.n)]
        Cint = exact_pattern_products(self.blocks.patterns, W)
        # ‖V‖ < threshold  ⇔  ‖V‖² · den² < num² (exact)
        return Cint, (threshold.numerator**2, threshold.denominator**2)

    def float_correlations(self, need: np.ndarray) -> np.ndarray:
        """``Z_bᵀ r`` in floating point for the blocks ``need`` (to propose multipliers)."""
        signs = np.array(self.blocks.signs, dtype=np.float64)[need[:, 1]]
        X, r = self.problem.rows_float, np.array(self.r_float)
        return (
            self.blocks.patterns[need[:, 0]].astype(np.float64) @ (X * r[:, None]) * signs[:, None]
        )

    def single_facet_multipliers(self, need: np.ndarray):
        """One multiplier per block, on its best facet: ``μ_k = −a_k·c / ‖a_k‖²`` for the k that
        maximizes ``(a_k·c)² / ‖a_k‖²`` over ``a_k·c < 0`` (float proposal, exact check)."""
        blocks = self.blocks
        c = self.float_correlations(need)
        lengths = np.array([len(blocks.cone_rows[i]) for i in need[:, 0]], dtype=np.int64)
        owner = np.repeat(np.arange(len(need)), lengths)
        rows = np.concatenate([np.asarray(blocks.cone_rows[i]) for i in need[:, 0]])
        sigma = np.where(blocks.patterns[need[owner, 0], rows], 1.0, -1.0)
        A = self.problem.rows_float[rows] * sigma[:, None]
        norm2 = np.maximum(np.einsum("kd,kd->k", A, A), 1e-300)
        dots = np.einsum("kd,kd->k", A, c[owner])
        gain = np.where(dots < 0, dots * dots / norm2, 0.0)
        best = np.zeros(len(need))
        np.maximum.at(best, owner, gain)
        candidates = np.nonzero((gain == best[owner]) & (gain > 0))[0]
        _, first = np.unique(owner[candidates], return_index=True)
        chosen = candidates[first]
        return owner[chosen], rows[chosen], -dots[chosen] / norm2[chosen]

    def projection_multipliers(self, need: np.ndarray):
        """μ from the float projection onto each block's cone (``cones.project_many``)."""
        blocks = self.blocks
        c = self.float_correlations(need)
        X = self.problem.rows_float
        cones = []
        for i in need[:, 0]:
            rows = blocks.cone_rows[i]
            cones.append(X[rows] * np.where(blocks.patterns[i, rows], 1.0, -1.0)[:, None])
        _, mus = project_many(cones, c)
        lengths = np.array([len(blocks.cone_rows[i]) for i in need[:, 0]], dtype=np.int64)
        owner = np.repeat(np.arange(len(need)), lengths)
        rows = np.concatenate([np.asarray(blocks.cone_rows[i]) for i in need[:, 0]])
        mu = np.concatenate(mus) if mus else np.zeros(0)
        return owner, rows, mu

    def exact_bounds(self, need, owner, rows, mu):
        """Exact check of ``‖V_b‖ < threshold`` with ``V_b = s C_int + Σ_k m_k σ_k X_int_k``,
        ``m = floor(μ 2^K)`` (so the multipliers used are ``m / 2^K >= 0``), for all blocks at
        once with Python-int object arrays.  Returns the multipliers of the blocks proved and
        the mask of the blocks of ``need`` proved."""
        blocks, K = self.blocks, self.K
        signs = np.array(blocks.signs, dtype=np.int64)[need[:, 1]]
        numerators, exact = _floor_scaled(mu, K)
        keep = numerators > 0
        owner, rows, mu = owner[keep], rows[keep], mu[keep]
        numerators, exact = numerators[keep], exact[keep]
        V = self.Cint[need[:, 0]] * signs[:, None].astype(object)
        if len(owner):
            sigma = np.where(blocks.patterns[need[owner, 0], rows], 1, -1).astype(object)
            terms = (numerators * sigma)[:, None] * self.X_int[rows]
            if len(np.unique(owner)) == len(owner):
                V[owner] += terms  # one multiplier per block: no repeated index
            else:
                np.add.at(V, owner, terms)
        num2, den2 = self.bound2
        ok = (V * V).sum(axis=1) * den2 < num2
        proved = ok[owner]  # keep the multipliers of the blocks proved
        table = _Multipliers(
            need[:, 0],
            signs,
            owner[proved],
            rows[proved],
            mu[proved],
            numerators[proved],
            exact[proved],
            K,
        )
        return table, ok

    # -- the result -----------------------------------------------------------------------------
    def listed(self, data: _NeuronData) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
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

    def interval_core(self, mids, slope, radii, multipliers) -> dict:
        """The ``"verified_interval"`` certificate without the pattern list and the block
        multipliers (:class:`IntervalProof` adds them): the tube ``x̃ + t ẋ + Z`` in the
        unknowns (r, α[, β]) of the sum scale, t = λ_s − λ_m."""
        divisor = self.problem.lam_sum / self.problem.lam  # λ_s = λ · divisor
        header = {key: v for key, v in self.problem.describe().items() if key != "lam"}
        return {
            "kind": "verified_interval",
            "version": 1,
            **header,
            "lam_interval": [
                rational_str(self.lam_low / divisor),
                rational_str(self.lam_high / divisor),
            ],
            "status": "verified",
            "claims": {"neurons": "verified", "unique_network": "verified", "tube": "verified"},
            "unique_network": True,
            "unique_convex": all(len(data.cells) == 1 for data in self.data),
            "certificate": {
                "method": "krawczyk_tube",
                "precision_bits": PRECISION,
                "unknowns": "r[0..n-1], alpha[0..p-1], beta (only with an output bias)",
                "neurons": self.neuron_entries(multipliers),
                "tube": {
                    "mid": [rational_str(v) for v in mids],
                    "slope": [rational_str(v) for v in slope],
                    "rad": [rational_str(Fraction(v)) for v in radii],
                },
            },
        }

    def structure(self, x, radii, balls, directions, multipliers, tables) -> VerifiedStructure:
        r, alpha, beta = self.split(balls)
        lam = _arb(self.lam)
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
                    alpha=_ball(a),
                    direction=tuple(_ball(v) for v in directions[i]),
                    W1=tuple(_ball(scale1 * v) for v in directions[i]),
                    w2=_ball(w2),
                    multipliers=tuple(
                        (_ball(a_), _ball(b_)) for a_, b_ in (multipliers[i] if data.licq else [])
                    ),
                    cell_multipliers=tuple(
                        (cell, rows, tuple(_ball(m) for m in mus))
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
                "mid": [rational_str(_fraction(v)) for v in x],
                "rad": [rational_str(Fraction(v)) for v in radii],
            },
        }
        return VerifiedStructure(
            neurons=tuple(neurons),
            residual=tuple(_ball(r[k, 0]) for k in range(self.n)),
            output_bias=None if beta is None else _ball(beta),
            optimum=_ball(value),
            unique_network=True,
            unique_convex=all(len(nu.cells) == 1 for nu in neurons),
            certificate_core=certificate,
            multiplier_tables=tuple(tables),
        )


def _sqrt_upper(value: Fraction, bits: int = 128) -> Fraction:
    """A rational upper bound on √value (value >= 0), within 2^-bits relative."""
    if value == 0:
        return Fraction(0)
    shift = 2 * bits
    scaled = value.numerator * (1 << shift) // value.denominator + 1
    root = math.isqrt(scaled)
    if root * root < scaled:
        root += 1
    return Fraction(root, 1 << bits)


def _floor_scaled(values: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """``floor(v · 2^K)`` exactly for floats v >= 0 (0 for v <= 0), as Python ints, and whether
    it is exact (``v · 2^K`` an integer)."""
    values = np.where(values > 0, values, 0.0)
    mantissa, exponent = np.frexp(values)  # v = mantissa · 2^exponent, mantissa in [0.5, 1)
    integer = np.ldexp(mantissa, 53).astype(np.int64).astype(object)  # exact
    shift = exponent.astype(np.int64) - 53 + K
    out = np.empty(len(values), dtype=object)
    left = shift >= 0
    out[left] = integer[left] << shift[left].astype(object)
    out[~left] = integer[~left] >> (-shift[~left]).astype(object)
    return out, left | (values == 0)


def _float_str(value: float) -> str:
    """A float as an exact JSON rational."""
    numerator, denominator = float(value).as_integer_ratio()
    return str(numerator) if denominator == 1 else f"{numerator}/{denominator}"


@lru_cache(maxsize=256)
def _power_of_two_str(exponent: int) -> str:
    return str(1 << exponent)


def _dyadic_str(m: int, K: int) -> str:
    """``m / 2^K`` in lowest terms, as a JSON rational."""
    shift = min((m & -m).bit_length() - 1, K)
    return str(m >> shift) if shift == K else f"{m >> shift}/{_power_of_two_str(K - shift)}"


def _listed(items: list) -> str:
    shown = ", ".join(str(v) for v in items[:MAX_LISTED_FAILURES])
    return shown + (" ..." if len(items) > MAX_LISTED_FAILURES else "")
