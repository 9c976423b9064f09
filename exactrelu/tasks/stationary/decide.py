"""Is a network a stationary point, optimal for its own cells, globally optimal?  The entry point
:func:`stationary` (docs/theory.md §9, §4; proofs/stationary.md).

The network (rational, or an α-form) is reduced to its neurons ``(v, s, ρ)``; each neuron's Clarke
conditions are decided (:mod:`.clarke`), the dual constraints of all cells at the (centred)
residual are priced exactly (:mod:`.pricing`), the program over the network's own cells is
certified at that dual point, and when the network is not globally optimal an improving network is
exhibited with its exact objective.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import to_fraction
from exactrelu.exact.surds import rational_root
from exactrelu.model.alpha_form import (
    AlphaNeuron,
    alpha_form_fit,
    alpha_form_network,
    alpha_form_objective,
)
from exactrelu.model.network import Network, fit
from exactrelu.program.duality import DualBound, dual_bound
from exactrelu.program.exact_optimum import ExactOptimum
from exactrelu.program.problem import Problem, Solution
from exactrelu.tasks.certify import Certification
from exactrelu.tasks.stationary.clarke import dot, neuron_conditions, rational_neuron
from exactrelu.tasks.stationary.pricing import block_analysis, dual_value, pricing_point
from exactrelu.tasks.stationary.result import Stationarity, Vector, ViolatedConstraint

SCALE_DIGITS = (12, 24, 48)
"""Digits of rational square-root scales tried for the rational improving network."""


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
    analysed = tuple(neuron_conditions(rows, lam, r, j, *nu) for j, nu in enumerate(neurons))
    bias_gradient = -sum(r, Fraction(0)) if problem.output_bias else None
    z = pricing_point(r, problem.output_bias)
    value = dual_value(z, problem.dataset.y)
    own = sorted({c for nu in analysed if nu.kind == "active" for c in nu.cells})
    full = block_analysis(problem, problem.blocks, z, set(own))
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
        neurons = [rational_neuron(w, out) for w, out in zip(network.W1, network.w2, strict=True)]
        fitted = fit(network, problem.dataset.X)
        return _Given(network, None, network.output_bias, objective, fitted, neurons)
    form = tuple(network)
    bias = None if output_bias is None else to_fraction(output_bias, "output_bias")
    if bias is not None and not problem.output_bias:
        raise ExactReluInputError("an output bias is given but the problem has none")
    X, y = problem.dataset.X, problem.dataset.y
    options = {"bias": problem.bias, "output_bias": bias}
    objective = alpha_form_objective(form, X, y, lam, **options)
    zero = tuple(Fraction(0) for _ in range(len(problem.rows[0])))
    neurons = [(nu.direction, nu.sign, lam) if nu.alpha else (zero, 0, lam) for nu in form]
    fitted = alpha_form_fit(form, X, **options)
    return _Given(None, form, bias, objective, fitted, neurons)


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
    analysed = block_analysis(sub, sub.blocks, z, set(own))
    if analysed.violated or analysed.undecided:
        dual = dual_bound(sub.rows, list(sub.dataset.y), sub.lam_sum, sub.blocks, list(z))
    else:
        dual = DualBound(z, Fraction(1), analysed.mu, value)
    exact = None
    network = rational
    if form is not None:
        network = alpha_form_network(
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
            base = alpha_form_network(
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
    fit2 = sum((dot(row, v) ** 2 for row, p in active if p == "1"), Fraction(0))
    t = rational_root((block.norm2 - lam * lam) / (2 * lam * fit2), 2, digits)
    neuron = tuple(t * x for x in v)
    W1, w2 = list(base.W1), list(base.w2)
    zero = next((j for j, out in enumerate(w2) if out == 0 and not any(W1[j])), None)
    if zero is None:
        W1.append(neuron)
        w2.append(block.sign * lam * t)
    else:
        W1[zero], w2[zero] = neuron, block.sign * lam * t
    return replace(base, W1=tuple(W1), w2=tuple(w2))
