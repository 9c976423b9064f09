"""Properties of the maps between the programs, pruning and splitting (docs/theory.md §3, §5, §6):
network ↔ convex round trips, Algorithm 1 on any network and on an optimal one, splitting a
neuron."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from exactrelu.exact.rationals import column_dependence
from exactrelu.exact.surds import SqrtSum
from exactrelu.model.alpha_form import AlphaNeuron, alpha_form_objective
from exactrelu.model.convex import (
    convex_fit,
    convex_objective,
    from_convex,
    in_cones,
    rounding_excess,
    to_convex,
)
from exactrelu.model.network import Network
from exactrelu.model.network import fit as network_fit
from exactrelu.model.network import objective as network_objective
from exactrelu.optimum.optimal_set import VerifiedOptimalSet, optimal_set
from exactrelu.program.problem import Problem
from exactrelu.tasks.certify import certify
from exactrelu.tasks.prune import prune
from exactrelu.testing.properties.common import Note, exact_data, require
from exactrelu.testing.properties.optimal_set import polytope_points


def convex_round_trip(problem: Problem, network: Network) -> Note:
    """docs/theory.md §3: network → convex → network keeps the fit exactly and gives
    ``NC(back) = P(u) + excess`` with the exact rounding excess of the rational scales (zero when
    every ‖u_b‖ is a rational square), ``P(u) <= NC(network)``; convex → network → convex is the
    identity on the (nonzero) blocks, so it preserves P exactly."""
    X, y = exact_data(problem)
    lam = problem.lam_sum
    blocks = to_convex(network, X)
    bias = network.output_bias
    fitted = network_fit(network, X)
    require(in_cones(blocks, X), "a convex block is outside its cone")
    convex_fitted = tuple(v + (bias or 0) for v in convex_fit(blocks, X))
    require(convex_fitted == fitted, f"convex fit {convex_fitted} ≠ network fit {fitted}")
    back = from_convex(blocks, bias=network.bias, output_bias=bias)
    require(network_fit(back, X) == fitted, "network → convex → network changed the fit")
    convex = convex_objective(blocks, X, y, lam, bias)
    excess = rounding_excess(blocks, lam)
    value = network_objective(network, X, y, lam)
    require(convex <= value, f"P(u) = {float(convex)} > NC(network) = {value}")
    back_value = network_objective(back, X, y, lam)
    require(
        back_value == convex + excess,
        f"NC(back) = {back_value} ≠ P(u) + excess = {float(convex + excess)}",
    )
    again = to_convex(back, X)
    nonzero = [b for b in blocks if any(b.u)]
    require(
        sorted(again) == sorted(nonzero),
        "convex → network → convex changed the blocks",
    )
    require(
        convex_objective(again, X, y, lam, bias) == convex,
        "convex → network → convex changed P",
    )
    if excess == SqrtSum(Fraction(0)):
        return None
    return "irrational scales: objective kept up to the exact excess"


def pruning(problem: Problem, network: Network) -> Note:
    """docs/theory.md §6 (Algorithm 1) on any network: the fit is unchanged exactly, the convex
    objective never rises, and the result is minimal for its fit: its block fits are linearly
    independent, so at most rank <= n neurons remain."""
    result = prune(problem, network)
    X = problem.dataset.X
    fitted = network_fit(network, X)
    require(network_fit(result.network, X) == fitted, "pruning changed the fit")
    require(network_fit(result.w2_network, X) == fitted, "the w2-only network's fit differs")
    require(
        result.convex_objective <= result.convex_objective_before,
        f"pruning raised the convex objective by {float(result.convex_objective_change)}",
    )
    columns = [convex_fit([b], X) for b in result.blocks]
    require(
        column_dependence(columns, problem.output_bias) is None,
        "the pruned network's block fits are linearly dependent (not minimal)",
    )
    require(
        result.width_after == len(result.blocks) <= result.rank <= problem.n,
        f"width {result.width_after}, rank {result.rank}, n = {problem.n}",
    )
    require(result.objective == problem.objective(result.network), "stated objective differs")
    return None


def pruning_optimal(problem: Problem) -> Note:
    """docs/theory.md §6: pruning an optimal network keeps the optimal objective exactly (the convex
    objective is the optimum before and after) and ends at a vertex of the optimal polytope: a
    minimal optimal network.  The input is the rational network of the barycenter of the
    vertices (a point in the relative interior of the polytope)."""
    solution = problem.solve()
    result = optimal_set(problem, solution)
    if isinstance(result, VerifiedOptimalSet):
        return "irrational optimum: no exact optimal network to prune"
    barycenter = polytope_points(result)[-1]
    pruned = prune(problem, result.network(barycenter))
    optimum = SqrtSum(solution.optimum)
    require(
        pruned.convex_objective_before == optimum and pruned.convex_objective == optimum,
        f"convex objective {float(pruned.convex_objective_before)} → "
        f"{float(pruned.convex_objective)}, optimum {solution.optimum}",
    )
    require(pruned.alpha_form is not None, "the pruned optimal network has irrational norms")
    index = {(nu.direction, nu.sign): i for i, nu in enumerate(result.neurons)}
    point = {}
    for neuron in pruned.alpha_form:
        key = (neuron.direction, neuron.sign)
        require(key in index, f"pruned neuron {key} is not a neuron of the optimal set")
        point[index[key]] = neuron.alpha
    require(point in result.vertices, f"pruning ended at {point}, not at a vertex")
    return None if len(result.vertices) > 1 else "unique optimal network"


def _split(network: Network, j: int, weights: Sequence[Fraction]) -> Network:
    """Neuron j replaced by the neurons ``(c W1_j, c w2_j)`` for c in ``weights``."""
    W1 = [row for i, row in enumerate(network.W1) if i != j]
    w2 = [out for i, out in enumerate(network.w2) if i != j]
    for c in weights:
        W1.append(tuple(c * v for v in network.W1[j]))
        w2.append(c * network.w2[j])
    return replace(network, W1=tuple(W1), w2=tuple(w2))


def splitting(problem: Problem, weights: Sequence[Fraction]) -> Note:
    """docs/theory.md §5: splitting a neuron ``(W1, w2)`` into ``(c_i W1, c_i w2)`` with ``Σ c_i² =
    1``, ``c_i >= 0`` keeps the fit, the weight decay and the convex weights exactly, so the
    optimal network stays optimal: same exact objective and same verdict of ``certify``; in
    α-form, splitting ``α`` into ``α c_i²`` keeps the exact optimum."""
    require(sum((c * c for c in weights), Fraction(0)) == 1, f"Σc² ≠ 1 for {weights}")
    solution = problem.solve()
    network = solution.network
    if network.width == 0:
        return "zero optimal network: nothing to split"
    X = problem.dataset.X
    split = _split(network, 0, weights)
    require(problem.objective(split) == problem.objective(network), "splitting changed NC")
    require(network_fit(split, X) == network_fit(network, X), "splitting changed the fit")
    require(
        sorted(to_convex(split, X)) == sorted(to_convex(network, X)),
        "splitting changed the convex weights",
    )
    verdict = certify(problem, network, solution=solution).verdict
    split_verdict = certify(problem, split, solution=solution).verdict
    require(split_verdict == verdict, f"certify: {verdict} before, {split_verdict} after")
    exact = solution.exact_optimum
    if exact is None:
        return "irrational optimum: split checked on the rational network only"
    first, rest = exact.neurons[0], exact.neurons[1:]
    parts = [AlphaNeuron(first.direction, first.sign, first.alpha * c * c) for c in weights]
    value = alpha_form_objective(
        [*parts, *rest],
        X,
        problem.dataset.y,
        problem.lam_sum,
        bias=problem.bias,
        output_bias=exact.output_bias,
    )
    require(value == exact.value, f"split α-form objective {value} ≠ optimum {exact.value}")
    return None
