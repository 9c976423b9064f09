"""The functions of optimal networks on R^d (proofs/functions.md): canonical coordinates G,
``unique_function``, the function set's dimension and extreme functions, max_networks, and the
fields of undecided outcomes."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from fractions import Fraction as F

import pytest

from exactrelu import Problem
from exactrelu.checker import check_certificate
from exactrelu.optimum.functions import function_map, function_set, primitive
from exactrelu.optimum.optimal_set import optimal_set
from exactrelu.testing.planted import planted


@dataclass(frozen=True)
class _Neuron:
    direction: tuple
    sign: int
    fit: tuple
    gate: tuple | None = None


def _dot(a, b) -> F:
    return sum((s * t for s, t in zip(a, b, strict=True)), F(0))


def _network_value(neurons, beta, x, bias, model) -> F:
    xt = list(x) + ([F(1)] if bias else [])
    total = F(0)
    for j, b in beta.items():
        nu = neurons[j]
        if model == "relu":
            total += b * nu.sign * max(_dot(xt, nu.direction), F(0))
        elif _dot(xt, nu.gate) >= 0:
            total += b * _dot(xt, nu.direction)
    return total


def _from_coordinates(gmap, point, x, d, bias, model) -> F:
    """The function with coordinates ``point`` at x (proofs/functions.md, F1 and F2)."""
    xt = list(x) + ([F(1)] if bias else [])
    value = _dot(point[:d], x) + point[d]
    D = d + 1
    for i, u in enumerate(gmap.hyperplanes):
        ell = _dot(xt, u)
        if model == "relu":
            value += point[D + i] * abs(ell)
        else:
            size = len(xt)
            start = D + 2 * size * i
            J, P = point[start : start + size], point[start + size : start + 2 * size]
            if ell >= 0:
                value += _dot(xt, [a + b for a, b in zip(J, P, strict=True)])
            if ell <= 0:
                value += _dot(xt, P)
    return value


def _random_neurons(rng, d, bias, model, count):
    size = d + int(bias)
    neurons = []
    pool = []
    for _ in range(count):
        if pool and rng.random() < 0.4:  # a repeated or mirrored hyperplane
            v = tuple(F(rng.choice([-2, -1, 1, 3])) * t for t in rng.choice(pool))
        else:
            v = tuple(F(rng.randint(-3, 3), rng.randint(1, 3)) for _ in range(size))
            if bias and rng.random() < 0.2:
                v = (F(0),) * d + (F(rng.choice([-2, 1])),)
            if not any(v):
                v = (F(1),) * size
        pool.append(v)
        if model == "relu":
            neurons.append(_Neuron(v, rng.choice([-1, 1]), ()))
        else:
            w = tuple(F(rng.randint(-3, 3), 2) for _ in range(size))
            neurons.append(_Neuron(w, 1, (), v))
    return neurons


@pytest.mark.parametrize("model", ["relu", "gated"])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_coordinates_determine_the_function_pointwise(model, bias, seed) -> None:
    """G(β) reproduces the network's function exactly at random rational points, including
    points on the hyperplanes (F1, F2)."""
    rng = random.Random(seed)
    d = rng.choice([1, 2, 3])
    neurons = _random_neurons(rng, d, bias, model, rng.randint(1, 6))
    gmap = function_map(neurons, d, bias, False, (), model)
    beta = {j: F(rng.randint(1, 5), rng.randint(1, 4)) for j in range(len(neurons))}
    point = gmap(beta)
    points = [[F(rng.randint(-4, 4), rng.randint(1, 3)) for _ in range(d)] for _ in range(30)]
    points += [[F(0)] * d]
    for nu in neurons:  # points on each kink
        cut = nu.direction if model == "relu" else nu.gate
        k = next((i for i in range(d) if cut[i]), None)
        if k is not None:
            x = [F(rng.randint(-2, 2)) for _ in range(d)]
            x[k] = F(0)
            rest = _dot(x, cut[:d]) + (cut[d] if bias else 0)
            x[k] = -rest / cut[k]
            points.append(x)
    for x in points:
        assert _from_coordinates(gmap, point, x, d, bias, model) == _network_value(
            neurons, beta, x, bias, model
        )


def test_mirror_trades_keep_the_coordinates() -> None:
    """(t)_+ − (−t)_+ = t: a neuron and its mirror (same sign) differ by a linear function, and
    a neuron plus its negation is zero; G sees exactly that."""
    v = (F(1), F(-2))
    A, B = _Neuron(v, 1, ()), _Neuron(tuple(-t for t in v), 1, ())
    C = _Neuron(v, -1, ())
    gmap = function_map([A, B, C], 2, False, False, (), "relu")
    assert gmap({0: F(1), 2: F(1)}) == gmap({})
    difference = [a - b for a, b in zip(gmap({0: F(1)}), gmap({1: F(1)}), strict=True)]
    assert difference == [F(1), F(-2), F(0), F(0)]  # x ↦ x·v, no kink
    assert primitive((F(-2, 3), F(4, 3))) == (1, -2)


def test_function_set_dimension_and_extremes() -> None:
    neurons = [_Neuron((F(1),), 1, ()), _Neuron((F(-1),), 1, ()), _Neuron((F(2),), 1, ())]
    gmap = function_map(neurons, 1, False, False, (), "relu")
    vertices = [{0: F(1)}, {2: F(1, 2)}, {0: F(1, 2), 2: F(1, 4)}, {1: F(1)}]
    fs = function_set(gmap, vertices)
    assert not fs.unique and fs.dimension == 1  # {0}, {2}, ... all one function, {1} another
    assert len(set(fs.values)) == 2 and len(fs.extremes) == 2
    same = function_set(gmap, vertices[:3])
    assert same.unique and same.dimension == 0


def _check(problem, report) -> str:
    cert = json.loads(json.dumps(report))
    return check_certificate(cert, problem.dataset.X, list(problem.dataset.y))


def test_exact_unique_network_and_function() -> None:
    problem = Problem([[0], [1], [2], [3]], [0, 1, 0, 2], "1/10")
    result = optimal_set(problem)
    report = result.to_json()
    assert result.status == "exact" and report["unique_network"] is True
    assert report["unique_function"] is True and report["functions"]["dimension"] == 0
    assert report["functions"]["hyperplanes"] == [[1]]
    assert len(report["minimal_networks"]) == report["count_minimal_networks"] == 1
    assert report["count_minimal_networks_is_lower_bound"] is False
    assert "unique function: True" in _check(problem, report)


@pytest.mark.parametrize("model", ["relu", "gated"])
def test_planted_dependent_fits_give_different_functions(model) -> None:
    """Dependent fits that are not mirror trades: different networks compute different
    functions off the data (dimension 1: a segment of functions)."""
    problem = planted(dependent=True, d=2, seed=0).problem(model=model)
    result = optimal_set(problem)
    report = result.to_json()
    assert result.status == "exact"
    if model == "relu":
        assert report["unique_network"] is False and report["unique_function"] is False
        assert report["functions"]["dimension"] == 1
        assert len(report["functions"]["extreme_functions"]) == 2
    assert "unique function" in _check(problem, report)


def test_max_networks_lists_a_prefix_and_counts_all() -> None:
    problem = planted(grid=(3, 1), seed=0).problem()
    result = optimal_set(problem, max_networks=3)
    report = result.to_json()
    assert report["count_minimal_networks"] == len(result.vertices) > 3
    assert len(report["minimal_networks"]) == 3 and report["max_networks"] == 3
    for item in report["minimal_networks"]:
        assert set(item) == {"neurons", "alpha_form", "network", "network_objective"} | (
            {"network_float"} if "network_float" in item else set()
        )
    assert report["unique_function"] is False
    _check(problem, report)
    with pytest.raises(Exception, match="max_networks"):
        optimal_set(problem, max_networks=-1)


def test_undecided_irrational_fields_are_null_with_a_reason() -> None:
    """A hexagon-like symmetric design: X̃ᵀr = 0 (mirror ties).  Whatever the verified route
    decides, an undecided outcome has null unknown fields, a reason, the certified bracket and
    the numeric structure; a decided one reports unique_function."""
    X = [[1, 0], [0, 1], [-1, -1], [-1, 0], [0, -1], [1, 1]]
    problem = Problem(X, [1] * 6, "1/10")
    result = optimal_set(problem)
    report = result.to_json()
    if result.status != "undecided":
        assert report.get("unique_function", result.unique_function) is not None
        return
    for name in ("count_minimal_networks", "min_width", "unique_network", "unique_function"):
        assert report[name] is None
    assert report["minimal_networks"] == [] and report["reason"]
    assert report["objective_lower"] is not None and report["objective_upper"] is not None
    assert report["numeric"]["label"] == "numeric"
    _check(problem, report)


@pytest.mark.parametrize("model", ["relu", "gated"])
def test_sampled_patterns_get_the_same_fields(model) -> None:
    """``patterns=("sample", N, seed)``: the sub-sampled program's optimal set reports
    unique_function, lists its minimal networks and is accepted by the checker."""
    problem = planted(dependent=True, d=2, seed=0).problem(model=model, patterns=("sample", 40, 0))
    result = optimal_set(problem, max_networks=1)
    report = result.to_json()
    assert result.status == "exact" and report["unique_function"] is False
    assert report["count_minimal_networks"] == 2 and len(report["minimal_networks"]) == 1
    assert "unique function: False" in _check(problem, report)
    problem = Problem(
        [[0], [1], [2], [3]], [0, 1, 0, 2], "1/10", model=model, patterns=("sample", 4, 0)
    )
    report = optimal_set(problem).to_json()
    assert report["status"] == "exact" and report["unique_function"] is True
    _check(problem, report)


def test_given_pattern_list() -> None:
    problem = Problem([[0], [1], [2], [3]], [0, 1, 0, 2], "1/10", patterns=["0101", "0111", "0001"])
    result = optimal_set(problem)
    report = result.to_json()
    assert result.status == "exact" and report["unique_function"] is True
    assert "given program of 3 patterns" in _check(problem, report)
