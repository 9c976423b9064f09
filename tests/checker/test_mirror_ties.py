"""The checker of verified ``optimal_set`` files with mirror ties (proofs/mirror_ties.md, M1-M9).

Small random instances (X, y ~ N(0, 1) rounded to one decimal, n = 6 or 8) at small λ, where the
optimal residual has ``X̃ᵀr = 0``: the engine proves the optimal set with mirror ties, and its
files must be accepted, with and without a hidden bias and an output bias (1 in range(X̃) or
not), d = 2 and 3.  Every tampering test changes one thing (adjusting what must follow, so that
only the targeted check can fail) and expects a rejection.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from functools import cache

import numpy as np
import pytest
from flint import ctx, fmpq_mat

from exactrelu import Problem
from exactrelu.checker import CheckFailure, check_certificate
from exactrelu.checker.balls import ball, mid_rad
from exactrelu.checker.krawczyk import System, read_neuron, read_structure_program
from exactrelu.optimum.optimal_set import optimal_set

# name: (seed, n, d, bias, output bias, λ[, options]); each proved with mirror ties
CASES = {
    "bias_output_bias": (1, 8, 2, True, True, "1/50"),  # 1 ∈ range(X̃): e1 from X̃_J
    "bias": (3, 8, 2, True, False, "1/50"),
    "output_bias": (5, 6, 2, False, True, "1/50"),  # 1 ∉ range(X̃): Q = [X̃_J, 1]
    "plain": (0, 6, 2, False, False, "1/200"),  # six vertices
    "three_d": (4, 8, 3, False, False, "1/50"),
    "zero_slope": (6, 8, 3, False, False, "1/50"),  # pivots with a slope exactly 0 (§3)
    "gated": (3, 8, 2, False, True, "1/50", {"model": "gated"}),
    "gated_one": (2, 8, 2, False, True, "1/50", {"model": "gated"}),  # incomplete: one vertex
}


def data(name: str):
    seed, n, d, *_ = CASES[name]
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((n, d)), 1)
    y = np.round(rng.standard_normal(n), 1)
    return [[F(str(v)) for v in row] for row in X], [F(str(v)) for v in y]


def problem(name: str, **extra) -> Problem:
    _, _, _, bias, output_bias, lam, *options = CASES[name]
    X, y = data(name)
    options = {**(options[0] if options else {}), **extra}
    return Problem(X, y, F(lam), bias=bias, output_bias=output_bias, **options)


@cache
def _case(name: str) -> str:
    cert = optimal_set(problem(name)).to_json()
    assert cert["status"] == "verified" and cert["mirror_ties"] is True
    return json.dumps(cert)


def case(name: str) -> dict:
    return json.loads(_case(name))


def rejected(cert: dict, name: str, match: str) -> None:
    X, y = data(name)
    with pytest.raises(CheckFailure, match=match):
        check_certificate(cert, X, y)


@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_files_are_accepted(name):
    X, y = data(name)
    cert = case(name)
    text = check_certificate(cert, X, y)
    assert text.startswith("valid: verified optimal set with mirror ties")
    count = cert["count_minimal_networks"]
    if cert["certificate"]["mirror_ties"]["complete"]:
        assert f"{count} minimal network" in text and "all vertices" in text
        assert cert["unique_network"] is (count == 1)
    else:  # the walk stopped at an undecided pivot: a lower bound
        assert name == "gated_one" and f"at least {count} minimal network" in text
        assert cert["unique_network"] is None and cert["min_width"] is None


def test_a_given_pattern_list():
    """M5 with a given list: a cell of ν dropped; the mirror cells are those whose mirror is
    listed, and a file of the engine is accepted (it names only those)."""
    patterns = case("plain")["certificate"]["cells"]["patterns"]
    given = [q for i, q in enumerate(patterns) if i != 10]
    cert = json.loads(json.dumps(optimal_set(problem("plain", patterns=given)).to_json()))
    assert cert["mirror_ties"] is True
    X, y = data("plain")
    assert check_certificate(cert, X, y).startswith("valid: verified optimal set with mirror")


def test_a_mirror_cell_whose_mirror_is_not_listed(monkeypatch):
    """M5: a pattern tied to ν̄ whose mirror is not in a given list has no proved face
    multipliers; a file counting it as a mirror cell (the engine before M5 was enforced) is
    rejected, and the engine now leaves such a set undecided."""
    import exactrelu.optimum.mirror_ties as engine

    cells = case("bias_output_bias")["certificate"]["cells"]["patterns"]
    given = [q for i, q in enumerate(cells) if i != 11]  # a cell of neuron 0
    assert optimal_set(problem("bias_output_bias", patterns=given)).status == "undecided"
    monkeypatch.setattr(engine, "mirrored_cells", lambda mirror, *_: mirror)
    cert = optimal_set(problem("bias_output_bias", patterns=given)).to_json()
    assert cert["mirror_ties"] is True
    rejected(json.loads(json.dumps(cert)), "bias_output_bias", "mirror of neuron 0")


def test_free_columns_with_an_output_bias():
    """M2: with a hidden bias 1 ∈ range(X̃) (Q = X̃_J); without one, Q gets the column 1."""
    with_bias = case("bias_output_bias")["certificate"]["mirror_ties"]["free_columns"]
    assert len(with_bias[0]) == 3  # d + 1 pivot columns, the last one the bias column 1
    without = case("output_bias")["certificate"]["mirror_ties"]["free_columns"]
    assert len(without[0]) == 3 and all(row[-1] == "1" for row in without)


def test_a_truncated_list_is_a_lower_bound():
    """A list of proved vertices that is not closed (complete false) states a lower bound; the
    statements about the whole set are then null and not claimed."""
    cert = case("plain")
    section = cert["certificate"]["mirror_ties"]
    section["vertices"] = section["vertices"][:2]
    section["complete"] = False
    cert["minimal_networks"] = cert["minimal_networks"][:2]
    cert.update(count_minimal_networks=2, count_is_lower_bound=True, min_width=None, same_size=None)
    for name in ("count_minimal_networks", "min_width"):
        cert["claims"].pop(name, None)
    X, y = data("plain")
    assert "at least 2 minimal networks" in check_certificate(cert, X, y)
    cert["claims"]["min_width"] = "verified"  # null: nothing to claim
    rejected(cert, "plain", "claim 'min_width'")


def test_free_system_reduces_to_the_output_bias_system():
    """M3: the system with Q = [1] is the verified route's output-bias system, ball for ball."""
    cert = case("output_bias")
    X, y = data("output_bias")
    cert.pop("mirror_ties")
    cert["certificate"].pop("mirror_ties")
    program = read_structure_program(cert, X, y)
    neurons = [read_neuron(j, nu, program) for j, nu in enumerate(cert["certificate"]["neurons"])]
    n, p = len(X), len(neurons)
    mids = [F(v) for v in cert["certificate"]["box"]["mid"][: n + p + 1]]
    rads = [F(v) for v in cert["certificate"]["box"]["rad"][: n + p + 1]]
    with ctx.workprec(256):
        box = [ball(m, r) for m, r in zip(mids, rads, strict=True)]
        default = System(program, neurons)
        ones = System(program, neurons, fmpq_mat([[1]] * n))
        for a, b in (
            (default.equations(box), ones.equations(box)),
            (default.jacobian(box), ones.jacobian(box)),
        ):
            assert [mid_rad(v) for v in a.entries()] == [mid_rad(v) for v in b.entries()]


def test_zero_slopes_only_through_the_face_row_identity(monkeypatch):
    """M8: two pivots of this file have a slope exactly 0, accepted through the face-row
    identity of §3 (checked exactly); without it their sign is undecided and the file is
    rejected."""
    from exactrelu.checker.mirror_ties import TradePolytope

    found = []
    identity = TradePolytope.zero_slope

    def spy(self, others, j):
        found.append(identity(self, others, j))
        return found[-1]

    monkeypatch.setattr(TradePolytope, "zero_slope", spy)
    X, y = data("zero_slope")
    check_certificate(case("zero_slope"), X, y)
    assert found and all(found)
    monkeypatch.setattr(TradePolytope, "zero_slope", lambda self, others, j: False)
    rejected(case("zero_slope"), "zero_slope", "slope's sign is undecided")


# ---------------------------------------------------------------------------------------------
# Tampered copies


def test_a_dropped_vertex_breaks_completeness():
    cert = case("plain")
    cert["certificate"]["mirror_ties"]["vertices"].pop()
    cert["minimal_networks"].pop()
    cert["count_minimal_networks"] -= 1
    rejected(cert, "plain", "not listed: the list is not complete")


def test_a_duplicated_vertex():
    cert = case("bias")
    section = cert["certificate"]["mirror_ties"]
    section["vertices"].append(copy.deepcopy(section["vertices"][0]))
    cert["minimal_networks"].append(copy.deepcopy(cert["minimal_networks"][0]))
    cert["count_minimal_networks"] += 1
    rejected(cert, "bias", "listed twice")


def test_a_vertex_outside_the_polytope():
    cert = case("plain")
    vertex = cert["certificate"]["mirror_ties"]["vertices"][0]
    m = len(cert["certificate"]["mirror_ties"]["tradeable"])
    others = [j for j in range(m) if j not in vertex["basic"]]
    vertex["at_upper"] = sorted(set(vertex["at_upper"]) ^ {others[0]})
    rejected(cert, "plain", "strictly inside|listed twice")


@pytest.mark.parametrize("field", ["cells", "active"])
def test_a_mirror_edited(field):
    cert = case("bias_output_bias")
    mirror = cert["certificate"]["mirror_ties"]["mirrors"][0]
    mirror[field] = mirror[field][1:]
    rejected(cert, "bias_output_bias", "mirror of neuron 0")


def test_the_listed_mirror_edited():
    cert = case("bias_output_bias")
    cert["mirrors"][1]["face"] = []
    rejected(cert, "bias_output_bias", "mirror of neuron 1: face")


def test_free_columns_changed():
    """Another basis of range(X̃) is not the checker's Q (the trade columns C v need it)."""
    cert = case("bias")
    for row in cert["certificate"]["mirror_ties"]["free_columns"]:
        row[0] = str(2 * F(row[0]))
    rejected(cert, "bias", "free_columns")


def test_the_box_moved():
    cert = case("output_bias")
    box = cert["certificate"]["box"]
    box["mid"] = [str(F(m) + 2 * F(r)) for m, r in zip(box["mid"], box["rad"], strict=True)]
    rejected(cert, "output_bias", "Krawczyk")


def test_the_box_without_the_free_term():
    cert = case("output_bias")
    box = cert["certificate"]["box"]
    box["mid"], box["rad"] = box["mid"][:-1], box["rad"][:-1]
    rejected(cert, "output_bias", "box needs")


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("unique_network", True, "unique_network"),
        ("count_is_lower_bound", True, "count_is_lower_bound"),
        ("unique_function", False, "unique_function"),
        ("count_minimal_networks", 1, "count_minimal_networks"),
        ("min_width", 2, "min_width"),
        ("unique_convex", None, "unique_convex"),
        ("output_bias_value", {"mid": "0", "rad": "1"}, "output_bias_value"),
    ],
)
def test_flags_flipped(name, value, match):
    cert = case("plain")
    cert[name] = value
    rejected(cert, "plain", match)


def test_a_minimal_network_weight_changed():
    cert = case("bias_output_bias")
    entry = cert["minimal_networks"][1]["network"]["W1"][0][0]
    entry["mid"] = str(F(entry["mid"]) + 10 * F(entry["rad"]) + F(1, 10**6))
    rejected(cert, "bias_output_bias", "minimal network 1 W1")


def test_a_minimal_network_output_bias_changed():
    cert = case("bias_output_bias")
    bias = cert["minimal_networks"][0]["network"]["output_bias"]
    bias["mid"] = str(F(bias["mid"]) + F(1, 1000))
    rejected(cert, "bias_output_bias", "output_bias")


def test_a_minimal_network_neuron_swapped():
    cert = case("plain")
    pairs = cert["minimal_networks"][0]["neurons"]
    pairs[0][1] = not pairs[0][1]
    rejected(cert, "plain", "minimal network 0: neurons")


def test_the_flag_without_its_section():
    cert = case("bias")
    cert["certificate"].pop("mirror_ties")
    rejected(cert, "bias", "mirror_ties must be true exactly")
    cert = case("bias")
    cert["mirror_ties"] = False
    rejected(cert, "bias", "mirror_ties must be true exactly")


def test_tradeable_changed():
    cert = case("plain")
    cert["certificate"]["mirror_ties"]["tradeable"].pop()
    rejected(cert, "plain", "tradeable")


def test_a_mirror_block_named_by_multipliers():
    """M6: a block tied to a mirror is at λ, not bounded below it."""
    cert = case("bias_output_bias")
    cell = cert["certificate"]["mirror_ties"]["mirrors"][0]["cells"][0]
    sign = cert["certificate"]["neurons"][0]["sign"]
    pattern = cert["certificate"]["cells"]["patterns"][cell]
    row = pattern.index("1") if "1" in pattern else 0
    cert["certificate"]["block_multipliers"].append(
        {"pattern": cell, "sign": sign, "rows": [row], "values": ["0"]}
    )
    rejected(cert, "bias_output_bias", "tied")


def test_a_claim_of_an_incomplete_count():
    cert = case("plain")
    cert["claims"]["same_size"] = "exact"
    rejected(cert, "plain", "claim 'same_size'")
