"""The verified path (docs/theory.md §7): the optimal structure proved when the optimum is
irrational."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from verified_problems import random_problem

import exactrelu
from exactrelu import Problem, read_data
from exactrelu.exact.balls import Ball
from exactrelu.optimum.verified import verify, verify_structure

IRIS = Path(exactrelu.__file__).parent / "data" / "bundled" / "iris_petals.csv"


def square_between(ball: Ball, square: Fraction) -> bool:
    """``ball`` (positive) contains √square: compare squares exactly."""
    return ball.lower > 0 and ball.lower**2 <= square <= ball.upper**2


def test_one_point_one_neuron_irrational_optimum() -> None:
    # docs/theory.md §7: x = (1, 1), y = 5, λ = 1 gives r = λ/‖x‖ = 1/√2 and, from r + α‖x‖² r = y,
    # α = (5√2 − 1)/2, i.e. (2α + 1)² = 50; the optimum ½r² + λ²α = (10√2 − 1)/4.
    problem = Problem([[1, 1]], [5], 1)
    solution = problem.solve()
    assert solution.exact_optimum is None  # irrational: the exact path does not apply
    structure = verify_structure(problem, solution)
    assert structure is not None and structure.status == "verified"
    (r,) = structure.residual
    assert square_between(r, Fraction(1, 2))
    (neuron,) = structure.neurons
    assert neuron.sign == 1 and neuron.face == () and neuron.active == (0,)
    two_alpha_plus_one = Ball(2 * neuron.alpha.mid + 1, 2 * neuron.alpha.rad)
    assert square_between(two_alpha_plus_one, Fraction(50))
    four_opt_plus_one = Ball(4 * structure.optimum.mid + 1, 4 * structure.optimum.rad)
    assert square_between(four_opt_plus_one, Fraction(200))
    for v in neuron.direction:  # v = r x = (1/√2, 1/√2)
        assert square_between(v, Fraction(1, 2))
    # w2 = √(αλ) and W1 = √(α/λ) v: w2² = α and W1_j² = α/2, so (2 w2² + 1)² = 50 = (4 W1_j² + 1)²
    low, high = neuron.w2.lower, neuron.w2.upper
    assert low > 0 and (2 * low**2 + 1) ** 2 <= 50 <= (2 * high**2 + 1) ** 2
    for w in neuron.W1:
        assert (4 * w.lower**2 + 1) ** 2 <= 50 <= (4 * w.upper**2 + 1) ** 2
    assert structure.unique_network and structure.unique_convex
    assert r.rad < Fraction(1, 10**30)
    json.dumps(structure.to_json())  # JSON-ready, rationals as strings


def test_rational_optimum_is_enclosed() -> None:
    # docs/theory.md §3: X = [[3, 4]], y = [11], λ = 1 has r = 1/5 (rational) and ‖u‖ = 54/25.
    problem = Problem([[3, 4]], [11], 1)
    solution = problem.solve()
    structure = verify_structure(problem, solution)
    assert structure is not None
    assert structure.residual[0].contains(Fraction(1, 5))
    assert structure.neurons[0].alpha.contains(Fraction(54, 25))  # ‖u‖ = λα with λ = 1
    assert structure.optimum.contains(solution.optimum)


def test_random_data_verified(random_case) -> None:
    problem, solution = random_case
    assert solution.exact_optimum is None
    verification = verify(problem, solution)
    assert verification.status == "verified", verification.failures
    structure = verification.structure
    assert len(structure.neurons) == len(solution.numeric.neurons) >= 3
    # two rigorous statements about the same optimum must overlap
    assert structure.optimum.lower <= solution.objective_upper
    assert structure.optimum.upper >= solution.objective_lower
    for neuron, float_neuron in zip(structure.neurons, solution.numeric.neurons, strict=True):
        assert neuron.sign == float_neuron.sign
        assert neuron.alpha.lower > 0
        assert len(neuron.cells) == 2 ** len(neuron.face)  # a face row splits into two cells
        # ‖v‖ = λ: the enclosure of ‖v‖² contains λ² = 1
        low = sum(max(abs(b.mid) - b.rad, 0) ** 2 for b in neuron.direction)
        high = sum((abs(b.mid) + b.rad) ** 2 for b in neuron.direction)
        assert low <= 1 <= high
        for lower_side, upper_side in neuron.multipliers:
            assert lower_side.lower > 0 and upper_side.lower > 0
    certificate = structure.certificate
    n, p = problem.n, len(structure.neurons)
    assert len(certificate["box"]["mid"]) == len(certificate["box"]["rad"]) == n + p
    assert certificate["lam"] == "1" and certificate["model"] == "relu"
    for entry in certificate["block_multipliers"]:
        assert all(Fraction(v) > 0 for v in entry["values"])
    json.dumps(certificate)


def test_iris_with_bias_verified() -> None:
    problem = Problem(read_data(IRIS), lam=5, bias=True)
    solution = problem.solve()
    assert solution.exact_optimum is None
    structure = verify_structure(problem, solution)
    assert structure is not None
    assert len(structure.neurons) == len(solution.numeric.neurons)
    assert structure.optimum.lower <= solution.objective_upper
    assert structure.optimum.upper >= solution.objective_lower
    assert all(len(nu.W1) == 3 for nu in structure.neurons)  # the bias weight last


def test_unpolished_solution_is_unavailable(random_case) -> None:
    problem, solution = random_case
    unpolished = SimpleNamespace(numeric=dataclasses.replace(solution.numeric, polished=False))
    verification = verify(problem, unpolished)
    assert verification.status == "unavailable" and "polished" in verification.failures[0]
    assert verify_structure(problem, unpolished) is None


def test_output_bias_and_mean_scale() -> None:
    problem = random_problem(24, 2, 1, seed=0, output_bias=True)
    structure = verify_structure(problem, problem.solve())
    assert structure is not None and structure.output_bias is not None
    total = sum((b.mid for b in structure.residual), Fraction(0))  # 1ᵀr = 0
    assert abs(total) <= sum((b.rad for b in structure.residual), Fraction(0))
    assert structure.certificate["output_bias"] is True
    # the mean scale is the sum problem with λ_sum = n λ, divided by n
    n = problem.n
    mean = random_problem(24, 2, Fraction(1, n), seed=0, output_bias=True, scale="mean")
    scaled = verify_structure(mean, mean.solve())
    assert scaled is not None
    assert scaled.optimum.lower * n <= structure.optimum.upper
    assert scaled.optimum.upper * n >= structure.optimum.lower


def test_agrees_with_the_exact_optimal_set() -> None:
    # a rational optimum: the exact path and the verified path must find the same neurons
    from exactrelu.optimum.optimal_set import optimal_set

    rng = np.random.default_rng(10)
    problem = Problem(rng.integers(-3, 4, size=(6, 2)).tolist(), rng.integers(-5, 6, size=6), 1)
    solution = problem.solve()
    assert solution.exact_optimum is not None
    structure = verify_structure(problem, solution)
    assert structure is not None
    exact = optimal_set(problem, solution)
    verified = sorted((nu.sign, nu.face, nu.cells) for nu in structure.neurons)
    assert verified == sorted((nu.sign, nu.face, nu.cells) for nu in exact.neurons)
    for neuron in structure.neurons:
        match = next(nu for nu in exact.neurons if nu.cells == neuron.cells)
        assert all(b.contains(v) for b, v in zip(neuron.direction, match.direction, strict=True))
    assert all(b.contains(v) for b, v in zip(structure.residual, exact.residual, strict=True))
    assert structure.optimum.contains(solution.optimum)
