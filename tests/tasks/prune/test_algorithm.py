"""Exact pruning (docs/theory.md §6, Algorithm 1): the fit unchanged, the convex objective never
rising, independent fits; on hand-made, optimal and random wide networks."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import fmpq_matrix
from exactrelu.exact.surds import SqrtSum
from exactrelu.model.convex import convex_fit
from exactrelu.model.network import Network, fit, objective
from exactrelu.model.network_io import network_from_arrays, network_from_json
from exactrelu.optimum.optimal_set import optimal_set
from exactrelu.program.problem import Problem
from exactrelu.tasks.prune import least_squares_prune, prune

IDENTITY = [[1, 0], [0, 1]]


def block_rank(result) -> int:
    """Rank of the pruned block fits (modulo constants with an output bias)."""
    X = result.problem.dataset.X
    fits = [convex_fit([b], X) for b in result.blocks]
    if result.problem.output_bias:
        fits.append(tuple(F(1) for _ in X))
    if not fits:
        return 0
    return fmpq_matrix([list(f) for f in fits]).rank() - result.problem.output_bias


def assert_exact_prune(result) -> None:
    """The invariants every prune must satisfy, all decided exactly."""
    problem, before = result.problem, result.input_network
    X = problem.dataset.X
    fit_before = fit(before, X)
    assert fit(result.network, X) == fit_before == result.fit
    assert fit(result.w2_network, X) == fit_before
    assert result.objective == problem.objective(result.network)
    assert result.w2_objective == problem.objective(result.w2_network)
    # P(pruned) <= P(merged input) <= NC(input); NC(pruned) = P(pruned) + rounding excess
    assert result.convex_objective <= result.convex_objective_before
    assert result.convex_objective_before <= result.objective_before
    assert result.network_excess >= 0
    assert result.objective <= result.objective_before or (
        result.convex_objective == SqrtSum(result.objective_before)
    )
    assert result.convex_objective_change.sign() <= 0
    assert all(step.convex_objective_change <= 0 for step in result.steps)
    # linearly independent fits, width <= rank(F) <= n
    assert block_rank(result) == len(result.blocks) == result.width_after
    assert result.width_after <= result.rank <= problem.n
    assert all(c >= 0 for c in result.factors)


def test_collinear_split_prunes_back_to_two_neurons():
    # the optimum of X = I, y = (2, -5), λ = 1 is u = (1, 0) (+) and (0, 4) (−), objective 6;
    # split each neuron into two balanced collinear ones with rational scales 3/5, 4/5, 6/5, 8/5
    net = network_from_arrays(
        [[F(3, 5), 0], [F(4, 5), 0], [0, F(6, 5)], [0, F(8, 5)]],
        [F(3, 5), F(4, 5), F(-6, 5), F(-8, 5)],
    )
    problem = Problem(IDENTITY, [2, -5], 1)
    result = prune(problem, net)
    assert_exact_prune(result)
    assert result.objective_before == 6
    assert result.objective == 6 and result.objective_change == 0
    assert result.convex_objective == 6
    assert (result.width_before, result.width_after, result.rank) == (4, 2, 2)
    assert result.fit == (F(1), F(-4))
    assert sorted((n.direction, n.sign, n.alpha) for n in result.alpha_form) == [
        ((F(0), F(1)), -1, F(4)),
        ((F(1), F(0)), 1, F(1)),
    ]
    # the exactly balanced network: t = √‖u‖ is rational here
    assert sorted(result.network.w2) == [F(-2), F(1)]


def test_dependent_blocks_drop_one():
    # three blocks in different cells of X = I with fits (a, a), (b, 0), (0, -c): dependent
    net = network_from_arrays([[1, 1], [1, -1], [-1, 1], [2, 1]], [1, 1, -1, F(1, 2)])
    problem = Problem(IDENTITY, [2, -5], 1)
    result = prune(problem, net)
    assert_exact_prune(result)
    assert len(result.blocks_before) == 3
    assert result.width_after == 2 and len(result.steps) == 1
    step = result.steps[0]
    assert len(step.dropped) == 1
    assert step.t == 1 / max(step.beta)
    assert result.objective_change < 0 and result.convex_objective_change < 0


def test_zero_fit_block_is_dropped():
    # a neuron inactive on every data point contributes nothing but penalty: Algorithm 1 drops it
    net = network_from_arrays([[-1, -1], [1, 0]], [3, 1])
    result = prune(Problem(IDENTITY, [1, 1], 1), net)
    assert_exact_prune(result)
    assert result.width_after == 1
    assert result.objective < result.objective_before


def test_optimal_network_prunes_to_a_vertex_without_changing_the_convex_objective():
    # X has a neuron whose fit equals another's modulo the output bias: two minimal networks
    problem = Problem([[1, 0], [0, 1], [1, -1]], [-3, 1, 2], 1, output_bias=True)
    opt = optimal_set(problem)
    assert len(opt.vertices) == 2
    net = opt.network(opt.min_norm)  # three neurons with dependent fits
    assert net.width == 3
    result = prune(problem, net)
    assert_exact_prune(result)
    assert result.width_after == 2
    # at an optimum Σ β_b ‖u_b‖ = 0: the convex objective stays the optimum, exactly
    assert result.convex_objective_change == 0
    assert result.convex_objective == opt.solution.optimum
    pruned = {(n.direction, n.sign, n.alpha) for n in result.alpha_form}
    vertices = [
        {(opt.neurons[i].direction, opt.neurons[i].sign, b) for i, b in v.items()}
        for v in opt.vertices
    ]
    assert pruned in vertices
    assert result.network.output_bias is not None


def test_mean_scale_and_json():
    net = network_from_arrays([[1, 1], [1, -1], [-1, 1]], [1, 1, -1])
    problem = Problem(IDENTITY, [2, -5], F(1, 2), scale="mean")
    result = prune(problem, net)
    assert_exact_prune(result)
    sum_problem = Problem(IDENTITY, [2, -5], 1)
    assert result.objective * 2 == objective(result.network, IDENTITY, [2, -5], 1)
    assert result.objective == sum_problem.objective(result.network) / 2
    out = json.loads(json.dumps(result.to_json()))
    for key in ("network", "objective", "objective_change", "width_before", "width_after"):
        assert key in out
    assert out["fit_unchanged"] is True and out["status"] == "exact"
    assert out["rank"] == 2 and out["steps"] and out["claims"]["fit_unchanged"] == "exact"
    assert F(out["objective"]) == result.objective
    assert network_from_json(out["network"]) == result.network


def test_gated_network():
    gates = [[1, 1], [1, -1], [-1, 1]]
    net = Network(
        tuple(tuple(F(v) for v in row) for row in [[1, 2], [1, 0], [0, 1]]),
        (F(1), F(1), F(-1)),
        gates=tuple(tuple(F(v) for v in row) for row in gates),
    )
    problem = Problem(IDENTITY, [2, -5], 1, model="gated")
    result = prune(problem, net)
    assert_exact_prune(result)
    assert result.network.gated and result.width_after == 2


def test_hidden_bias_network():
    # 1-D data with a hidden bias: hinge neurons; four of them on three points are dependent
    X = [[0], [1], [2]]
    net = network_from_arrays([[1, 0], [1, -1], [-1, 1], [2, -1]], [1, 2, 1, -1], bias=True)
    result = prune(Problem(X, [1, 0, 2], 1, bias=True), net)
    assert_exact_prune(result)
    assert result.width_after <= 3


def test_input_validation():
    problem = Problem(IDENTITY, [2, -5], 1)
    with pytest.raises(ExactReluInputError):
        prune(problem, network_from_arrays([[1, 0, 0]], [1]))
    with pytest.raises(ExactReluInputError):
        least_squares_prune(problem, network_from_arrays([[1, 0]], [1]), -1)
    with pytest.raises(ExactReluInputError):
        least_squares_prune(problem, network_from_arrays([[1, 0]], [1]), 0, rule="random")


# --- random wide networks ----------------------------------------------------------------------

ENTRY = st.integers(-2, 2).map(F) | st.fractions(-2, 2, max_denominator=3)


@st.composite
def pruning_cases(draw):
    n = draw(st.integers(1, 4))
    d = draw(st.integers(1, 3))
    bias = draw(st.booleans())
    output_bias = draw(st.booleans())
    X = [[draw(ENTRY) for _ in range(d)] for _ in range(n)]
    y = [draw(ENTRY) for _ in range(n)]
    m = draw(st.integers(1, 6))
    W1 = [[draw(ENTRY) for _ in range(d + bias)] for _ in range(m)]
    w2 = [draw(ENTRY) for _ in range(m)]
    lam = draw(st.sampled_from([F(1, 2), F(1), F(3)]))
    network = Network(
        tuple(tuple(row) for row in W1),
        tuple(w2),
        bias,
        draw(ENTRY) if output_bias else None,
    )
    return Problem(X, y, lam, bias=bias, output_bias=output_bias), network


@given(pruning_cases())
def test_random_wide_networks(case):
    problem, network = case
    result = prune(problem, network)
    assert_exact_prune(result)
