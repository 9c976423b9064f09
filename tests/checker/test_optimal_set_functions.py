"""The checker on ``unique_function``, the function set, the count rule, ``max_networks`` and
undecided files (proofs/optimal_set.md O9, O10, O14-O17; proofs/functions.md).  Every tampering
changes one field and must be rejected."""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from functools import cache

import pytest
from undecided_fields import UNKNOWN_FIELDS

from exactrelu import Problem
from exactrelu.checker import CheckFailure, check_certificate
from exactrelu.optimum.optimal_set import optimal_set
from exactrelu.testing.planted import planted


@cache
def _case(name: str):
    if name == "unique":
        problem = Problem([[0], [1], [2], [3]], [0, 1, 0, 2], "1/10")
    elif name == "segment":
        problem = planted(dependent=True, d=2, seed=0).problem()
    elif name == "gated":
        problem = planted(dependent=True, d=2, seed=0).problem(model="gated")
    else:
        problem = planted(grid=(3, 1), seed=0).problem()
    report = json.loads(json.dumps(optimal_set(problem, max_networks=4).to_json()))
    return problem, report


def _check(problem, cert) -> str:
    return check_certificate(cert, problem.dataset.X, list(problem.dataset.y))


def _rejects(problem, cert, match: str | None = None) -> None:
    with pytest.raises(CheckFailure, match=match):
        _check(problem, cert)


@pytest.mark.parametrize("name", ["unique", "segment", "gated", "grid"])
def test_engine_files_are_accepted(name) -> None:
    problem, report = _case(name)
    assert report["status"] == "exact"
    assert "unique function" in _check(problem, report)


@pytest.mark.parametrize("name", ["unique", "segment", "gated", "grid"])
def test_tampered_unique_function_is_rejected(name) -> None:
    problem, report = _case(name)
    bad = copy.deepcopy(report)
    bad["unique_function"] = not bad["unique_function"]
    _rejects(problem, bad, "unique_function")
    bad["unique_function"] = None
    _rejects(problem, bad, "unique_function")


@pytest.mark.parametrize("name", ["segment", "grid"])
def test_tampered_function_set_is_rejected(name) -> None:
    problem, report = _case(name)
    bad = copy.deepcopy(report)
    bad["functions"]["dimension"] += 1
    _rejects(problem, bad, "dimension")
    bad = copy.deepcopy(report)
    bad["functions"]["extreme_functions"].pop()
    bad["functions"]["separators"].pop()
    _rejects(problem, bad)
    bad = copy.deepcopy(report)
    bad["functions"]["separators"][0] = ["0"] * len(bad["functions"]["separators"][0])
    _rejects(problem, bad, "separat")
    bad = copy.deepcopy(report)
    bad["functions"]["hyperplanes"] = bad["functions"]["hyperplanes"][::-1] + [[1, 1]]
    _rejects(problem, bad, "hyperplanes")


def test_counts_and_max_networks_are_checked() -> None:
    problem, report = _case("grid")
    assert report["count_minimal_networks"] > len(report["minimal_networks"]) == 4
    bad = copy.deepcopy(report)
    bad["count_minimal_networks"] += 1
    _rejects(problem, bad, "count_minimal_networks")
    bad = copy.deepcopy(report)
    bad["minimal_networks"].pop()  # fewer than min(count, max_networks)
    _rejects(problem, bad, "max_networks")
    bad = copy.deepcopy(report)
    bad["max_networks"] = 3
    _rejects(problem, bad, "max_networks")
    bad = copy.deepcopy(report)
    bad["count_minimal_networks_is_lower_bound"] = True  # only above 10⁶
    _rejects(problem, bad, "lower bound")
    bad = copy.deepcopy(report)
    bad["minimal_networks"][1] = bad["minimal_networks"][0]
    _rejects(problem, bad, "repeated")


def _undecided_from(report: dict, block: list[int]) -> dict:
    """An exact file turned into an undecided one (a tight block listed undecided): what the
    engine writes when the exact projection cannot decide a block."""
    cert = copy.deepcopy(report)
    cert["status"] = "undecided"
    cert["claims"] = {"optimum": "exact", "residual": "exact", "fit": "exact"}
    cert["undecided_blocks"] = [block]
    cert["reason"] = "the exact projection could not decide a block"
    for name in UNKNOWN_FIELDS:
        cert[name] = None
    cert["minimal_networks"] = []
    cert.pop("max_networks", None)
    optimum = F(cert["optimum"])
    cert["objective_lower"] = str(optimum - 1)
    cert["objective_upper"] = str(optimum)
    for key in ("rank", "bases", "min_norm_w"):
        cert["certificate"][key] = None
    return cert


def test_exact_route_undecided_file_needs_null_fields() -> None:
    problem, report = _case("unique")
    neuron = report["neurons"][0]
    block = [neuron["cells"][0], neuron["sign"]]
    cert = _undecided_from(report, block)
    assert "undecided" in _check(problem, cert)
    for name, value in (("count_minimal_networks", 0), ("unique_function", True), ("min_width", 1)):
        bad = copy.deepcopy(cert)
        bad[name] = value
        _rejects(problem, bad, name)
    bad = copy.deepcopy(cert)
    bad["claims"]["unique_function"] = "exact"
    _rejects(problem, bad, "unique_function")
    bad = copy.deepcopy(cert)
    bad["minimal_networks"] = report["minimal_networks"]
    _rejects(problem, bad, "minimal networks")
    bad = copy.deepcopy(cert)
    bad["objective_lower"] = str(F(report["optimum"]) + 1)
    _rejects(problem, bad, "bracket")
    bad = copy.deepcopy(cert)
    del bad["reason"]
    _rejects(problem, bad, "reason")


def test_irrational_undecided_file() -> None:
    """The verified route's undecided branch: no claims, null fields, the bracket proved by the
    embedded solve certificate (tampering with it is rejected)."""
    X = [[1, 0], [0, 1], [-1, -1], [-1, 0], [0, -1], [1, 1]]
    problem = Problem(X, [1] * 6, "1/10")
    report = json.loads(json.dumps(optimal_set(problem).to_json()))
    if report["status"] != "undecided":
        pytest.skip("the verified route decides this instance now")
    assert "undecided" in _check(problem, report)
    bad = copy.deepcopy(report)
    bad["count_minimal_networks"] = 0
    _rejects(problem, bad, "count_minimal_networks")
    bad = copy.deepcopy(report)
    bad["claims"] = {"unique_network": "verified"}
    _rejects(problem, bad, "claims nothing")
    bad = copy.deepcopy(report)
    bad["objective_lower"] = bad["objective_upper"]
    _rejects(problem, bad, "objective_lower")
    bad = copy.deepcopy(report)
    bad["solve"]["objective_lower"] = bad["solve"]["objective_upper"]
    _rejects(problem, bad)


def test_many_functions_leave_the_extremes_unclaimed(monkeypatch) -> None:
    """Above EXTREMES_LIMIT distinct functions the extreme functions are null (not claimed); the
    dimension, the count of distinct functions and unique_function are still checked."""
    import exactrelu.optimum.functions as functions

    monkeypatch.setattr(functions, "EXTREMES_LIMIT", 1)
    problem = planted(grid=(3, 1), seed=0).problem()
    report = json.loads(json.dumps(optimal_set(problem, max_networks=2).to_json()))
    section = report["functions"]
    assert section["extreme_functions"] is None and section["distinct_functions"] > 1
    _check(problem, report)
    bad = copy.deepcopy(report)
    bad["functions"]["separators"] = []
    _rejects(problem, bad, "separators")
    bad = copy.deepcopy(report)
    bad["functions"]["distinct_functions"] -= 1
    _rejects(problem, bad, "distinct_functions")
