"""The public strategies (exactrelu.testing.strategies) produce what they promise, exactly, and
shrink to small readable counterexamples."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from exactrelu import PlantedInstance, Problem, network_from_json, planted
from exactrelu.model.network import is_balanced
from exactrelu.tasks.lam_max import lam_max
from exactrelu.testing import strategies

MINIMAL = settings(database=None, derandomize=True, max_examples=200)


def test_problems_shrink_to_the_smallest_problem():
    problem = find(strategies.problems(), lambda p: True, settings=MINIMAL)
    assert problem.dataset.X == ((0,),) and problem.dataset.y == (0,)
    assert problem.lam == 1 and not problem.bias and not problem.output_bias


def test_a_failing_condition_shrinks_to_two_points_with_small_entries():
    problem = find(
        strategies.problems(max_n=4, lam_regions=("free",)),
        lambda p: p.n >= 2 and p.bias and any(p.dataset.y),
        settings=MINIMAL,
    )
    assert problem.n == 2 and problem.dataset.d == 1 and problem.lam == 1
    assert all(v == 0 for row in problem.dataset.X for v in row)
    assert sorted(abs(v) for v in problem.dataset.y) == [0, 1]


def test_networks_shrink_to_one_zero_neuron():
    network = find(strategies.networks(2), lambda n: n.width >= 1, settings=MINIMAL)
    assert network.W1 == ((0, 0),) and network.w2 == (0,)


def test_networks_include_balanced_neurons_with_rational_norms():
    network = find(
        strategies.networks(3, bias=True, min_width=1),
        lambda n: any(n.w2) and any(map(any, n.W1)) and is_balanced(n),
        settings=MINIMAL,
    )
    assert len(network.W1[0]) == 4


@given(strategies.rational_unit_vectors(3))
def test_rational_unit_vectors(v):
    assert sum(t * t for t in v) == 1


@given(strategies.split_weights())
def test_split_weights(c):
    assert len(c) >= 2 and all(t >= 0 for t in c) and sum(t * t for t in c) == 1


@given(strategies.data_matrices(kinds=("grid",)))
def test_grid_data(rows):
    assert 1 <= len(rows) <= strategies.MAX_N and 1 <= len(rows[0]) <= strategies.MAX_D
    assert all(v in (0, 1, 2) for row in rows for v in row)


def test_degenerate_data_has_every_structure():
    rows = strategies.data_matrices(kinds=("degenerate",))
    zero = find(rows, lambda X: any(not any(row) for row in X), settings=MINIMAL)
    assert zero == [[0]]
    duplicate = find(rows, lambda X: len(X) != len({tuple(r) for r in X}), settings=MINIMAL)
    assert len(duplicate) == 2 and duplicate[0] == duplicate[1]


@settings(max_examples=20)
@given(strategies.problems(lam_regions=("below", "at", "above")), st.data())
def test_lams_near_lam_max(problem, data):
    """Every λ relative to λ_max lands on its side of the exact λ_max."""
    bound = lam_max(problem)
    for region in ("below", "at", "above"):
        lam = data.draw(strategies.lams_for(problem, (region,)))
        if bound.upper2 == 0:
            continue  # λ_max = 0: λ is drawn freely
        if region == "below":
            assert lam * lam <= bound.lower2
        elif region == "above" or bound.value is None:
            assert lam * lam >= bound.upper2
        else:
            assert lam == bound.value


@settings(max_examples=10)
@given(strategies.problems(), st.data())
def test_pattern_subsets_are_cells(problem, data):
    subset = data.draw(strategies.pattern_subsets(problem))
    cells = problem.blocks.cells.pattern_strings()
    assert subset and subset == sorted(set(subset)) and set(subset) <= set(cells)


@settings(max_examples=10)
@given(strategies.subsampled_problems())
def test_subsampled_problems(problem):
    assert problem.pattern_option != "all" and not problem.blocks.complete


@settings(max_examples=10)
@given(strategies.planted_instances())
def test_planted_instances_print_as_calls(instance):
    assert instance.n <= strategies.MAX_N or instance.design == "decoupled"
    assert all(sum(t * t for t in nu.direction) == instance.lam**2 for nu in instance.neurons)


def _problem_key(problem):
    return (
        problem.dataset.X,
        problem.dataset.y,
        problem.lam,
        problem.bias,
        problem.output_bias,
        problem.scale,
        problem.model,
        problem.pattern_option,
    )


def _key(case):
    if isinstance(case, tuple):
        return tuple(_key(part) for part in case)
    if isinstance(case, PlantedInstance):
        return _problem_key(case.problem()), case.neurons
    if isinstance(case, Problem):
        return _problem_key(case)
    return case  # a Network: compared by value


def _printed_counterexample(strategy):
    """The failing case as Hypothesis prints it (the note on the error), and the case itself."""
    seen = []

    @settings(
        max_examples=10,
        database=None,
        print_blob=False,
        phases=[Phase.generate],  # no shrinking (slow for planted instances): a random case
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def failing(case):
        seen.append(case)
        if len(seen) >= 4:  # past the simplest cases, which Hypothesis tries first
            raise AssertionError("a failing case")

    with pytest.raises(AssertionError) as info:
        failing()
    notes = [n for n in getattr(info.value, "__notes__", []) if "failing(" in n]
    assert len(notes) == 1, info.value.__notes__
    return notes[0].split(": ", 1)[1], seen[-1]  # the last run replays the printed case


@pytest.mark.parametrize(
    "strategy",
    [
        strategies.problems(bias=st.just(True), output_bias=st.booleans(), scale=st.just("mean")),
        strategies.problems_with_networks(output_bias=st.just(True)),
        strategies.planted_instances(),
        strategies.optimal_set_problems(),
        strategies.subsampled_problems(),
    ],
    ids=["problems", "problems_with_networks", "planted", "optimal_set_problems", "subsampled"],
)
def test_counterexamples_print_as_code_that_runs(strategy):
    text, case = _printed_counterexample(strategy)
    assert "problem(planted" not in text
    namespace = {
        "failing": lambda case: case,
        "Fraction": Fraction,
        "PlantedInstance": PlantedInstance,
        "Problem": Problem,
        "network_from_json": network_from_json,
        "planted": planted,
    }
    rebuilt = eval(text, namespace)  # the printed code, run as a user would paste it
    assert type(rebuilt) is type(case)
    assert _key(rebuilt) == _key(case)


def test_user_representations_denote_the_exact_rows():
    X, exact = find(strategies.small_data(), lambda pair: True, settings=MINIMAL)
    assert exact == [[Fraction(0)]] and [[Fraction(v) for v in row] for row in X] == exact
