"""Tuning inside the optimal set: verified extreme points and the best validation error."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactrelu.errors import ExactReluInputError
from exactrelu.model.network import fit
from exactrelu.optimum.neuron_polytope import min_norm_point, polytope_vertices
from exactrelu.optimum.optimal_set import OptimalNeuron, OptimalSet, optimal_set
from exactrelu.program.problem import Problem
from exactrelu.tasks import tuning
from exactrelu.tasks.prune import prune
from exactrelu.tasks.tuning import best_validation, extreme_point, validation_error

# Planted by hand (dual optimum r = (-2, 1, 1), λ = 1): three neurons at λ whose fits are
# dependent modulo the output bias; two minimal networks of two neurons each.
THREE = ([[1, 0], [0, 1], [1, -1]], [-3, 1, 2])
# r = (-1, 1, -1, 1): four neurons at λ = 1 on the axes; minimal networks of sizes 2 and 3.
FOUR = ([[1, 0], [0, 1], [-1, 0], [0, -1]], [-3, 2, -2, 2])


@pytest.fixture(scope="module")
def three():
    return _planted("three")


@pytest.fixture(scope="module")
def four():
    return _planted("four")


_HAND: list[OptimalSet] = []


@pytest.fixture(scope="module")
def polytope():
    return hand_polytope()


def hand_polytope() -> OptimalSet:
    """A polytope with several vertices of different sizes, built by hand: four positive neurons
    with ‖v‖ = 1 on X = [[1, 0], [0, 1], [1, 1]] and ŷ = 2 f_2 (the fits of directions (3/5, 4/5)
    and (4/5, 3/5) are combinations of those of the axes).  Only the polytope matters to
    tuning: ŷ is not claimed to be the optimal fit of any problem."""
    X = [[1, 0], [0, 1], [1, 1]]
    directions = [(F(1), F(0)), (F(0), F(1)), (F(3, 5), F(4, 5)), (F(4, 5), F(3, 5))]
    neurons = []
    for v in directions:
        fit = tuple(max(a * v[0] + b * v[1], F(0)) for a, b in X)
        neurons.append(OptimalNeuron(v, 1, (), (), fit))
    fit = tuple(2 * a for a in neurons[2].fit)
    problem = Problem(X, list(fit), 1)
    vertices = polytope_vertices(neurons, fit, False)
    min_norm = min_norm_point(vertices, len(neurons))
    residual = (F(0),) * 3
    if not _HAND:
        _HAND.append(
            OptimalSet(
                problem, None, "exact", residual, fit, tuple(neurons), tuple(vertices), min_norm
            )
        )
    return _HAND[0]


def dot(c, weights):
    return sum((F(c[j]) * b for j, b in weights.items()), F(0))


def test_fixtures_have_several_minimal_networks(three, four, polytope):
    assert three.status == four.status == "exact"
    assert len(three.vertices) == 2 and three.same_size
    assert len(four.vertices) == 2 and not four.same_size
    assert len(polytope.vertices) >= 3 and not polytope.same_size


@pytest.mark.parametrize("name", ["three", "four", "polytope"])
def test_extreme_points_of_unit_costs_are_listed_vertices(name, request):
    opt = request.getfixturevalue(name)
    p = len(opt.neurons)
    for j in range(p):
        c = [int(i == j) for i in range(p)]
        for maximize in (True, False):
            point = extreme_point(opt, c, maximize)
            assert point.weights in opt.vertices and point.is_vertex
            values = [dot(c, v) for v in opt.vertices]
            assert point.value == (max(values) if maximize else min(values))
            assert point.status == "exact" and point.optimality_gap == 0
            assert fit(point.network, opt.problem.dataset.X) == opt.fit


@given(st.lists(st.integers(-3, 3), min_size=4, max_size=4), st.booleans())
def test_extreme_point_random_costs(costs, maximize):
    opt = hand_polytope()
    point = extreme_point(opt, costs, maximize)
    assert point.weights in opt.vertices
    values = [dot(costs, v) for v in opt.vertices]
    assert point.value == (max(values) if maximize else min(values))


def test_extreme_point_falls_back_to_vertex_enumeration(three, monkeypatch):
    verified = extreme_point(three, [0, 1, 0])
    monkeypatch.setattr(tuning, "_verified_basis", lambda F, target, cost: None)
    fallback = extreme_point(three, [0, 1, 0])
    assert verified.method == tuning.HIGHS_METHOD
    assert fallback.method == tuning.VERTEX_METHOD
    assert fallback.weights == verified.weights and fallback.value == verified.value


def test_extreme_point_input_validation(three):
    with pytest.raises(ExactReluInputError):
        extreme_point(three, [1, 2])


VALIDATION = [
    ([[2, 1], [1, 3], [-1, 2], [3, -1]], [1, 2, 3, 4]),
    ([[2, 1], [1, 3], [-1, 2], [3, -1]], [0, -1, 5, 2]),
    ([[1, 1], [-2, 1], [1, -3]], ["1/2", 3, -1]),
    ([[0, 2], [2, 0], [1, 1], [-1, -1], [3, 1]], [1, -1, 2, 0, "5/3"]),
]


@pytest.mark.parametrize("name", ["three", "four", "polytope"])
@pytest.mark.parametrize("X_val, y_val", VALIDATION)
def test_best_validation_beats_every_vertex_and_the_min_norm_point(name, X_val, y_val, request):
    opt = request.getfixturevalue(name)
    best = best_validation(opt, X_val, y_val)
    assert best.status == "exact" and best.optimality_gap == 0
    for vertex in opt.vertices:
        assert best.value <= validation_error(opt, vertex, X_val, y_val)
    assert best.value <= validation_error(opt, opt.min_norm, X_val, y_val)
    # the point is in the optimal set: same training fit, and its network realizes the error
    X = opt.problem.dataset.X
    assert fit(best.network, X) == opt.fit
    f_val = fit(best.network, X_val)
    y = [F(v) for v in y_val]
    assert sum(((a - b) ** 2 for a, b in zip(f_val, y, strict=True)), F(0)) / 2 == best.value
    assert all(b > 0 for b in best.weights.values())
    out = json.loads(json.dumps(best.to_json()))
    assert out["training_fit_unchanged"] is True and F(out["value"]) == best.value


def test_best_validation_can_be_interior(three):
    # this validation set is fitted best strictly between the two minimal networks
    X_val, y_val = VALIDATION[1]
    best = best_validation(three, X_val, y_val)
    assert not best.is_vertex
    assert best.value < min(validation_error(three, v, X_val, y_val) for v in three.vertices)
    assert best.method.startswith("kkt_on_support")


def test_best_validation_unique_optimum():
    opt = optimal_set(Problem([[1, 0], [0, 1]], [2, -5], 1))
    assert len(opt.vertices) == 1
    best = best_validation(opt, [[1, 1], [2, -1]], [0, 1])
    assert best.weights == opt.vertices[0] and best.status == "exact"
    point = extreme_point(opt, [1, 1])
    assert point.weights == opt.vertices[0]


def test_best_validation_bounds_the_gap_when_no_support_verifies(three, monkeypatch):
    X_val, y_val = VALIDATION[1]
    optimum = best_validation(three, X_val, y_val).value
    monkeypatch.setattr(tuning, "_kkt_candidates", lambda *args: [])
    point = best_validation(three, X_val, y_val)
    # only the vertices and the min-norm point remain: the best of them, with an exact bound
    # on its excess validation error (the Frank–Wolfe gap)
    assert point.status == "numeric" and point.optimality_gap > 0
    others = [three.min_norm, *three.vertices]
    assert point.value == min(validation_error(three, v, X_val, y_val) for v in others)
    assert 0 < point.value - optimum <= point.optimality_gap


def test_validation_input_errors(three):
    with pytest.raises(ExactReluInputError):
        best_validation(three, [[1, 2, 3]], [1])
    with pytest.raises(ExactReluInputError):
        best_validation(three, [[1, 2]], [1, 2])


def test_tuned_points_prune_to_themselves(four):
    # a vertex is a minimal network: exact pruning leaves it as it is
    point = extreme_point(four, [1, 0, 0, 0])
    result = prune(four.problem, point.network)
    assert result.width_after == point.network.width and not result.steps


POINT = st.integers(-3, 3)


@given(
    st.lists(st.tuples(POINT, POINT, st.integers(-4, 4)), min_size=1, max_size=5),
    st.sampled_from(["three", "four", "polytope"]),
)
def test_best_validation_random_validation_sets(points, name):
    opt = hand_polytope() if name == "polytope" else _planted(name)
    X_val = [[a, b] for a, b, _ in points]
    y_val = [c for _, _, c in points]
    best = best_validation(opt, X_val, y_val)
    assert best.status == "exact"
    others = [opt.min_norm, *opt.vertices]
    assert best.value <= min(validation_error(opt, v, X_val, y_val) for v in others)


_PLANTED: dict[str, OptimalSet] = {}


def _planted(name: str) -> OptimalSet:
    if name not in _PLANTED:
        data = THREE if name == "three" else FOUR
        _PLANTED[name] = optimal_set(Problem(*data, 1, output_bias=True))
    return _PLANTED[name]
