"""The exact optimum when the dual optimum r is rational (docs/theory.md §3, §5, §7).

Every optimal solution has the same residual r; if r is rational, each neuron's direction
``v_ν = P_ν Z_νᵀ r`` is rational, and so are the weights α solving ``Σ α_ν Z_ν v_ν = y − r``.
Rational reconstruction proposes r from the float solution (continued fractions with growing
denominator bounds); it is accepted only if, exactly: ``‖v_ν‖ = λ``, v_ν lies on its neuron's
side of every other hyperplane, α >= 0 with the fit equation exact, and r is dual feasible with
θ = 1.  Then the α-form solution has convex objective ``P = ½‖r‖² + λ²Σα`` equal to ``D(r)``: a
zero gap, which proves that P is the optimum exactly.

Gated ReLU (one sign, unconstrained blocks): a neuron is its gate's pattern D_b plus a weight; its
direction is ``v = X̃ᵀ D_b r`` (no projection), its fit ``D_b X̃ v``, and the α-form carries the
gate (the exact witness of the cell, or the sampled gate) with ``W1 = √(α/λ) v``, ``w2 = √(αλ)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from exactrelu.exact.cones import project_onto_subspace
from exactrelu.exact.rationals import fmpq_matrix, fraction_of, rational_str
from exactrelu.model.alpha_form import AlphaNeuron, alpha_form_network, alpha_form_to_json
from exactrelu.model.network import Network
from exactrelu.program.duality import DualBound, dual_bound
from exactrelu.program.reduced_kkt import Neuron

DENOMINATOR_BOUNDS = (10**2, 10**4, 10**6, 10**9, 10**12)


@dataclass(frozen=True)
class ExactOptimum:
    """An exactly optimal convex solution in α-form, with ``value = D(r)`` (sum scale)."""

    residual: tuple[Fraction, ...]
    neurons: tuple[AlphaNeuron, ...]
    output_bias: Fraction | None
    value: Fraction
    dual: DualBound
    gates: tuple[tuple[Fraction, ...], ...] | None = None  # gated: one exact gate per neuron

    def network(self, lam: Fraction, bias: bool) -> Network:
        """The rational network of the α-form (gated: with the neurons' gates)."""
        if self.gates is None:
            return alpha_form_network(self.neurons, lam, bias=bias, output_bias=self.output_bias)
        return gated_alpha_network(self.neurons, self.gates, lam, bias, self.output_bias)

    def alpha_form_json(self, lam: Fraction) -> list[dict]:
        if self.gates is None:
            return alpha_form_to_json(self.neurons, lam)
        return gated_alpha_form_to_json(self.neurons, self.gates, lam)


def gated_alpha_network(
    neurons: Sequence[AlphaNeuron], gates, lam, bias: bool, output_bias: Fraction | None
) -> Network:
    """The rational gated network of a gated α-form (``W1 = αv/t``, ``w2 = t ≈ √(αλ)``, the
    neuron's gate); neurons with α = 0 are dropped."""
    kept = [(nu, tuple(g)) for nu, g in zip(neurons, gates, strict=True) if nu.alpha != 0]
    net = alpha_form_network([nu for nu, _ in kept], lam, bias=bias, output_bias=output_bias)
    return replace(net, gates=tuple(g for _, g in kept))


def gated_alpha_form_to_json(neurons: Sequence[AlphaNeuron], gates, lam) -> list[dict]:
    """The ``alpha_form`` list of a gated α-form: each entry also has its ``"gate"``."""
    out = alpha_form_to_json(neurons, lam)
    for item, gate in zip(out, gates, strict=True):
        item["gate"] = [rational_str(v) for v in gate]
    return out


def exact_gate(rows, blocks, i: int) -> tuple[Fraction, ...] | None:
    """An exact gate of pattern i: the cell's integer witness (complete enumeration) or the
    sampled gate converted exactly; None unless its exact pattern ``1[X̃g >= 0]`` is pattern i."""
    if blocks.cells is not None:
        gate = tuple(Fraction(int(v)) for v in blocks.cells.witnesses[i])
    else:
        gate = tuple(Fraction(float(v)) for v in blocks.gates[i])
    pattern = [_dot(row, gate) >= 0 for row in rows]
    return gate if pattern == [bool(v) for v in blocks.patterns[i]] else None


def reconstruct(
    rows, y, lam, blocks, neurons: list[Neuron], residual, output_bias
) -> ExactOptimum | None:
    """Try rational reconstructions of the float residual; the first that proves out wins."""
    prove = _prove_gated if len(blocks.signs) == 1 else _prove
    tried = set()
    for bound in DENOMINATOR_BOUNDS:
        r = tuple(Fraction(float(v)).limit_denominator(bound) for v in residual)
        if r in tried:
            continue
        tried.add(r)
        found = prove(rows, list(y), lam, blocks, neurons, list(r), output_bias)
        if found is not None:
            return found
    return None


def _prove(rows, y, lam, blocks, neurons, r, output_bias) -> ExactOptimum | None:
    directions = [_direction(rows, nu, r) for nu in neurons]
    for nu, v in zip(neurons, directions, strict=True):
        if sum(t * t for t in v) != lam * lam or not _on_its_side(rows, nu, v):
            return None
    fits = [
        [nu.sign * _dot(row, v) if nu.active[k] else Fraction(0) for k, row in enumerate(rows)]
        for nu, v in zip(neurons, directions, strict=True)
    ]
    proved = _zero_gap(rows, y, lam, blocks, r, fits, output_bias)
    if proved is None:
        return None
    alpha, bias, value, dual = proved
    alpha_form = tuple(
        AlphaNeuron(tuple(v), nu.sign, a)
        for nu, v, a in zip(neurons, directions, alpha, strict=True)
    )
    return ExactOptimum(tuple(r), alpha_form, bias, value, dual)


def _zero_gap(rows, y, lam, blocks, r, fits, output_bias):
    """Weights α >= 0 (and the output bias) with ``Σ α_ν f_ν (+ b) = y − r`` exactly, and the
    proof that r is dual feasible with θ = 1 and ``D(r) = ½‖r‖² + λ²Σα``: a zero gap.
    Returns (α, b, value, dual) or None."""
    target = [a - b for a, b in zip(y, r, strict=True)]
    weights = _solve_exact(fits, target, output_bias)
    if weights is None or any(a < 0 for a in weights[: len(fits)]):
        weights = nonnegative_solution(fits, target, output_bias)
    if weights is None:
        return None
    dual = dual_bound(rows, y, lam, blocks, r, exact_tight=True)
    alpha = weights[: len(fits)]
    value = sum((t * t for t in r), Fraction(0)) / 2 + lam * lam * sum(alpha, Fraction(0))
    if dual.theta != 1 or dual.lower != value:
        return None
    return alpha, (weights[-1] if output_bias else None), value, dual


def _prove_gated(rows, y, lam, blocks, neurons, r, output_bias) -> ExactOptimum | None:
    """The gated zero-gap proof: ``v_b = X̃ᵀ D_b r`` with ``‖v_b‖ = λ``, fits ``D_b X̃ v_b``."""
    index = {tuple(bool(t) for t in p): i for i, p in enumerate(blocks.patterns)}
    cells, directions, fits, gates = [], [], [], []
    for nu in neurons:
        i = index.get(tuple(bool(t) for t in nu.active))
        gate = None if i is None else exact_gate(rows, blocks, i)
        if gate is None or i in cells:
            return None
        pattern = blocks.patterns[i]
        v = [
            sum((r[k] * row[j] for k, row in enumerate(rows) if pattern[k]), Fraction(0))
            for j in range(len(rows[0]))
        ]
        if sum(t * t for t in v) != lam * lam:
            return None
        cells.append(i)
        directions.append(v)
        fits.append([_dot(row, v) if pattern[k] else Fraction(0) for k, row in enumerate(rows)])
        gates.append(gate)
    proved = _zero_gap(rows, y, lam, blocks, r, fits, output_bias)
    if proved is None:
        return None
    alpha, bias, value, dual = proved
    alpha_form = tuple(AlphaNeuron(tuple(v), 1, a) for v, a in zip(directions, alpha, strict=True))
    return ExactOptimum(tuple(r), alpha_form, bias, value, dual, tuple(gates))


def _dot(a, b) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


def _direction(rows, nu: Neuron, r) -> list[Fraction]:
    """``v = P_face (s Σ_{k active} r_k x̃_k)``: projection onto the span of the face, exactly."""
    D = len(rows[0])
    c = [Fraction(0)] * D
    for k, row in enumerate(rows):
        if nu.active[k]:
            for j in range(D):
                c[j] += nu.sign * r[k] * row[j]
    return face_projection(rows, nu.face, c)


def face_projection(rows, face, vector: list[Fraction]) -> list[Fraction]:
    """The exact orthogonal projection of ``vector`` onto ``{u : x̃_k·u = 0, k in face}``
    (``exact.cones.project_onto_subspace``)."""
    projection, _ = project_onto_subspace([rows[k] for k in face], vector)
    return list(projection)


def _on_its_side(rows, nu: Neuron, v) -> bool:
    face = set(int(k) for k in nu.face)
    for k, row in enumerate(rows):
        if k in face:
            continue
        value = _dot(row, v)
        # x̃_k·v = 0 off the float face: v lies on a larger face, row k adds 0 to the fit
        if value != 0 and (value > 0) != bool(nu.active[k]):
            return False
    return True


def _solve_exact(columns, target, output_bias) -> list[Fraction] | None:
    """Exact solution of ``Σ_j x_j columns_j (+ β·1) = target``, or None if there is none."""
    cols = [list(c) for c in columns] + ([[Fraction(1)] * len(target)] if output_bias else [])
    if not cols:
        return [] if all(t == 0 for t in target) else None
    A = fmpq_matrix([[cols[j][k] for j in range(len(cols))] for k in range(len(target))])
    b = fmpq_matrix([[t] for t in target])
    At = A.transpose()
    try:
        x = (At * A).solve(At * b)
    except ZeroDivisionError:
        return None
    if A * x != b:
        return None
    return [fraction_of(x[j, 0]) for j in range(len(cols))]


def nonnegative_solution(columns, target, output_bias) -> list[Fraction] | None:
    """Some ``x >= 0`` (the output bias free) with ``Σ_j x_j columns_j (+ β·1) = target``, by an
    exact LP (cdd.gmp), for dependent fits where the solution is not unique; None if none."""
    import cdd
    import cdd.gmp

    p, n = len(columns), len(target)
    free = 1 if output_bias else 0
    rows = []
    for k in range(n):
        equation = [-target[k]] + [columns[j][k] for j in range(p)] + [Fraction(1)] * free
        rows += [equation, [-v for v in equation]]
    rows += [[0] + [1 if j == i else 0 for j in range(p + free)] for i in range(p)]
    rows.append([0] * (1 + p + free))  # objective: feasibility only
    lp = cdd.gmp.linprog_from_array(rows, cdd.LPObjType.MAX)
    cdd.gmp.linprog_solve(lp)
    if lp.status != cdd.LPStatusType.OPTIMAL:
        return None
    return [Fraction(v) for v in lp.primal_solution]
