"""The exact optimal set of gated ReLU (docs/theory.md §3, §5; proofs/optimal_set.md, "Gated ReLU").

Blocks are patterns b (one sign, unconstrained): ``v_b = X̃ᵀ D_b r``, ``E = {b : ‖v_b‖ = λ}``,
each block of E its own neuron with fit ``D_b X̃ v_b`` and an exact gate of its pattern.  Engine
files on small instances with rational optima must be accepted by the checker; tampering with one
thing must be rejected.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from functools import cache

import pytest

from exactrelu import Problem
from exactrelu.checker import CheckFailure, check_certificate
from exactrelu.optimum.optimal_set import optimal_set

CASES = {
    # one cell with a point: its gate gives the same fit as the ReLU neuron, optimum 99/50
    "one_point": ([[3, 4]], [10], 1),
    # X = I: the all-ones gate is the binding dual constraint ‖r‖ <= λ, r = y/5, optimum 9/2
    "identity": ([[1, 0], [0, 1]], [3, -4], 1),
    # r = (1, 0): patterns 11 and 10 have the same direction and fit but are two neurons
    "same_fit": ([[1, 0], [0, 1]], [3, 0], 1),
    # found by a small search: dependent fits, minimal networks of widths 2 and 3
    "two_sizes": ([[2, 0], [-1, 0], [2, -1]], [5, -5, 4], 2),
    # r = (-1, 1, -1): two minimal networks of width 3
    "two_vertices": ([[1, 0], [1, -1], [0, -1]], [-4, 5, -3], 1),
}


def problem(name: str) -> Problem:
    X, y, lam = CASES[name]
    return Problem(X, y, lam, model="gated")


@cache
def _documents(name: str) -> tuple[str, str]:
    p = problem(name)
    solution = p.solve()
    return json.dumps(solution.to_json()), json.dumps(optimal_set(p, solution).to_json())


def document(name: str, kind: str = "optimal_set") -> dict:
    solve, optimal = _documents(name)
    return json.loads(optimal if kind == "optimal_set" else solve)


def check(name: str, doc: dict) -> str:
    X, y, _ = CASES[name]
    return check_certificate(doc, [[F(v) for v in row] for row in X], [F(v) for v in y])


def rejects(name: str, doc: dict, match: str) -> None:
    with pytest.raises(CheckFailure, match=match):
        check(name, doc)


@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_files_are_accepted(name: str) -> None:
    solve = document(name, "solve")
    assert solve["claims"]["optimum"] == "exact"
    assert solve["alpha_form"]["objective"] == solve["objective_lower"]  # zero gap in α-form
    assert all("gate" in item for item in solve["alpha_form"]["neurons"])
    assert "exact optimum" in check(name, solve)
    doc = document(name)
    assert doc["status"] == "exact" and doc["model"] == "gated"
    assert doc["certificate"]["dual"]["mu"] == []
    assert check(name, doc).startswith("valid: optimal set")


def test_one_point_same_optimum_as_relu() -> None:
    p = problem("one_point")
    assert p.solve().optimum == F(99, 50) == Problem([[3, 4]], [10], 1).solve().optimum
    doc = document("one_point")
    assert doc["residual"] == ["1/5"] and doc["fit"] == ["49/5"]
    (neuron,) = doc["neurons"]
    assert neuron["direction"] == ["3/5", "4/5"] and neuron["face"] == []
    assert doc["minimal_networks"][0]["network_objective"] == "99/50"


def test_identity_by_hand() -> None:
    """X = I, y = (3, -4), λ = 1: max rᵀy − ½‖r‖² subject to ‖D_b r‖ <= 1 for every pattern is
    r = y/5 (the pattern 11 binds); D(r) = 5 − ½ = 9/2, one neuron u = 4·(3/5, −4/5)."""
    p = problem("identity")
    assert p.solve().optimum == F(9, 2)
    doc = document("identity")
    assert doc["residual"] == ["3/5", "-4/5"] and doc["unique_network"]
    (neuron,) = doc["neurons"]
    assert neuron["direction"] == ["3/5", "-4/5"]
    assert doc["minimal_networks"][0]["alpha_form"][0]["alpha"] == "4"


def test_no_face_ties() -> None:
    """Two patterns with the same direction and fit are two neurons: two minimal networks."""
    o = optimal_set(problem("same_fit"))
    assert o.residual == (1, 0) and len(o.neurons) == 2
    assert [nu.direction for nu in o.neurons] == [(1, 0), (1, 0)]
    assert len({nu.cells for nu in o.neurons}) == 2
    assert o.vertices == ({0: 2}, {1: 2}) and not o.unique_network
    assert o.count_minimal_convex == 2
    for nu in o.neurons:  # the gate's exact pattern is the neuron's pattern
        pattern = o.problem.blocks.patterns[nu.cells[0]]
        rows = o.problem.rows
        gate_pattern = [sum(a * b for a, b in zip(row, nu.gate, strict=True)) >= 0 for row in rows]
        assert gate_pattern == [bool(v) for v in pattern]


def test_several_minimal_networks() -> None:
    doc = document("two_sizes")
    assert doc["count_minimal_networks"] == 2 and not doc["same_size"]
    assert sorted(len(m["neurons"]) for m in doc["minimal_networks"]) == [2, 3]
    assert doc["min_width"] == 2 and doc["optimum"] == "25/2"
    doc = document("two_vertices")
    assert doc["count_minimal_networks"] == 2 and doc["same_size"]
    assert doc["residual"] == ["-1", "1", "-1"] and doc["optimum"] == "21/2"


def test_networks_are_gated_and_optimal() -> None:
    p = problem("two_sizes")
    o = optimal_set(p)
    for vertex in o.vertices:
        net = o.network(vertex)
        assert net.gates is not None and len(net.gates) == len(vertex)
        assert p.objective(net) >= o.solution.optimum  # rational scales: exact excess >= 0


# ---------------------------------------------------------------------------------------------
# Tampering


def test_rejects_a_gate_of_another_pattern() -> None:
    doc = document("two_sizes")
    entry = doc["minimal_networks"][0]["alpha_form"][0]
    entry["gate"] = [str(-F(v)) for v in entry["gate"]]
    rejects("two_sizes", doc, "gate")


def test_rejects_a_neuron_gate_of_another_pattern() -> None:
    doc = document("same_fit")
    doc["neurons"][0]["gate"], doc["neurons"][1]["gate"] = (
        doc["neurons"][1]["gate"],
        doc["neurons"][0]["gate"],
    )
    rejects("same_fit", doc, "gate's pattern")


def test_rejects_merged_cells() -> None:
    """Gated neurons are not merged across cells (no face ties)."""
    doc = document("same_fit")
    doc["neurons"][0]["cells"] = sorted(doc["neurons"][0]["cells"] + doc["neurons"][1]["cells"])
    del doc["neurons"][1]
    rejects("same_fit", doc, "exactly one cell")


def test_rejects_a_missing_neuron() -> None:
    doc = document("two_vertices")
    del doc["neurons"][-1]
    rejects("two_vertices", doc, "neurons, E has")


def test_rejects_a_wrong_direction() -> None:
    doc = document("two_vertices")
    doc["neurons"][0]["direction"] = [str(-F(v)) for v in doc["neurons"][0]["direction"]]
    rejects("two_vertices", doc, "not a neuron of E")


def test_rejects_a_face() -> None:
    doc = document("one_point")
    doc["neurons"][0]["face"] = [0]
    rejects("one_point", doc, "face")


def test_rejects_multipliers() -> None:
    doc = document("identity")
    doc["certificate"]["dual"]["mu"] = [{"pattern": 0, "sign": 1, "rows": [0], "values": ["1"]}]
    rejects("identity", doc, "no cone multipliers")


def test_rejects_a_wrong_count() -> None:
    doc = document("same_fit")
    doc["count_minimal_networks"] = 1
    rejects("same_fit", doc, "count_minimal_networks")


def test_rejects_a_dropped_minimal_network() -> None:
    doc = document("two_sizes")
    del doc["minimal_networks"][0]
    rejects("two_sizes", doc, "minimal networks listed")


def test_rejects_a_wrong_alpha() -> None:
    doc = copy.deepcopy(document("two_vertices"))
    doc["minimal_networks"][0]["alpha_form"][0]["alpha"] = "5"
    rejects("two_vertices", doc, "W1_scale|optimal fit|optimum")


def test_rejects_a_solve_alpha_form_without_gate() -> None:
    doc = document("identity", "solve")
    del doc["alpha_form"]["neurons"][0]["gate"]
    with pytest.raises(CheckFailure):
        check("identity", doc)
