"""Samples for mutation testing: certificates of each kind the package writes, on small instances
(planted instances, docs/theory.md §7, where an exact truth is needed), each with the oracle that
decides its claims."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

from exactrelu.arrangement.patterns import enumerate_patterns
from exactrelu.data.io import as_dataset
from exactrelu.model.network import Network
from exactrelu.program.problem import Problem
from exactrelu.testing.mutation.oracles import (
    bounds_oracle,
    equal_claims_oracle,
    patterns_oracle,
    prune_oracle,
)
from exactrelu.testing.mutation.path_oracle import interval_oracle, path_oracle
from exactrelu.testing.mutation.stationary_oracle import stationary_oracle

KINDS = (
    "patterns",
    "solve",
    "certify",
    "optimal_set exact",
    "optimal_set verified",
    "optimal_set mirror",
    "prune",
    "path",
    "verified_interval",
    "stationary",
)
"""The kinds of files mutated, in the order of the table."""


@dataclass(frozen=True)
class Sample:
    """A certificate of one kind, its exact data and the oracle deciding its claims."""

    label: str
    document: dict
    X: tuple[tuple[Fraction, ...], ...]
    y: tuple[Fraction, ...]
    oracle: Callable[[dict, dict, object], bool | None] | None = field(repr=False)


@cache
def samples(label: str) -> tuple[Sample, ...]:
    """The certificates of kind ``label`` (one of :data:`KINDS`), deterministic (built once;
    mutations work on copies)."""
    return tuple(_BUILDERS[label]())


def _sample(label, document, dataset, oracle) -> Sample:
    document = json.loads(json.dumps(document))  # a JSON round trip: what a file holds
    return Sample(label, document, dataset.X, dataset.y, oracle)


def _planted_problem(seed: int, **options) -> Problem:
    from exactrelu.testing.planted import planted

    return planted(8, 2, 2, bias=True, seed=seed, **options).problem()


def _patterns_samples():
    for X, bias in (
        ([[2, -1], [0, 3], [-2, -2], [1, 1], [3, 0], [-1, 2]], False),
        ([[1, 0], [2, 0], [0, 1], [1, 1], [-1, -1], [0, 0]], True),
    ):
        dataset = as_dataset(X, [1, 2, 3, 4, 5, 6])
        cells = enumerate_patterns(dataset, bias=bias)
        yield _sample("patterns", cells.to_json(dataset), dataset, patterns_oracle)


def _solve_samples():
    for seed, options in ((1, {}), (2, {"output_bias": True})):
        problem = _planted_problem(seed, **options)
        yield _sample("solve", problem.solve().to_json(), problem.dataset, bounds_oracle)


def _certify_samples():
    from exactrelu.model.training import train
    from exactrelu.tasks.certify import certify

    problem = _planted_problem(0)
    solution = problem.solve()
    X, y = problem.dataset.X, problem.dataset.y
    for network in (solution.network, train(X, y, problem.lam, 2, bias=True, seed=1, steps=30)):
        result = certify(problem, network, solution=solution)
        yield _sample("certify", result.to_json(), problem.dataset, bounds_oracle)


def _optimal_set_samples(status: str):
    from exactrelu.optimum.optimal_set import optimal_set
    from exactrelu.testing.planted import planted

    if status == "exact":
        dependent = planted(d=2, dependent=True, seed=0)
        problems = [dependent.problem(), _planted_problem(0, faces=1)]
    else:
        problems = [Problem([[1, 1]], [5], 1), Problem([[1, 2], [2, -1], [-1, 1]], [3, 1, 2], 1)]
    for problem in problems:
        result = optimal_set(problem)
        if result.status != status:  # pragma: no cover - the instances are chosen for it
            raise AssertionError(f"expected a {status} optimal set, got {result.status}")
        label = f"optimal_set {status}"
        yield _sample(label, result.to_json(), problem.dataset, equal_claims_oracle)


def _mirror_ties_samples():
    """Verified optimal sets with mirror ties (proofs/mirror_ties.md): at small λ the residual
    has X̃ᵀr = 0 and the optimal networks form a trade polytope (two and six vertices)."""
    from exactrelu.optimum.optimal_set import optimal_set

    instances = (
        (
            [[-0.8, -1.3], [-0.2, 0.4], [1.1, 0.1], [-0.6, -0.8], [0.7, 1.6], [0.3, -1.2]],
            [-1.0, 1.6, 0.2, -1.7, -0.1, -1.2],
            Fraction(1, 50),
            {"output_bias": True},
        ),
        (
            [[0.1, -0.1], [0.6, 0.1], [-0.5, 0.4], [1.3, 0.9], [-0.7, -1.3], [-0.6, 0.0]],
            [-2.3, -0.2, -1.2, -0.7, -0.5, -0.3],
            Fraction(1, 200),
            {},
        ),
    )
    for X, y, lam, options in instances:
        exact = [[Fraction(str(v)) for v in row] for row in X]
        problem = Problem(exact, [Fraction(str(v)) for v in y], lam, **options)
        result = optimal_set(problem)
        if not result.to_json().get("mirror_ties"):  # pragma: no cover - chosen for it
            raise AssertionError("expected a verified optimal set with mirror ties")
        yield _sample("optimal_set mirror", result.to_json(), problem.dataset, equal_claims_oracle)


def _prune_samples():
    from exactrelu.tasks.prune import prune

    problem = _planted_problem(0)
    network = problem.solve().network
    split = Network(
        network.W1 + network.W1[:1], network.w2[:1] + network.w2[1:] + network.w2[:1], bias=True
    )
    yield _sample("prune", prune(problem, split).to_json(), problem.dataset, prune_oracle)


@cache
def _small_path():
    """A small path (n = 5, d = 1 with a bias) whose grid passes λ_max: proved, sampled,
    undecided and zero intervals, decided and numeric brackets, exact and verified samples."""
    from exactrelu.tasks.path import path

    problem = Problem([[0], [1], [2], [3], [4]], [3, 0, 2, -1, 4], 1, bias=True)
    grid = [Fraction(1, 2), Fraction(3, 2), Fraction(20)]
    return problem, path(problem, grid, rel_width=Fraction(1, 50), interval_tests=12)


def _path_samples():
    problem, result = _small_path()
    yield _sample("path", result.to_json(), problem.dataset, path_oracle)


def _verified_interval_samples():
    problem, result = _small_path()
    proved = [i for i in result.intervals if i.proofs]
    for pieces in (proved[0].proofs, proved[-1].proofs):
        yield _sample("verified_interval", pieces[-1], problem.dataset, interval_oracle)


def _stationary_samples():
    from exactrelu.tasks.stationary import stationary

    for problem, network in _stationary_instances():
        result = stationary(problem, network)
        yield _sample("stationary", result.to_json(), problem.dataset, stationary_oracle)


def _stationary_instances():
    """A stationary network with violated constraints (rational), a Clarke saddle on a face, a
    planted global optimum (α-form) and a perturbed, non-stationary network."""
    from exactrelu.tasks.stationary import planted_stationary

    points = [(1, 0), (0, 0), (2, 1), (-1, 3), (-2, 0), (1, 5)]
    v = (2, -1, 2)  # ‖v‖ = λ = 3
    problem, network = planted_stationary(points, v, inactive=10)
    yield problem, network
    yield planted_stationary([*points, (0, 2)], v, face=6, face_residual=2)
    planted = _planted_problem(0)
    yield planted, planted.solve().exact_optimum.neurons
    moved = Network(((Fraction(201, 100), *network.W1[0][1:]),), network.w2, bias=True)
    yield problem, moved


_BUILDERS: dict[str, Callable] = {
    "patterns": _patterns_samples,
    "solve": _solve_samples,
    "certify": _certify_samples,
    "optimal_set exact": lambda: _optimal_set_samples("exact"),
    "optimal_set verified": lambda: _optimal_set_samples("verified"),
    "optimal_set mirror": _mirror_ties_samples,
    "prune": _prune_samples,
    "path": _path_samples,
    "verified_interval": _verified_interval_samples,
    "stationary": _stationary_samples,
}
