"""Optimal sets with mirror ties (proofs/mirror_ties.md): X̃ᵀr = 0 at the optimum, every neuron's
mirror at λ, dependent fits, many minimal networks that all compute one function.

Oracles: the residual and optimum enclosures of the proof itself (every listed network's fit at
the data, evaluated in ball arithmetic from its own enclosed weights, must enclose y − r; its
objective must lie in the solver's certified bracket), brute force on the functions (all listed
networks agree on a grid of points), and the float optimum of the solver.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from flint import arb, ctx
from hypothesis import given, settings
from hypothesis import strategies as st

from exactrelu import Problem, optimal_set
from exactrelu.exact.rationals import fraction_of
from exactrelu.optimum.mirror_ties import free_columns, mirror_of
from exactrelu.program.reduced_kkt import Neuron
from exactrelu.tasks.lam_max import lam_max

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def ball(entry: dict) -> arb:
    return arb(str(Fraction(entry["mid"]))) + arb(0, str(float(Fraction(entry["rad"]))))


def relu(z: arb) -> arb:
    if z > 0:
        return z
    if z < 0:
        return arb(0)
    return arb(0).union(z)  # a kink inside the ball: enclose both branches


def network_value(network: dict, x: list[Fraction], bias: bool) -> arb:
    point = [arb(str(v)) for v in x] + ([arb(1)] if bias else [])
    value = arb(0)
    for row, w2 in zip(network["W1"], network["w2"], strict=True):
        z = sum((ball(w) * p for w, p in zip(row, point, strict=True)), arb(0))
        value += ball(w2) * relu(z)
    if network.get("output_bias") is not None:
        value += ball(network["output_bias"])
    return value


def assert_minimal_networks_fit(problem: Problem, document: dict) -> None:
    """Every listed minimal network fits y − r at the data (enclosures overlap the truth)."""
    residual = [ball(b) for b in document["residual"]]
    for entry in document["minimal_networks"]:
        for k, x in enumerate(problem.dataset.X):
            difference = network_value(entry["network"], list(x), problem.bias) - (
                arb(str(problem.dataset.y[k])) - residual[k]
            )
            assert difference.contains(0), (k, difference)


def hand_instance() -> Problem:
    """Five points on a line with a hidden bias, y symmetric about the middle point: the
    optimum has X̃ᵀr = 0 and two minimal networks (found by a search over small integer data,
    and proved here)."""
    return Problem([[0], [1], [2], [3], [4]], [-2, -2, 1, -2, -2], Fraction(1, 10), bias=True)


def test_hand_instance_two_networks_one_function() -> None:
    problem = hand_instance()
    result = optimal_set(problem)
    assert result.status == "verified" and result.mirror_ties
    doc = result.to_json()
    assert doc["unique_network"] is False and doc["unique_function"] is True
    assert doc["count_minimal_networks"] == 2 and doc["count_is_lower_bound"] is False
    assert doc["min_width"] == 5 and len(doc["minimal_networks"]) == 2
    assert_minimal_networks_fit(problem, doc)
    # One function on all of R: the two networks agree at points between and beyond the data.
    with ctx.workprec(200):
        for x in [Fraction(k, 4) for k in range(-8, 25)]:
            a, b = (network_value(e["network"], [x], True) for e in doc["minimal_networks"])
            assert (a - b).contains(0)
    # The residual is orthogonal to the rows [x_k, 1]: Σ r_k = Σ k r_k = 0 (enclosures).
    r = [ball(b) for b in doc["residual"]]
    assert sum(r, arb(0)).contains(0) and sum((k * v for k, v in enumerate(r)), arb(0)).contains(0)


def test_iris_reproduction_is_decided_and_lists_minimal_networks() -> None:
    """The README's limitation of the last release, now proved (mirror ties)."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        from experiments_data import load_split
    finally:
        sys.path.remove(str(EXAMPLES))
    split = load_split("iris-1v2", 0, 100)
    problem = Problem(split.X_train[:38], split.y_train[:38], Fraction(23, 55), bias=True)
    result = optimal_set(problem)
    assert result.status == "verified" and result.mirror_ties
    doc = result.to_json()
    assert doc["count_minimal_networks"] == 2 and doc["unique_function"] is True
    assert doc["unique_network"] is False and doc["min_width"] == 7
    assert_minimal_networks_fit(problem, doc)


def test_free_columns_basis_of_the_range() -> None:
    rows = [[Fraction(v) for v in r] for r in ([1, 2, 1], [2, 4, 1], [0, 0, 1], [1, 2, 3])]
    free = free_columns(rows, output_bias=False)
    assert free.rank == 2 and free.columns == (0, 2) and free.ones is None
    # X̃ = X̃_J C exactly
    for k, row in enumerate(rows):
        for j in range(3):
            assert fraction_of(sum(free.Q[k, t] * free.C[t, j] for t in range(2))) == row[j]
    with_bias = free_columns(rows, output_bias=True)  # 1 is not in range(X̃): appended
    assert with_bias.Q.ncols() == 3 and with_bias.ones == (0, 0, 1)


def test_mirror_of_flips_the_active_rows_off_face_and_zero_rows() -> None:
    neuron = Neuron(-1, np.array([True, False, True, False]), np.array([1]))
    mirror = mirror_of(neuron, 4, zero_rows={3})
    assert mirror.sign == -1 and list(mirror.face) == [1]
    assert list(mirror.active) == [False, False, False, True]


@st.composite
def small_problems(draw):
    n = draw(st.integers(6, 10))
    d = draw(st.integers(1, 2))
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((n, d)), 1)
    y = np.round(rng.standard_normal(n), 1)
    lam = Fraction(draw(st.sampled_from([1, 2, 5])), draw(st.sampled_from([100, 1000])))
    rows = [[Fraction(str(v)) for v in row] for row in X]
    return Problem(rows, [Fraction(str(v)) for v in y], lam, bias=bias)


@settings(max_examples=12, deadline=None)
@given(small_problems())
def test_minimal_networks_are_optimal_and_independent(problem: Problem) -> None:
    """On random small problems: every listed minimal network's exact-structure objective lies
    in the certified bracket of the solve, its fit encloses y − r, and its neuron fits are
    independent (float rank = width, a vertex of the trade polytope is nondegenerate)."""
    solution = problem.solve()
    result = optimal_set(problem, solution)
    if result.status != "verified" or not getattr(result, "mirror_ties", False):
        return
    doc = result.to_json()
    assert_minimal_networks_fit(problem, doc)
    optimum = ball(doc["optimum"])
    lower, upper = solution.objective_lower, solution.objective_upper
    assert optimum.contains(arb(str(lower))) or optimum > arb(str(lower))
    assert optimum < arb(str(upper)) or optimum.contains(arb(str(upper)))
    rows = problem.rows_float
    for entry in doc["minimal_networks"]:
        W1 = np.array([[float(Fraction(w["mid"])) for w in row] for row in entry["network"]["W1"]])
        fits = np.maximum(rows @ W1.T, 0.0)
        assert np.linalg.matrix_rank(fits, tol=1e-9 * np.abs(fits).max()) == len(W1)


@pytest.mark.parametrize("fraction", [Fraction(1, 100), Fraction(1, 1000)])
def test_small_lambda_random_data_is_decided(fraction: Fraction) -> None:
    """The regime of the issue: random data in the plane, λ = λ_max/100 and λ_max/1000 (mirror
    ties; every such run was undecided before)."""
    rng = np.random.default_rng(0)
    X = [[Fraction(str(v)) for v in row] for row in np.round(rng.standard_normal((20, 2)), 2)]
    y = [Fraction(str(v)) for v in np.round(rng.standard_normal(20), 2)]
    top = lam_max(Problem(X, y, 1)).upper2
    lam = Fraction(int(float(top) ** 0.5 * 1000), 1000) * fraction
    result = optimal_set(Problem(X, y, lam))
    assert result.status == "verified" and result.mirror_ties
    doc = result.to_json()
    assert doc["unique_function"] is True and doc["unique_network"] is False
    assert doc["count_minimal_networks"] == len(doc["minimal_networks"]) > 1
