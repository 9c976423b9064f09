"""The theorems exactrelu relies on, as properties checked on concrete inputs (docs/theory.md
§3–§9).

Each property is a plain function of concrete inputs (a :class:`~exactrelu.Problem`, a network,
…) that raises ``AssertionError`` with a message naming the statement that failed and the exact
numbers involved.  It returns ``None`` when everything it states was checked, or a short note
when part of the statement did not apply to the input (e.g. the optimum is irrational, or the
trainer stopped at a kink): the callers record these notes as Hypothesis events, so that a run
reports how often each part was really exercised.  Every decision is exact: objectives, fits,
bounds and ranks are rationals (or exact sums of square roots), and an irrational optimum is
handled through its α-form or its rigorous enclosure (docs/theory.md §7).

:data:`PROPERTIES` pairs every property with the strategy of its inputs
(:mod:`exactrelu.testing.strategies`) and its share of the examples; ``tests/properties/`` runs them
under pytest and ``exactrelu selftest`` runs them on the user's machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
from flint import arb, fmpq
from hypothesis import event
from hypothesis import strategies as st

from exactrelu.checker import check_certificate
from exactrelu.model import networks
from exactrelu.model.networks import AlphaNeuron, Network, SqrtSum
from exactrelu.model.training import _Problem as _TrainingObjective
from exactrelu.model.training import train
from exactrelu.optimum.optimal_set import OptimalSet, VerifiedOptimalSet, optimal_set
from exactrelu.program.duality import dual_bound
from exactrelu.program.problem import Problem
from exactrelu.tasks.certify import certify
from exactrelu.tasks.path import lam_max
from exactrelu.tasks.prune import _null_vector, _rank, prune
from exactrelu.tasks.stationary import stationary
from exactrelu.testing import strategies
from exactrelu.testing.planted import PlantedInstance

Note = str | None

TRAIN_STEPS = 2000
"""Iterations of L-BFGS in the training property."""
TRAIN_GRADIENT = 1e-6
"""The trainer has converged when every partial derivative is at most this (float)."""
TRAIN_KINK = 1e-7
"""A neuron sits at a kink when ``|x̃_k·W1_j| <= TRAIN_KINK·‖x̃_k‖‖W1_j‖`` for some row."""
TRAIN_NEGLIGIBLE = 1e-9
"""A trained neuron with ``|w2_j|·‖W1_j‖ <= TRAIN_NEGLIGIBLE·max(1, ‖y‖)`` is a zero neuron that
the float iteration has not reached exactly (the zero neuron is always stationary)."""
TRAIN_GAP = Fraction(1, 10**6)
"""A converged trained network is optimal for its own program within this gap, relative to
½‖y‖² (the objective of the zero network)."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


def _exact_data(problem: Problem) -> tuple[list[list[Fraction]], list[Fraction]]:
    return [list(row) for row in problem.dataset.X], list(problem.dataset.y)


def _checked(document: dict, problem: Problem) -> None:
    """The independent checker accepts ``document`` for the problem's data."""
    kind = document.get("kind")
    try:
        check_certificate(document, *_exact_data(problem))
    except Exception as exc:  # the checker must accept, and never crash
        raise AssertionError(f"the checker rejects a {kind} certificate: {exc!r}") from exc


# ---------------------------------------------------------------------------------------------
# Duality and training (docs/theory.md §4, §9)
# ---------------------------------------------------------------------------------------------


def weak_duality(problem: Problem, network: Network) -> Note:
    """docs/theory.md §3–§4: ``NC(W) >= P(u(W)) >= D(z)`` for every network W: the exact objective
    of any network is at least the convex objective of its convex weights, which is at least the
    certified lower bound of ``problem.solve()``; and the bounds are ordered."""
    solution = problem.solve()
    lower, upper = solution.objective_lower, solution.objective_upper
    _require(lower <= upper, f"certified lower bound {lower} > upper bound {upper}")
    value = problem.objective(network)
    _require(value >= lower, f"NC(network) = {value} < certified lower bound {lower}")
    X, y = _exact_data(problem)
    blocks = networks.to_convex(network, X)
    convex = networks.convex_objective(blocks, X, y, problem.lam_sum, network.output_bias)
    to_sum = problem.n if problem.scale == "mean" else 1  # P is on the sum scale
    _require(convex <= value * to_sum, f"P(u) = {float(convex)} > NC(network) = {value}")
    _require(convex >= lower * to_sum, f"P(u) = {float(convex)} < certified bound {lower}")
    if solution.optimum is not None:
        _require(value >= solution.optimum, f"NC = {value} < exact optimum {solution.optimum}")
        return None
    return "irrational optimum: bracketed only"


def _cleaned(problem: Problem, network: Network) -> Network:
    """The trained network with its negligible neurons set exactly to zero (see
    :data:`TRAIN_NEGLIGIBLE`)."""
    scale = max(1.0, float(np.linalg.norm([float(v) for v in problem.dataset.y])))
    W1, w2 = [], []
    for weights, out in zip(network.W1, network.w2, strict=True):
        size = abs(float(out)) * float(np.linalg.norm([float(v) for v in weights]))
        keep = size > TRAIN_NEGLIGIBLE * scale
        W1.append(weights if keep else tuple(Fraction(0) for _ in weights))
        w2.append(out if keep else Fraction(0))
    return replace(network, W1=tuple(W1), w2=tuple(w2))


def _converged(problem: Problem, network: Network, cleaned: Network) -> str | None:
    """Why the trainer's point is not a differentiable stationary point (float tests), or None."""
    rows = problem.rows_float
    W1 = np.array([[float(v) for v in row] for row in network.W1])
    w2 = np.array([float(v) for v in network.w2])
    objective = _TrainingObjective(
        np.array([[float(v) for v in row] for row in problem.dataset.X]),
        problem.y_float,
        float(problem.lam_sum),
        network.width,
        problem.bias,
        problem.output_bias,
    )
    parts = [W1.ravel(), w2]
    if problem.output_bias:
        parts.append(np.array([float(network.output_bias)]))
    _, gradient = objective.value_and_grad(np.concatenate(parts))
    if np.abs(gradient).max() > TRAIN_GRADIENT:
        return f"the trainer stopped with a gradient above {TRAIN_GRADIENT:g}"
    active = [j for j, out in enumerate(cleaned.w2) if out != 0]
    pre = np.abs(rows @ W1[active].T)
    size = np.linalg.norm(rows, axis=1)[:, None] * np.linalg.norm(W1[active], axis=1)[None, :]
    if np.any((pre <= TRAIN_KINK * size) & (size > 0)):
        return "the trainer stopped at a kink (a neuron on a data hyperplane)"
    return None


def training(problem: Problem, width: int, seed: int) -> Note:
    """docs/theory.md §4, §9: a network trained from a random start
    (:func:`exactrelu.model.training.train`) never beats the certified optimum; and when the trainer
    has converged to a differentiable point, that point is an optimum of the sub-sampled program
    over its own patterns within
    :data:`TRAIN_GAP`, certified by the exact gap of :func:`exactrelu.tasks.stationary.stationary`
    (``NC − D(θr)`` with r its own residual, θ scaling r into that program's dual feasible set).
    """
    network = train(
        problem.dataset,
        None,
        problem.lam_sum,
        width,
        bias=problem.bias,
        output_bias=problem.output_bias,
        seed=seed,
        steps=TRAIN_STEPS,
    )
    value = problem.objective(network)
    lower = problem.solve().objective_lower
    _require(value >= lower, f"training reached NC = {value} below the certified bound {lower}")
    cleaned = _cleaned(problem, network)
    reason = _converged(problem, network, cleaned)
    if reason is not None:
        return reason + ": own-program gap not checked"
    result = stationary(problem, cleaned)
    own = result.subprogram
    gap = Fraction(0) if own is None else own.gap
    allowed = TRAIN_GAP * problem.zero_objective
    _require(
        gap <= allowed,
        f"a converged trained network is not optimal for its own patterns "
        f"{list(result.subprogram_patterns)}: exact gap {gap} > {allowed}",
    )
    return None


def zero_above_lam_max(problem: Problem) -> Note:
    """docs/theory.md §4, §8: for λ >= λ_max the zero network (with the output bias ȳ when there is
    one) is optimal: the dual point ``y − ȳ`` is exactly feasible (θ = 1) and ``D(y − ȳ)`` equals
    its objective ½‖y − ȳ‖², and the solver's exact optimum (when it proves one) is that value; for
    λ < λ_max it is not optimal: a network with an exactly smaller objective is exhibited (a
    neuron in a block whose dual constraint is violated, ``exactrelu.tasks.stationary``)."""
    bound = lam_max(problem)
    lam2 = problem.lam**2
    y = list(problem.dataset.y)
    mean = sum(y, Fraction(0)) / len(y) if problem.output_bias else None
    zero = Network((), (), problem.bias, mean)
    value = problem.objective(zero)
    solution = problem.solve()
    if lam2 >= bound.upper2:
        z = [v - (mean or 0) for v in y]
        dual = dual_bound(problem.rows, y, problem.lam_sum, problem.blocks, z, exact_tight=True)
        lower = problem.to_scale(dual.lower)
        _require(
            dual.theta == 1 and lower == value,
            f"λ² = {lam2} >= λ_max² but y − ȳ is not proved dual optimal: θ = {dual.theta}, "
            f"D = {lower}, zero network {value}",
        )
        if solution.optimum is None:
            return "λ >= λ_max: the solver bracketed the optimum without proving it exactly"
        _require(solution.optimum == value, f"optimum {solution.optimum} ≠ {value}")
        return None
    if lam2 < bound.lower2:
        better = stationary(problem, zero).improving_network
        _require(
            better is not None and problem.objective(better) < value,
            f"λ² = {lam2} < λ_max² but no network better than the zero network ({value})",
        )
        _require(
            solution.objective_upper <= value,
            f"the solver's network {solution.objective_upper} is worse than zero ({value})",
        )
        return None
    return "λ inside the enclosure of λ_max: not decided"


# ---------------------------------------------------------------------------------------------
# The optimal set (docs/theory.md §5–§7)
# ---------------------------------------------------------------------------------------------


def _points(result: OptimalSet) -> list[dict[int, Fraction]]:
    """Points of the neuron-merged polytope: every vertex, the min-norm point, the barycenter."""
    barycenter: dict[int, Fraction] = {}
    for vertex in result.vertices:
        for i, beta in vertex.items():
            barycenter[i] = barycenter.get(i, Fraction(0)) + beta / len(result.vertices)
    return [*result.vertices, result.min_norm, barycenter]


def _ball(value: object) -> arb:
    """A verified enclosure (``Ball``) as a python-flint ball."""
    mid, rad = value.mid, value.rad  # type: ignore[attr-defined]
    return arb(fmpq(mid.numerator, mid.denominator), fmpq(rad.numerator, rad.denominator))


def _verified_penalty_identity(problem: Problem, result: VerifiedOptimalSet) -> Note:
    """The identity on a verified optimum: ``λ²Σα − ŷᵀr`` (enclosed) contains 0."""
    structure = result.structure
    if structure is None:
        return "undecided optimal set: identity not checked"
    lam = problem.lam_sum
    r = [_ball(b) for b in structure.residual]
    y = [arb(fmpq(v.numerator, v.denominator)) for v in problem.dataset.y]
    fit_dot_r = sum(((yk - rk) * rk for yk, rk in zip(y, r, strict=True)), arb(0))
    alphas = sum((_ball(nu.alpha) for nu in structure.neurons), arb(0))
    difference = arb(fmpq(lam.numerator, lam.denominator)) ** 2 * alphas - fit_dot_r
    _require(
        difference.contains(0),
        f"verified optimum: λ²Σα − ŷᵀr = {difference} excludes 0 (Σ‖u_b‖ ≠ ŷᵀr/λ)",
    )
    return "irrational optimum: identity checked on enclosures"


def penalty_identity(problem: Problem) -> Note:
    """docs/theory.md §5: ``Σ_b ‖u_b‖ = ŷᵀr/λ`` on every optimal solution.  In α-form ``‖u_b‖ =
    λα_b``, so ``λ²Σα = ŷᵀr`` exactly at every vertex of the optimal polytope, its min-norm point,
    the barycenter and the solver's own α-form; on a verified (irrational) optimum the enclosures of
    ``λ²Σα − ŷᵀr`` contain 0."""
    solution = problem.solve()
    result = optimal_set(problem, solution)
    if isinstance(result, VerifiedOptimalSet):
        return _verified_penalty_identity(problem, result)
    lam2 = problem.lam_sum**2
    target = _dot(result.fit, result.residual)
    for point in _points(result):
        total = sum(point.values(), Fraction(0))
        _require(
            lam2 * total == target,
            f"optimal point {point}: λ²Σβ = {lam2 * total} but ŷᵀr = {target}",
        )
    own = sum((nu.alpha for nu in solution.exact_optimum.neurons), Fraction(0))
    _require(lam2 * own == target, f"solver's α-form: λ²Σα = {lam2 * own} but ŷᵀr = {target}")
    return None


def same_fit(problem: Problem) -> Note:
    """docs/theory.md §5: every optimal solution has the same fit ŷ (the loss is strictly convex in
    the fit) and the optimal objective: checked exactly at every vertex, the min-norm point and the
    barycenter of an exact optimal set, in α-form and for the rational networks (whose fits are
    exactly the α-form's)."""
    solution = problem.solve()
    result = optimal_set(problem, solution)
    if isinstance(result, VerifiedOptimalSet):
        return "irrational optimum: one network (verified), nothing to compare"
    X, y = _exact_data(problem)
    optimum = solution.exact_optimum.value
    for point in _points(result):
        network = result.network(point)
        fitted = networks.fit(network, X)
        _require(fitted == result.fit, f"optimal point {point} has fit {fitted} ≠ ŷ {result.fit}")
        value = networks.alpha_form_objective(
            result.alpha_form(point),
            X,
            y,
            problem.lam_sum,
            bias=problem.bias,
            output_bias=network.output_bias,
        )
        _require(value == optimum, f"optimal point {point}: objective {value} ≠ {optimum}")
    return None if len(result.vertices) > 1 else "unique optimal network"


def vertices_minimal(problem: Problem) -> Note:
    """docs/theory.md §6: every vertex of the optimal polytope is a minimal network: weights > 0,
    fits of its neurons linearly independent (with the constant column when there is an output
    bias), so at most rank(F) <= n neurons; and m* is the smallest vertex support."""
    result = optimal_set(problem)
    if isinstance(result, VerifiedOptimalSet):
        return "irrational optimum: one verified network"
    with_ones = problem.output_bias
    rank = _rank([nu.fit for nu in result.neurons], with_ones)
    for vertex in result.vertices:
        _require(all(b > 0 for b in vertex.values()), f"vertex {vertex} has a weight <= 0")
        columns = [result.neurons[i].fit for i in vertex]
        _require(
            _null_vector(columns, with_ones) is None,
            f"vertex {vertex}: the fits of its neurons are linearly dependent (not minimal)",
        )
        _require(
            len(vertex) <= rank <= problem.n,
            f"vertex {vertex}: {len(vertex)} neurons, rank(F) = {rank}, n = {problem.n}",
        )
    _require(
        result.min_width == min(len(v) for v in result.vertices),
        f"m* = {result.min_width} is not the smallest vertex support",
    )
    return None


def uniqueness(problem: Problem) -> Note:
    """docs/theory.md §5: the optimal network is unique (up to permutation and splitting) iff the
    fits of the used neurons S are linearly independent (with the constant column when there is an
    output bias); the convex solution is unique iff moreover each used neuron has one cell."""
    result = optimal_set(problem)
    if isinstance(result, VerifiedOptimalSet):
        return "irrational optimum: uniqueness proved by the Krawczyk test"
    used = result.used_neurons
    independent = _null_vector([result.neurons[i].fit for i in used], problem.output_bias) is None
    _require(
        result.unique_network == independent,
        f"unique_network = {result.unique_network} but the fits of S = {used} are "
        f"{'independent' if independent else 'dependent'}",
    )
    single = all(len(result.neurons[i].cells) == 1 for i in used)
    _require(
        result.unique_convex == (independent and single),
        f"unique_convex = {result.unique_convex} but independent = {independent}, "
        f"one cell per used neuron = {single}",
    )
    return None


def planted_optimum(instance: PlantedInstance) -> Note:
    """docs/theory.md §4, §7: on a planted instance the solver's certified bounds enclose the
    planted exact optimum; when the solver proves an exact optimum, it is the planted one, with the
    planted residual and number of minimal networks."""
    problem = instance.problem()
    solution = problem.solve()
    _require(
        solution.objective_lower <= instance.optimum <= solution.objective_upper,
        f"planted optimum {instance.optimum} outside the certified bounds "
        f"[{solution.objective_lower}, {solution.objective_upper}]",
    )
    if solution.optimum is None:
        return "the solver bracketed the planted optimum without proving it exactly"
    _require(
        solution.optimum == instance.optimum,
        f"optimum {solution.optimum} ≠ planted {instance.optimum}",
    )
    result = optimal_set(problem, solution)
    _require(
        result.residual == instance.residual,
        f"residual {result.residual} ≠ planted {instance.residual}",
    )
    expected = instance.count_minimal_networks
    if expected is None:
        return "too many supports to count the minimal networks by brute force"
    _require(
        len(result.vertices) == expected,
        f"{len(result.vertices)} minimal networks, planted {expected}",
    )
    return None


# ---------------------------------------------------------------------------------------------
# Maps between the programs, pruning, splitting (docs/theory.md §3, §5, §6)
# ---------------------------------------------------------------------------------------------


def convex_round_trip(problem: Problem, network: Network) -> Note:
    """docs/theory.md §3: network → convex → network keeps the fit exactly and gives
    ``NC(back) = P(u) + excess`` with the exact rounding excess of the rational scales (zero when
    every ‖u_b‖ is a rational square), ``P(u) <= NC(network)``; convex → network → convex is the
    identity on the (nonzero) blocks, so it preserves P exactly."""
    X, y = _exact_data(problem)
    lam = problem.lam_sum
    blocks = networks.to_convex(network, X)
    bias = network.output_bias
    fitted = networks.fit(network, X)
    _require(networks.in_cones(blocks, X), "a convex block is outside its cone")
    convex_fit = tuple(v + (bias or 0) for v in networks.convex_fit(blocks, X))
    _require(convex_fit == fitted, f"convex fit {convex_fit} ≠ network fit {fitted}")
    back = networks.from_convex(blocks, bias=network.bias, output_bias=bias)
    _require(networks.fit(back, X) == fitted, "network → convex → network changed the fit")
    convex = networks.convex_objective(blocks, X, y, lam, bias)
    excess = networks.rounding_excess(blocks, lam)
    value = networks.objective(network, X, y, lam)
    _require(convex <= value, f"P(u) = {float(convex)} > NC(network) = {value}")
    back_value = networks.objective(back, X, y, lam)
    _require(
        back_value == convex + excess,
        f"NC(back) = {back_value} ≠ P(u) + excess = {float(convex + excess)}",
    )
    again = networks.to_convex(back, X)
    nonzero = [b for b in blocks if any(b.u)]
    _require(
        sorted(again) == sorted(nonzero),
        "convex → network → convex changed the blocks",
    )
    _require(
        networks.convex_objective(again, X, y, lam, bias) == convex,
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
    fitted = networks.fit(network, X)
    _require(networks.fit(result.network, X) == fitted, "pruning changed the fit")
    _require(networks.fit(result.w2_network, X) == fitted, "the w2-only network's fit differs")
    _require(
        result.convex_objective <= result.convex_objective_before,
        f"pruning raised the convex objective by {float(result.convex_objective_change)}",
    )
    columns = [networks.convex_fit([b], X) for b in result.blocks]
    _require(
        _null_vector(columns, problem.output_bias) is None,
        "the pruned network's block fits are linearly dependent (not minimal)",
    )
    _require(
        result.width_after == len(result.blocks) <= result.rank <= problem.n,
        f"width {result.width_after}, rank {result.rank}, n = {problem.n}",
    )
    _require(result.objective == problem.objective(result.network), "stated objective differs")
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
    barycenter = _points(result)[-1]
    pruned = prune(problem, result.network(barycenter))
    optimum = SqrtSum(solution.optimum)
    _require(
        pruned.convex_objective_before == optimum and pruned.convex_objective == optimum,
        f"convex objective {float(pruned.convex_objective_before)} → "
        f"{float(pruned.convex_objective)}, optimum {solution.optimum}",
    )
    _require(pruned.alpha_form is not None, "the pruned optimal network has irrational norms")
    index = {(nu.direction, nu.sign): i for i, nu in enumerate(result.neurons)}
    point = {}
    for neuron in pruned.alpha_form:
        key = (neuron.direction, neuron.sign)
        _require(key in index, f"pruned neuron {key} is not a neuron of the optimal set")
        point[index[key]] = neuron.alpha
    _require(point in result.vertices, f"pruning ended at {point}, not at a vertex")
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
    _require(sum((c * c for c in weights), Fraction(0)) == 1, f"Σc² ≠ 1 for {weights}")
    solution = problem.solve()
    network = solution.network
    if network.width == 0:
        return "zero optimal network: nothing to split"
    X = problem.dataset.X
    split = _split(network, 0, weights)
    _require(problem.objective(split) == problem.objective(network), "splitting changed NC")
    _require(networks.fit(split, X) == networks.fit(network, X), "splitting changed the fit")
    _require(
        sorted(networks.to_convex(split, X)) == sorted(networks.to_convex(network, X)),
        "splitting changed the convex weights",
    )
    verdict = certify(problem, network, solution=solution).verdict
    split_verdict = certify(problem, split, solution=solution).verdict
    _require(split_verdict == verdict, f"certify: {verdict} before, {split_verdict} after")
    exact = solution.exact_optimum
    if exact is None:
        return "irrational optimum: split checked on the rational network only"
    first, rest = exact.neurons[0], exact.neurons[1:]
    parts = [AlphaNeuron(first.direction, first.sign, first.alpha * c * c) for c in weights]
    value = networks.alpha_form_objective(
        [*parts, *rest],
        X,
        problem.dataset.y,
        problem.lam_sum,
        bias=problem.bias,
        output_bias=exact.output_bias,
    )
    _require(value == exact.value, f"split α-form objective {value} ≠ optimum {exact.value}")
    return None


# ---------------------------------------------------------------------------------------------
# Certificates (docs/formats.md, "Numbers": every exact or verified claim is re-verified by the
# checker)
# ---------------------------------------------------------------------------------------------


def certificates(problem: Problem, network: Network) -> Note:
    """docs/formats.md, "Labels": the independent checker accepts every certificate the package
    writes for the problem: the cells (``patterns``), ``solve``, ``certify`` of the network, the
    optimal set (exact or verified) and, for ReLU problems, ``stationary`` of the network."""
    notes = []
    if problem.blocks.complete:
        _checked(problem.blocks.cells.to_json(problem.dataset), problem)
    solution = problem.solve()
    _checked(solution.to_json(), problem)
    if problem.model == "relu":
        _checked(certify(problem, network, solution=solution).to_json(), problem)
        if problem.blocks.complete:
            _checked(stationary(problem, network).to_json(), problem)
    result = optimal_set(problem, solution)
    if result.status == "undecided":
        notes.append("optimal set undecided: nothing to check")
    else:
        _checked(result.to_json(), problem)
    return "; ".join(notes) or None


def subsampled_program(problem: Problem) -> Note:
    """docs/theory.md §9: a program over a subset of the cells has a larger optimum than the full
    program (fewer blocks: a smaller feasible set), its bounds are ordered, and its certificate
    is accepted by the checker (which says that it holds for that program only)."""
    options = {name: getattr(problem, name) for name in ("bias", "output_bias", "scale", "model")}
    full = Problem(problem.dataset, lam=problem.lam, **options).solve()
    sub = problem.solve()
    _require(
        sub.objective_lower <= sub.objective_upper,
        f"sub-program bounds {sub.objective_lower} > {sub.objective_upper}",
    )
    _require(
        full.objective_lower <= sub.objective_upper,
        f"sub-program optimum <= {sub.objective_upper} below the full program's certified "
        f"lower bound {full.objective_lower}",
    )
    _checked(sub.to_json(), problem)
    return None


# ---------------------------------------------------------------------------------------------
# The suite
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Property:
    """A property with the strategy of its argument tuples and its share of the examples
    (1 = the profile's ``max_examples``; slow properties get less)."""

    name: str
    check: Callable[..., Note]
    cases: Callable[[], st.SearchStrategy[tuple]]
    share: float = 1.0

    def run(self, case: tuple) -> None:
        """Check one case inside a Hypothesis test, recording the note (if any) as an event."""
        note = self.check(*case)
        if note is not None:
            event(note)

    def examples(self, max_examples: int) -> int:
        """Examples of this property when a profile allows ``max_examples`` per test."""
        return max(1, round(self.share * max_examples))

    @property
    def statement(self) -> str:
        return (self.check.__doc__ or "").split(":", 1)[0].strip()


PROPERTIES: dict[str, Property] = {
    p.name: p
    for p in (
        Property(
            "weak_duality",
            weak_duality,
            lambda: strategies.problems_with_networks(
                output_bias=st.booleans(), scale=st.sampled_from(["sum", "mean"])
            ),
        ),
        Property(
            "training",
            training,
            lambda: strategies.training_cases(
                output_bias=st.booleans(), scale=st.sampled_from(["sum", "mean"])
            ),
            0.5,
        ),
        Property(
            "zero_above_lam_max",
            zero_above_lam_max,
            lambda: st.tuples(
                strategies.problems(
                    output_bias=st.booleans(),
                    scale=st.sampled_from(["sum", "mean"]),
                    lam_regions=("below", "at", "above"),
                )
            ),
        ),
        Property(
            "penalty_identity",
            penalty_identity,
            lambda: st.tuples(strategies.optimal_set_problems(output_bias=st.booleans())),
        ),
        Property("same_fit", same_fit, lambda: st.tuples(strategies.optimal_set_problems())),
        Property(
            "vertices_minimal",
            vertices_minimal,
            lambda: st.tuples(strategies.optimal_set_problems(output_bias=st.booleans())),
        ),
        Property("uniqueness", uniqueness, lambda: st.tuples(strategies.optimal_set_problems())),
        Property(
            "planted_optimum", planted_optimum, lambda: st.tuples(strategies.planted_instances())
        ),
        Property(
            "convex_round_trip",
            convex_round_trip,
            lambda: strategies.problems_with_networks(output_bias=st.booleans()),
        ),
        Property(
            "pruning",
            pruning,
            lambda: strategies.problems_with_networks(max_width=6, output_bias=st.booleans()),
        ),
        Property(
            "pruning_optimal",
            pruning_optimal,
            lambda: st.tuples(strategies.optimal_set_problems(output_bias=st.booleans())),
        ),
        Property(
            "splitting",
            splitting,
            lambda: st.tuples(
                strategies.optimal_set_problems(lam_regions=("free", "below")),
                strategies.split_weights(),
            ),
        ),
        Property(
            "certificates",
            certificates,
            lambda: strategies.problems_with_networks(
                output_bias=st.booleans(), scale=st.sampled_from(["sum", "mean"])
            ),
            0.5,
        ),
        Property(
            "certificates_gated",
            certificates,
            lambda: strategies.problems_with_networks(
                max_width=0, model=st.just("gated"), lam_regions=("free",)
            ),
            0.5,
        ),
        Property(
            "subsampled_program",
            subsampled_program,
            lambda: st.tuples(strategies.subsampled_problems(output_bias=st.booleans())),
        ),
    )
}
"""Every property, by name, in the order ``exactrelu selftest`` runs them."""
