"""Stationary points decided exactly (docs/theory.md §9): Clarke conditions, the program over the
network's own cells, the violated dual constraints of the full problem, and the checker."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest
from stationary_cases import FACE_POINT, LAM, POINTS, V, checked, constructed

from exactrelu import Problem, planted
from exactrelu.cli import main
from exactrelu.errors import ExactReluInputError
from exactrelu.model.network import Network, objective
from exactrelu.model.network_io import network_to_json
from exactrelu.model.training import train
from exactrelu.tasks.stationary import stationary

# ---------------------------------------------------------------------------------------------
# Stationary networks


def test_trained_networks_made_exactly_stationary():
    """Train from random starts, solve each network's own sub-sampled program exactly and
    convert back (α-form): the result is stationary and optimal for its own cells."""
    made = 0
    for seed in range(3):
        instance = planted(8, 2, 2, bias=True, seed=seed)
        problem = instance.problem()
        X, y = [list(row) for row in instance.X], list(instance.y)
        for start in range(2):
            trained = train(X, y, instance.lam, 3, bias=True, seed=start)
            raw = stationary(problem, trained)
            assert not raw.stationary  # float weights: not exactly stationary
            own = Problem(X, y, instance.lam, bias=True, patterns=list(raw.subprogram_patterns))
            solution = own.solve()
            if solution.exact_optimum is None:
                continue  # an irrational optimum of the sub-sampled program
            made += 1
            result = stationary(problem, solution.exact_optimum.neurons)
            assert result.stationary and result.subprogram_optimal
            assert result.objective == solution.optimum == result.dual_value
            assert set(result.subprogram_patterns) <= set(raw.subprogram_patterns)
            checked(result, problem)
    assert made >= 3


@pytest.mark.parametrize("faces", [0, 1])
def test_global_optimum_is_stationary(faces):
    instance = planted(8, 2, 2, bias=True, seed=0, faces=faces)
    problem = instance.problem()
    exact = problem.solve().exact_optimum
    result = stationary(problem, exact.neurons)
    assert result.stationary and result.subprogram_optimal and result.globally_optimal
    assert result.violated == () and result.improving_network is None
    assert result.objective == instance.optimum
    if faces:  # the tied neuron touches two cells, both in its own program
        tied = [nu for nu in result.neurons if nu.face]
        assert len(tied) == 1 and len(tied[0].cells) == 2 and sum(tied[0].weights) == 1
    checked(result, problem)


def test_stationary_but_not_globally_optimal():
    problem, network = constructed(POINTS, inactive=10)
    result = stationary(problem, network)
    assert result.stationary and result.subprogram_optimal and not result.globally_optimal
    assert result.subprogram_patterns == ("111000",)
    lam2 = problem.lam_sum**2
    assert result.violated and all(v.norm2 > lam2 and v.rate < 0 for v in result.violated)
    assert not any(v.in_subprogram for v in result.violated)
    # The improving network: the given neuron plus one of the most violated block, exactly better.
    better = result.improving_network
    worst = max(result.violated, key=lambda v: v.norm2)
    assert better.width == 2 and better.W1[0] == network.W1[0]
    assert better.w2[1] * worst.sign > 0
    value = objective(better, problem.dataset.X, problem.dataset.y, problem.lam_sum)
    assert value == result.improving_objective < result.objective
    checked(result, problem)


def test_zero_neuron_is_reused_by_the_improving_network():
    problem, network = constructed(POINTS, inactive=10)
    wider = Network(network.W1 + ((F(0),) * 3,), network.w2 + (F(0),), bias=True)
    result = stationary(problem, wider)
    assert result.stationary and [nu.kind for nu in result.neurons] == ["active", "zero"]
    assert result.improving_network.width == 2
    checked(result, problem)


def test_clarke_point_on_a_face_that_is_not_a_local_optimum():
    """A neuron on a hyperplane with s·r_f > 0 and Clarke multiplier σ = 1/2: stationary, but
    both adjacent cells' dual constraints fail (the neuron would gain on either side)."""
    problem, network = constructed(POINTS + [FACE_POINT], 0, face=6, face_r=F(2))
    result = stationary(problem, network)
    (neuron,) = result.neurons
    assert neuron.face == (6,) and neuron.cells == ("1110000", "1110001")
    assert neuron.weights == (F(1, 2), F(1, 2)) and result.stationary
    assert not result.subprogram_optimal and not result.globally_optimal
    inside = {v.pattern_string for v in result.violated if v.in_subprogram}
    assert inside == {"1110000", "1110001"}
    assert result.improving_objective < result.objective
    checked(result, problem)
    # With s·r_f < 0 the same point is an optimum of its own program.
    problem, network = constructed(POINTS + [FACE_POINT], 0, face=6, face_r=F(-2))
    result = stationary(problem, network)
    assert result.stationary and result.subprogram_optimal
    checked(result, problem)


# ---------------------------------------------------------------------------------------------
# Non-stationary networks


@pytest.mark.parametrize("where", ["W1", "w2"])
def test_perturbed_network_is_not_stationary(where):
    problem, network = constructed(POINTS, inactive=0)
    assert stationary(problem, network).globally_optimal
    delta = F(1, 1000)
    if where == "W1":
        moved = Network(((V[0] + delta, V[1], V[2]),), network.w2, bias=True)
    else:
        moved = Network(network.W1, (network.w2[0] + delta,), bias=True)
    result = stationary(problem, moved)
    (neuron,) = result.neurons
    assert not result.stationary and not neuron.stationary
    assert not result.subprogram_optimal and not result.globally_optimal
    assert neuron.w2_gradient != 0 or neuron.direction is not None
    if neuron.direction is not None:  # a descent direction in W1: a small step lowers NC
        step = tuple(
            a + F(1, 10**6) * d for a, d in zip(moved.W1[0], neuron.direction, strict=True)
        )
        lower = Network((step,), moved.w2, bias=True)
        assert problem.objective(lower) < problem.objective(moved)
    checked(result, problem)


def test_degenerate_neurons_are_not_stationary():
    problem, network = constructed(POINTS, inactive=0)
    dead = Network((V, (F(0),) * 3), (F(0), F(1)), bias=True)
    result = stationary(problem, dead)
    assert [nu.kind for nu in result.neurons] == ["degenerate", "degenerate"]
    assert not any(nu.stationary for nu in result.neurons)
    # W1 = 0 touches every cell: its adjacent cells are all the cells of the data.
    assert len(result.neurons[1].cells) == problem.blocks.cells.count
    checked(result, problem)


def test_output_bias_gradient():
    problem, network = constructed(POINTS, inactive=0)
    biased = Problem(problem.dataset, lam=LAM, bias=True, output_bias=True)
    shifted = Network(network.W1, network.w2, bias=True, output_bias=F(1, 2))
    result = stationary(biased, shifted)
    residual = stationary(problem, network).residual  # the shift moves every entry by −1/2
    assert result.output_bias_gradient == -sum(residual) + 6 * F(1, 2) != 0
    assert not result.stationary
    better = result.improving_network
    assert better.W1 == shifted.W1 and better.output_bias != shifted.output_bias
    assert result.improving_objective < result.objective
    checked(result, biased)


def test_mean_scale_and_cli(tmp_path):
    instance = planted(8, 2, 2, bias=True, seed=0)
    n = len(instance.y)
    X, y = [list(row) for row in instance.X], list(instance.y)
    problem = Problem(X, y, instance.lam / n, bias=True, scale="mean")
    exact = problem.solve().exact_optimum
    result = stationary(problem, exact.neurons)
    assert result.globally_optimal and result.objective == instance.optimum / n
    checked(result, problem)
    data = tmp_path / "data.csv"
    lines = (",".join(map(str, [*x, t])) for x, t in zip(X, y, strict=True))
    data.write_text("\n".join(lines))
    net = tmp_path / "net.json"
    trained = train(X, y, instance.lam, 3, bias=True)
    net.write_text(json.dumps(network_to_json(trained)))
    out = tmp_path / "out.json"
    args = [str(data), "--network", str(net), "--lam", str(instance.lam), "--bias"]
    assert main(["stationary", *args, "--json", str(out)]) == 0
    assert json.loads(out.read_text())["stationary"] is False
    assert main(["check", str(out), "--data", str(data)]) == 0


def test_rejects_gated_and_sampled_problems():
    problem, network = constructed(POINTS, inactive=0)
    for options in ({"model": "gated"}, {"patterns": ("sample", 5, 0)}):
        other = Problem(problem.dataset, lam=LAM, bias=True, **options)
        with pytest.raises(ExactReluInputError):
            stationary(other, network)
