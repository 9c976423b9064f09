"""Properties of duality and training (docs/theory.md §3–§4, §8, §9): weak duality between any
network, its convex weights and the certified bound; trained networks against the certified
optimum and their own sub-sampled program; the zero network and λ_max."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np

from exactrelu.model.convex import convex_objective, to_convex
from exactrelu.model.network import Network
from exactrelu.model.training import TrainingObjective, train
from exactrelu.program.duality import dual_bound
from exactrelu.program.problem import Problem
from exactrelu.tasks.lam_max import lam_max
from exactrelu.tasks.stationary import stationary
from exactrelu.testing.properties.common import Note, exact_data, require

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


def weak_duality(problem: Problem, network: Network) -> Note:
    """docs/theory.md §3–§4: ``NC(W) >= P(u(W)) >= D(z)`` for every network W: the exact objective
    of any network is at least the convex objective of its convex weights, which is at least the
    certified lower bound of ``problem.solve()``; and the bounds are ordered."""
    solution = problem.solve()
    lower, upper = solution.objective_lower, solution.objective_upper
    require(lower <= upper, f"certified lower bound {lower} > upper bound {upper}")
    value = problem.objective(network)
    require(value >= lower, f"NC(network) = {value} < certified lower bound {lower}")
    X, y = exact_data(problem)
    blocks = to_convex(network, X)
    convex = convex_objective(blocks, X, y, problem.lam_sum, network.output_bias)
    to_sum = problem.n if problem.scale == "mean" else 1  # P is on the sum scale
    require(convex <= value * to_sum, f"P(u) = {float(convex)} > NC(network) = {value}")
    require(convex >= lower * to_sum, f"P(u) = {float(convex)} < certified bound {lower}")
    if solution.optimum is not None:
        require(value >= solution.optimum, f"NC = {value} < exact optimum {solution.optimum}")
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
    objective = TrainingObjective(
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
    require(value >= lower, f"training reached NC = {value} below the certified bound {lower}")
    cleaned = _cleaned(problem, network)
    reason = _converged(problem, network, cleaned)
    if reason is not None:
        return reason + ": own-program gap not checked"
    result = stationary(problem, cleaned)
    own = result.subprogram
    gap = Fraction(0) if own is None else own.gap
    allowed = TRAIN_GAP * problem.zero_objective
    require(
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
        require(
            dual.theta == 1 and lower == value,
            f"λ² = {lam2} >= λ_max² but y − ȳ is not proved dual optimal: θ = {dual.theta}, "
            f"D = {lower}, zero network {value}",
        )
        if solution.optimum is None:
            return "λ >= λ_max: the solver bracketed the optimum without proving it exactly"
        require(solution.optimum == value, f"optimum {solution.optimum} ≠ {value}")
        return None
    if lam2 < bound.lower2:
        better = stationary(problem, zero).improving_network
        require(
            better is not None and problem.objective(better) < value,
            f"λ² = {lam2} < λ_max² but no network better than the zero network ({value})",
        )
        require(
            solution.objective_upper <= value,
            f"the solver's network {solution.objective_upper} is worse than zero ({value})",
        )
        return None
    return "λ inside the enclosure of λ_max: not decided"
