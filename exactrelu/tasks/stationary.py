"""Stationary points of the training objective, decided exactly (docs/theory.md §9, §4).

A network is a (Clarke) stationary point of NC with weight decay iff, with ``r = y − f`` its
residual (``proofs/stationary.md``, Lemma 2):

* ``∂NC/∂w2_j = λ w2_j − (X̃ W1_j)_+ᵀ r = 0`` for every neuron j;
* ``λ W1_j = w2_j X̃ᵀ diag(σ) r`` for some σ in the convex hull of the patterns of the cells whose
  closure contains ``W1_j`` (the neuron's *adjacent* cells: rows with ``x̃_k·W1_j = 0``, the
  neuron's face, take the sign vector of any cell of their own arrangement; the other rows keep
  their sign at ``W1_j``);
* ``1ᵀ r = 0`` when the problem has an output bias.

Each condition is exact rational arithmetic; the second is an exact LP over the adjacent cells
(enumerated exactly with :func:`enumerate_patterns` on the face rows).  A stationary network is
balanced and its objective equals the dual value ``D(r)`` (Lemma 3), so it is an optimum of the
sub-sampled convex program over its own cells exactly when ``r`` is dual feasible for those
cells; with a neuron on a face this is the stronger condition (a Clarke point can be a saddle
where the neuron would move into an adjacent cell, Lemma 4).  Finally the dual constraints of all
cells at ``r`` are decided by exact projections: the violated ones (cell, sign, ``‖v‖²`` vs
``λ²``) are listed, each giving an improving neuron with an exact decrease rate, and the
improving network is exhibited with its exact objective.

Networks are rational (:class:`Network`) or in α-form (a sequence of :class:`AlphaNeuron`,
irrational balanced weights, docs/theory.md §3): the conditions are homogeneous in each neuron's
scale,
so both reduce to rational checks on ``(v, s, ρ)`` with ``W1 = a v``, ``w2 = s a ρ`` (``a > 0``):
``a = 1, v = W1, ρ = |w2|`` for a rational network, ``a = √(α/λ), ρ = λ`` for α-form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

import cdd
import cdd.gmp

from exactrelu.arrangement.cells import primitive
from exactrelu.arrangement.patterns import enumerate_patterns
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import fmpq_matrix, fraction_of, rational_str, to_fraction
from exactrelu.model import networks
from exactrelu.model.networks import AlphaNeuron, Network
from exactrelu.optimum.optimal_set_certificate import exact_projection_multipliers
from exactrelu.program.duality import (
    DualBound,
    MuEntry,
    common_integer_rows,
    dual_bound,
    exact_pattern_products,
)
from exactrelu.program.exact_optimum import ExactOptimum, _nonnegative_solution
from exactrelu.program.problem import Problem, Solution
from exactrelu.tasks.certify import Certification

Vector = tuple[Fraction, ...]
SCALE_DIGITS = (12, 24, 48)
"""Digits of rational square-root scales tried for the rational improving network."""


@dataclass(frozen=True)
class NeuronStationarity:
    """The stationarity conditions of one neuron ``W1 = a v``, ``w2 = s a ρ`` (a > 0).

    ``kind``: ``"zero"`` (W1 = 0 and w2 = 0: always stationary), ``"active"`` (both nonzero) or
    ``"degenerate"`` (exactly one of them zero: never stationary).  ``face``: the nonzero rows
    with ``x̃_k·v = 0``; ``cells``: the patterns of the adjacent cells (all of them, in the order
    of ``witnesses``: an integer w with ``(2p_k − 1) x̃_k·w > 0`` on the face, so that
    ``v + εw`` lies inside the cell for small ε > 0).  ``w2_gradient``: ``λsρ − (X̃v)_+ᵀr`` (the
    derivative in w2 divided by a).  ``weights``: the Clarke multiplier, convex weights over
    ``cells`` with ``λv = sρ X̃ᵀ D_σ r``; else ``direction``: a d with
    ``max_C ⟨λv − sρ X̃ᵀ D_C r, d⟩ < 0``, a descent direction of NC in W1.
    """

    index: int
    kind: str
    face: tuple[int, ...] = ()
    cells: tuple[str, ...] = ()
    witnesses: tuple[tuple[int, ...], ...] = ()
    w2_gradient: Fraction = Fraction(0)
    weights: Vector | None = None
    direction: Vector | None = None

    @property
    def stationary(self) -> bool:
        return self.kind == "zero" or (self.w2_gradient == 0 and self.weights is not None)

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "kind": self.kind,
            "stationary": self.stationary,
            "face": list(self.face),
            "cells": list(self.cells),
            "witnesses": [[str(v) for v in w] for w in self.witnesses],
            "w2_gradient": rational_str(self.w2_gradient),
            "weights": None if self.weights is None else [rational_str(v) for v in self.weights],
            "direction": None
            if self.direction is None
            else [rational_str(v) for v in self.direction],
        }


@dataclass(frozen=True)
class ViolatedConstraint:
    """A dual constraint of the full problem violated at the residual (docs/theory.md §4, pricing).

    Block (cell ``pattern``, ``sign``): ``v = Π_K(Z_bᵀ r) = s c + A_bᵀ μ`` exactly (KKT with the
    multipliers ``mu``), ``norm2 = ‖v‖² > λ²``.  Adding the neuron ``(t v, s λ t)`` changes NC by
    ``rate·t² + O(t⁴)`` with ``rate = (λ/2)(λ² − ‖v‖²) < 0`` (stated scale).
    """

    pattern: int
    pattern_string: str
    sign: int
    direction: Vector
    mu: tuple[tuple[int, Fraction], ...]
    norm2: Fraction
    rate: Fraction
    in_subprogram: bool

    def to_json(self) -> dict[str, object]:
        return {
            "pattern": self.pattern,
            "cell": self.pattern_string,
            "sign": self.sign,
            "direction": [rational_str(v) for v in self.direction],
            "mu": {
                "rows": [k for k, _ in self.mu],
                "values": [rational_str(m) for _, m in self.mu],
            },
            "norm2": rational_str(self.norm2),
            "rate": rational_str(self.rate),
            "in_subprogram": self.in_subprogram,
        }


@dataclass(frozen=True)
class Stationarity:
    """Is a network a stationary point, optimal for its own cells, globally optimal?

    ``stationary``: Clarke stationarity, decided exactly.  ``subprogram``: the ``certify``
    result of the sub-sampled program over ``subprogram_patterns`` (the adjacent cells of the
    active neurons), at the dual point ``r`` when it is feasible; ``subprogram_optimal``: the
    network is an optimum of that program (exact zero gap).  ``violated``: every dual constraint
    of the full problem violated at ``r`` (complete list); ``globally_optimal``: none is violated
    and the gap ``NC − D(r)`` is exactly zero.  ``improving_network``: a network with an exactly
    smaller objective (when the network is not globally optimal and one is found).  All values
    are in the problem's scale.
    """

    problem: Problem = field(repr=False)
    network: Network | None
    alpha_form: tuple[AlphaNeuron, ...] | None
    output_bias: Fraction | None
    objective: Fraction
    residual: Vector
    neurons: tuple[NeuronStationarity, ...]
    output_bias_gradient: Fraction | None
    subprogram_patterns: tuple[str, ...]
    subprogram: Certification | None = field(repr=False)
    subprogram_optimal: bool
    violated: tuple[ViolatedConstraint, ...]
    full_dual: DualBound = field(repr=False)
    dual_value: Fraction
    globally_optimal: bool
    improving_network: Network | None
    undecided: tuple[str, ...] = ()

    @property
    def stationary(self) -> bool:
        bias_ok = self.output_bias_gradient is None or self.output_bias_gradient == 0
        return bias_ok and all(nu.stationary for nu in self.neurons)

    @property
    def status(self) -> str:
        return "undecided" if self.undecided else "exact"

    @property
    def improving_objective(self) -> Fraction | None:
        if self.improving_network is None:
            return None
        return self.problem.objective(self.improving_network)

    @property
    def claims(self) -> dict[str, str]:
        names = ["objective", "residual", "stationary", "neurons", "subprogram_optimal"]
        names += ["violated", "globally_optimal"]
        if self.improving_network is not None:
            names.append("improving_network")
        label = {name: "exact" for name in names}
        if self.undecided:
            for name in ("violated", "globally_optimal", "subprogram_optimal"):
                label[name] = "undecided"
        return label

    def to_json(self) -> dict[str, object]:
        problem = self.problem
        improving = self.improving_network
        form = None
        if self.alpha_form is not None:
            form = {
                "neurons": networks.alpha_form_to_json(self.alpha_form, problem.lam_sum),
                "objective": rational_str(self.objective),
            }
            if self.output_bias is not None:
                form["output_bias"] = rational_str(self.output_bias)
        return {
            "kind": "stationary",
            "version": 1,
            **problem.describe(),
            "network": None if self.network is None else networks.network_to_json(self.network),
            "alpha_form": form,
            "objective": rational_str(self.objective),
            "residual": [rational_str(v) for v in self.residual],
            "stationary": self.stationary,
            "output_bias_gradient": None
            if self.output_bias_gradient is None
            else rational_str(self.output_bias_gradient),
            "neurons": [nu.to_json() for nu in self.neurons],
            "subprogram_patterns": list(self.subprogram_patterns),
            "subprogram": None if self.subprogram is None else self.subprogram.to_json(),
            "subprogram_optimal": self.subprogram_optimal,
            "violated": [v.to_json() for v in self.violated],
            "dual_value": rational_str(self.dual_value),
            "globally_optimal": self.globally_optimal,
            "improving_network": None if improving is None else networks.network_to_json(improving),
            "improving_objective": None
            if improving is None
            else rational_str(self.improving_objective),
            "improving_width": None if improving is None else improving.width,
            "undecided": list(self.undecided),
            "status": self.status,
            "claims": self.claims,
            "certificate": problem.certificate_core(self.full_dual),
        }


# ---------------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------------


def stationary(
    problem: Problem,
    network: Network | Sequence[AlphaNeuron],
    *,
    output_bias: object = None,
) -> Stationarity:
    """Decide exactly whether ``network`` is a stationary point of ``problem`` (docs/theory.md §9).

    Parameters
    ----------
    problem : a ReLU problem (its cells are enumerated for the full-problem constraints).
    network : a rational :class:`Network`, or an α-form (sequence of :class:`AlphaNeuron`, exact
        irrational balanced weights; then ``output_bias`` is its output bias, if any).

    Returns
    -------
    Stationarity: the exact verdicts, the sub-sampled program's certificate, the violated dual
    constraints of the full problem and an improving network (``proofs/stationary.md``).

    Raises
    ------
    ExactReluInputError : a gated problem, or a network that does not fit the problem.
    """
    if problem.model != "relu":
        raise ExactReluInputError("stationary points are decided for the ReLU model only")
    if problem.pattern_option != "all":
        raise ExactReluInputError("stationary points need the problem over all cells")
    given = _given(problem, network, output_bias)
    form, bias_value, rational = given.form, given.output_bias, given.network
    objective_sum, fitted, neurons = given.objective, given.fit, given.neurons
    lam = problem.lam_sum
    rows = problem.rows
    r = tuple(a - b for a, b in zip(problem.dataset.y, fitted, strict=True))
    analysed = tuple(_neuron(rows, lam, r, j, *nu) for j, nu in enumerate(neurons))
    bias_gradient = -sum(r, Fraction(0)) if problem.output_bias else None
    z = _pricing_point(r, problem.output_bias)
    value = _dual_value(z, problem.dataset.y)
    own = sorted({c for nu in analysed if nu.kind == "active" for c in nu.cells})
    full = _block_analysis(problem, problem.blocks, z, set(own))
    sub = _subprogram(problem, own, z, rational, form, bias_value, objective_sum, value)
    bias_ok = bias_gradient is None or bias_gradient == 0
    zero_gap = bias_ok and objective_sum == value
    # With no active neuron the program has no block and the zero network is its optimum.
    sub_optimal = zero_gap and (sub is None or sub.solution.dual.theta == 1)
    sub_optimal = sub_optimal and not any(v.in_subprogram for v in full.violated)
    globally = zero_gap and not full.violated and not full.undecided
    result = Stationarity(
        problem=problem,
        network=rational,
        alpha_form=form,
        output_bias=bias_value,
        objective=problem.to_scale(objective_sum),
        residual=r,
        neurons=analysed,
        output_bias_gradient=bias_gradient,
        subprogram_patterns=tuple(own),
        subprogram=sub,
        subprogram_optimal=sub_optimal,
        violated=full.violated,
        full_dual=DualBound(z, Fraction(1), full.mu, value),
        dual_value=problem.to_scale(value),
        globally_optimal=globally,
        improving_network=None,
        undecided=full.undecided,
    )
    if globally:
        return result
    return replace(result, improving_network=_improving(result, objective_sum))


@dataclass(frozen=True)
class _Given:
    """The network as given: rational (``network``) or α-form (``form``, ``output_bias``), its
    exact objective (sum scale), fit, and neurons ``(v, s, ρ)``."""

    network: Network | None
    form: tuple[AlphaNeuron, ...] | None
    output_bias: Fraction | None
    objective: Fraction
    fit: Vector
    neurons: list[tuple[Vector, int, Fraction]]


def _given(problem: Problem, network, output_bias) -> _Given:
    lam = problem.lam_sum
    if isinstance(network, Network):
        if network.gated:
            raise ExactReluInputError("a gated network: stationary points need a ReLU network")
        objective = problem.objective(network) * (problem.n if problem.scale == "mean" else 1)
        neurons = [_rational_neuron(w, out) for w, out in zip(network.W1, network.w2, strict=True)]
        fitted = networks.fit(network, problem.dataset.X)
        return _Given(network, None, network.output_bias, objective, fitted, neurons)
    form = tuple(network)
    bias = None if output_bias is None else to_fraction(output_bias, "output_bias")
    if bias is not None and not problem.output_bias:
        raise ExactReluInputError("an output bias is given but the problem has none")
    X, y = problem.dataset.X, problem.dataset.y
    options = {"bias": problem.bias, "output_bias": bias}
    objective = networks.alpha_form_objective(form, X, y, lam, **options)
    zero = tuple(Fraction(0) for _ in range(len(problem.rows[0])))
    neurons = [(nu.direction, nu.sign, lam) if nu.alpha else (zero, 0, lam) for nu in form]
    fitted = networks.alpha_form_fit(form, X, **options)
    return _Given(None, form, bias, objective, fitted, neurons)


def planted_stationary(
    points,
    direction,
    *,
    inactive: object = 0,
    face: int | None = None,
    face_residual: object = 0,
    sigma: object = Fraction(1, 2),
    scale: object = 1,
) -> tuple[Problem, Network]:
    """Data on which one balanced neuron is exactly a stationary point (for tests).

    ``direction`` v (with a hidden bias: d + 1 entries) must have a rational norm λ; the
    neuron is ``W1 = q v``, ``w2 = λq`` (q = ``scale``).  The residual is chosen first: on the
    active rows A (``x̃_k·v > 0``) the least-norm solution of
    ``X̃_Aᵀ r_A = v − σ r_f x̃_f``, on the face row f (``x̃_f·v = 0``, optional) ``r_f =
    face_residual``, elsewhere ``inactive``; then ``y = r + λq²(X̃v)_+``, so both Clarke
    conditions hold with multiplier σ on the face (proofs/stationary.md, Lemma 2).  A large
    ``|inactive|`` violates other cells' dual constraints (stationary, not globally optimal);
    ``r_f > 0`` with ``0 < σ < 1`` makes a Clarke point that is not optimal for its own cells.
    """
    v = tuple(to_fraction(t, "direction") for t in direction)
    lam = networks.exact_sqrt(_dot(v, v))
    if lam is None or lam == 0:
        raise ExactReluInputError("the direction must have a nonzero rational norm")
    q, sigma = to_fraction(scale, "scale"), to_fraction(sigma, "sigma")
    rows = [[to_fraction(t, "point") for t in point] + [Fraction(1)] for point in points]
    values = [_dot(row, v) for row in rows]
    active = [k for k, t in enumerate(values) if t > 0]
    r = [to_fraction(inactive, "inactive")] * len(rows)
    rhs = list(v)
    if face is not None:
        r[face] = to_fraction(face_residual, "face_residual")
        rhs = [a - sigma * r[face] * b for a, b in zip(rhs, rows[face], strict=True)]
    M = fmpq_matrix([rows[k] for k in active])
    solved = M * (M.transpose() * M).solve(fmpq_matrix([[t] for t in rhs]))
    for i, k in enumerate(active):
        r[k] = fraction_of(solved[i, 0])
    y = [r[k] + lam * q * q * max(values[k], Fraction(0)) for k in range(len(rows))]
    problem = Problem([row[:-1] for row in rows], y, lam, bias=True)
    return problem, Network((tuple(q * t for t in v),), (lam * q,), bias=True)


# ---------------------------------------------------------------------------------------------
# One neuron: Clarke's conditions (proofs/stationary.md, Lemma 2)
# ---------------------------------------------------------------------------------------------


def _rational_neuron(weights: Vector, out: Fraction) -> tuple[Vector, int, Fraction]:
    """``(v, s, ρ)`` of a rational neuron: ``v = W1``, ``s = sign(w2)``, ``ρ = |w2|``."""
    return weights, (out > 0) - (out < 0), abs(out)


def _neuron(rows, lam, r, index: int, v, sign: int, rho) -> NeuronStationarity:
    """The Clarke conditions of the neuron ``(v, s, ρ)`` at the residual r."""
    nonzero_v = any(v)
    if not nonzero_v and sign == 0:
        return NeuronStationarity(index, "zero")
    kind = "active" if nonzero_v and sign != 0 else "degenerate"
    values = [_dot(row, v) for row in rows]
    w2_gradient = lam * sign * rho - sum(
        (t * rk for t, rk in zip(values, r, strict=True) if t > 0), Fraction(0)
    )
    face = tuple(k for k, t in enumerate(values) if t == 0 and any(rows[k]))
    cells, witnesses = _adjacent_cells(rows, values, face)
    gradients = [_w1_gradient(rows, lam, r, v, sign, rho, cell) for cell in cells]
    direction = _separating_direction(gradients)
    weights = None
    if direction is None:
        columns = [g + [Fraction(1)] for g in gradients]
        target = [Fraction(0)] * len(v) + [Fraction(1)]
        found = _nonnegative_solution(columns, target, False)
        if found is None:  # pragma: no cover - the two exact LPs are alternatives (Farkas)
            raise ArithmeticError("neither a Clarke multiplier nor a separating direction")
        weights = tuple(found)
    return NeuronStationarity(index, kind, face, cells, witnesses, w2_gradient, weights, direction)


def _w1_gradient(rows, lam, r, v, sign, rho, cell: str) -> list[Fraction]:
    """``λv − sρ X̃ᵀ D_C r``: the neuron's W1-gradient (divided by a > 0) in the cell C."""
    gradient = [lam * t for t in v]
    for k, row in enumerate(rows):
        if cell[k] == "1" and r[k]:
            gradient = [g - sign * rho * r[k] * x for g, x in zip(gradient, row, strict=True)]
    return gradient


def _adjacent_cells(rows, values, face):
    """The cells whose closure contains the neuron: every cell of the face rows' arrangement,
    the other rows at their sign (zero rows '1').  Returns the pattern strings and integer
    witnesses of the face part."""
    off = ["1" if t >= 0 else "0" for t in values]
    if not face:
        return ("".join(off),), ((0,) * len(rows[0]),)
    local = enumerate_patterns([list(rows[k]) for k in face], bias=False)
    cells, witnesses = [], []
    for pattern, witness in zip(local.patterns, local.witnesses, strict=True):
        chars = list(off)
        for k, p in zip(face, pattern, strict=True):
            chars[k] = "1" if p else "0"
        cells.append("".join(chars))
        witnesses.append(tuple(primitive([int(w) for w in witness])))
    return tuple(cells), tuple(witnesses)


def _separating_direction(vectors: list[list[Fraction]]) -> Vector | None:
    """A d with ``⟨a, d⟩ < 0`` for every a of ``vectors``, or None when 0 is in their convex
    hull: the exact LP ``min e`` s.t. ``⟨a, d⟩ <= e``, ``−1 <= d <= 1`` (cdd.gmp)."""
    D = len(vectors[0])
    rows = [[0] + [-x for x in a] + [1] for a in vectors]
    for i in range(D):
        unit = [1 if j == i else 0 for j in range(D)]
        rows += [[1] + [-u for u in unit] + [0], [1] + unit + [0]]
    rows.append([0] * (D + 1) + [1])
    lp = cdd.gmp.linprog_from_array(rows, cdd.LPObjType.MIN)
    cdd.gmp.linprog_solve(lp)
    if lp.status != cdd.LPStatusType.OPTIMAL or Fraction(lp.obj_value) >= 0:
        return None
    return tuple(Fraction(x) for x in lp.primal_solution[:D])


# ---------------------------------------------------------------------------------------------
# Dual constraints at the residual: exact projections (docs/theory.md §4; proofs/stationary.md,
# Lemma 5)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Blocks:
    mu: tuple[MuEntry, ...]
    violated: tuple[ViolatedConstraint, ...]
    undecided: tuple[str, ...]


def _block_analysis(problem: Problem, blocks, z: Vector, own: set[str]) -> _Blocks:
    """Decide ``‖Π_{K_b}(Z_bᵀz)‖ <= λ`` exactly for every block: multipliers for the feasible
    blocks whose plain correlation exceeds λ, the violated blocks with their exact projection,
    and the blocks the exact projection could not decide."""
    rows, lam = problem.rows, problem.lam_sum
    X_int, Q_x = common_integer_rows(rows)
    z_int, Q_z = common_integer_rows([list(z)])
    W = [[z_int[0][k] * X_int[k][j] for j in range(len(rows[0]))] for k in range(len(rows))]
    C = exact_pattern_products(blocks.patterns, W)  # Σ_{k in pattern} z_k x̃_k = C / (Q_x Q_z)
    Q = Q_x * Q_z
    divisor = problem.n if problem.scale == "mean" else 1
    mu, violated, undecided = [], [], []
    for i, pattern in enumerate(blocks.patterns):
        if Fraction(sum(int(v) * int(v) for v in C[i]), Q * Q) <= lam * lam:
            continue  # μ = 0 proves both signs
        cone = [int(k) for k in blocks.cone_rows[i]]
        A = [[(1 if pattern[k] else -1) * v for v in rows[k]] for k in cone]
        text = "".join("1" if p else "0" for p in pattern)
        for sign in blocks.signs:
            c = [Fraction(sign * int(v), Q) for v in C[i]]
            try:
                multipliers = exact_projection_multipliers(A, c)
            except ArithmeticError as exc:
                undecided.append(f"block ({text}, {sign}): {exc}")
                continue
            kept = tuple((cone[t], m) for t, m in enumerate(multipliers) if m != 0)
            v = list(c)
            for t, m in enumerate(multipliers):
                for j in range(len(v)):
                    v[j] += m * A[t][j]
            norm2 = sum((t * t for t in v), Fraction(0))
            if norm2 <= lam * lam:
                mu.append(MuEntry(i, sign, tuple(k for k, _ in kept), tuple(m for _, m in kept)))
                continue
            rate = lam / 2 * (lam * lam - norm2) / divisor
            violated.append(
                ViolatedConstraint(i, text, sign, tuple(v), kept, norm2, rate, text in own)
            )
    return _Blocks(tuple(mu), tuple(violated), tuple(undecided))


def _pricing_point(r: Vector, output_bias: bool) -> Vector:
    """The residual, centred with an output bias (the residual of the best output bias)."""
    if not output_bias:
        return r
    mean = sum(r, Fraction(0)) / len(r)
    return tuple(v - mean for v in r)


def _dual_value(z: Vector, y) -> Fraction:
    """``D(z) = zᵀy − ½‖z‖²`` (sum scale)."""
    return (
        sum((a * b for a, b in zip(z, y, strict=True)), Fraction(0))
        - sum((a * a for a in z), Fraction(0)) / 2
    )


# ---------------------------------------------------------------------------------------------
# The sub-sampled program over the network's own cells (docs/theory.md §9)
# ---------------------------------------------------------------------------------------------


def _subprogram(problem, own, z, rational, form, bias_value, objective_sum, value):
    """The ``certify`` result of the program over the cells ``own`` at the dual point z: θ = 1
    with exact multipliers when z is feasible there, else the scaled float certificate."""
    if not own:
        return None
    sub = Problem(
        problem.dataset,
        lam=problem.lam,
        bias=problem.bias,
        output_bias=problem.output_bias,
        scale=problem.scale,
        patterns=own,
        target=problem.target,
    )
    analysed = _block_analysis(sub, sub.blocks, z, set(own))
    if analysed.violated or analysed.undecided:
        dual = dual_bound(sub.rows, list(sub.dataset.y), sub.lam_sum, sub.blocks, list(z))
    else:
        dual = DualBound(z, Fraction(1), analysed.mu, value)
    exact = None
    network = rational
    if form is not None:
        network = networks.alpha_form_network(
            form, problem.lam_sum, bias=problem.bias, output_bias=bias_value
        )
        if dual.theta == 1 and objective_sum == value:
            exact = ExactOptimum(z, form, bias_value, value, dual)
    objective = sub.objective(network)
    solution = Solution(
        sub, Fraction(0), network, objective, sub.to_scale(dual.lower), dual, None, exact
    )
    verdict = "optimal" if objective == solution.objective_lower else "inconclusive"
    return Certification(sub, network, Fraction(0), objective, Fraction(0), solution, verdict)


# ---------------------------------------------------------------------------------------------
# An improving network (docs/theory.md §4: non-optimality is proved by a better network)
# ---------------------------------------------------------------------------------------------


def _improving(result: Stationarity, objective_sum: Fraction) -> Network | None:
    """A network with an exactly smaller objective: the best output bias when ``1ᵀr ≠ 0``, else
    the network plus a neuron of the most violated block; None when neither applies."""
    problem = result.problem
    lam = problem.lam_sum
    mean = Fraction(0)
    if result.output_bias_gradient:
        mean = -result.output_bias_gradient / problem.n
    elif not result.violated:
        return None
    worst = max(result.violated, key=lambda v: v.norm2) if not mean else None
    for digits in SCALE_DIGITS:
        base = result.network
        if base is None:
            base = networks.alpha_form_network(
                result.alpha_form,
                lam,
                bias=problem.bias,
                output_bias=result.output_bias,
                scale_digits=digits,
            )
        if mean:
            candidate = replace(base, output_bias=(base.output_bias or 0) + mean)
        else:
            candidate = _with_neuron(problem, base, worst, digits)
        if problem.objective(candidate) < problem.to_scale(objective_sum):
            return candidate
    return None  # pragma: no cover - the first-order decrease dominates the rounding


def _with_neuron(problem: Problem, base: Network, block: ViolatedConstraint, digits) -> Network:
    """``base`` plus the neuron ``(t v, s λ t)`` of a violated block, t² close to the minimizer
    ``(‖v‖² − λ²)/(2λ‖Z_b v‖²)`` of ``rate·t² + ½λ²t⁴‖Z_b v‖²`` (a zero neuron is replaced)."""
    lam = problem.lam_sum
    v = block.direction
    active = zip(problem.rows, block.pattern_string, strict=True)
    fit2 = sum((_dot(row, v) ** 2 for row, p in active if p == "1"), Fraction(0))
    t = networks.rational_root((block.norm2 - lam * lam) / (2 * lam * fit2), 2, digits)
    neuron = tuple(t * x for x in v)
    W1, w2 = list(base.W1), list(base.w2)
    zero = next((j for j, out in enumerate(w2) if out == 0 and not any(W1[j])), None)
    if zero is None:
        W1.append(neuron)
        w2.append(block.sign * lam * t)
    else:
        W1[zero], w2[zero] = neuron, block.sign * lam * t
    return replace(base, W1=tuple(W1), w2=tuple(w2))


def _dot(a, b) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))
