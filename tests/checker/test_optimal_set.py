"""The checker of ``optimal_set`` certificates (proofs/optimal_set.md, proofs/minimality.md).

Engine files on small exact instances must be accepted; hand-computed optima are the oracle
where they are easy (X = I); every tampering test changes one thing (adjusting what must follow
so that only the targeted check can fail) and expects the checker to reject it.
"""

from __future__ import annotations

import copy
import itertools
import json
from fractions import Fraction as F
from functools import cache
from pathlib import Path

import pytest
from flint import fmpq, fmpq_mat
from undecided_fields import UNKNOWN_FIELDS

from exactrelu import Problem
from exactrelu.checker import CheckFailure, check_certificate, check_file
from exactrelu.optimum.optimal_set import optimal_set
from exactrelu.testing.planted import planted

CASES = {
    # the brief's example: two neurons, each on a face shared by two cells
    "identity": ([[1, 0], [0, 1]], [2, -5], 1, {}),
    "one_point": ([[3, 4]], [10], 1, {}),
    # decoupled design with ties: r = (1, 0, -1), each neuron touches 4 cells
    "identity3": ([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [3, 0, -3], 1, {}),
    # output bias, three neurons of rank 2: two minimal networks
    "two_vertices": (
        [[0, 1], [-1, 0], [1, 1], [1, 1]],
        [-6, -2, 6, 2],
        "1/2",
        {"output_bias": True},
    ),
    # a degenerate vertex: one minimal network of width 1, two feasible bases
    "degenerate": ([[1, 0], [-1, 1], [0, 1], [1, 0]], [-1, -2, 2, 0], 1, {"output_bias": True}),
    "hidden_bias": (
        [[1, 1, 1], [-1, 1, -1], [1, 1, 0]],
        [10, -10, 4],
        4,
        {"bias": True, "output_bias": True},
    ),
    "mean_scale": ([[1, 0], [0, 1]], [2, -5], "1/2", {"scale": "mean"}),
    # decoupled designs (rows on the axes, exactrelu.testing.planted): dependent fits, minimal
    # networks of different sizes and degenerate vertices
    "different_sizes": ([[-1, 0], [2, 0], [0, -1], [0, 3]], [20, 10, 15, 10], 5, {}),
    "grid": (
        [
            ["-2/13", "-4/13", "16/13", "-20/13"],
            ["3/13", "6/13", "-24/13", "30/13"],
            ["20/13", "14/13", "-4/13", "-8/13"],
            ["-20/13", "-14/13", "4/13", "8/13"],
            ["24/13", "-30/13", "3/13", "6/13"],
            ["-16/13", "20/13", "-2/13", "-4/13"],
            ["-6/13", "-12/13", "-30/13", "-21/13"],
            ["2/13", "4/13", "10/13", "7/13"],
        ],
        ["114", "1552/3", "1125/2", "945/2", "2240/3", "420", "1952/3", "248"],
        15,
        {},
    ),
}


@cache
def _document(name: str) -> str:
    X, y, lam, options = CASES[name]
    return json.dumps(optimal_set(Problem(X, y, lam, **options)).to_json())


def document(name: str) -> dict:
    """A fresh copy of the engine's file (JSON round trip, as ``check`` reads it)."""
    return json.loads(_document(name))


def check(name: str, doc: dict) -> str:
    X, y, _, _ = CASES[name]
    return check_certificate(doc, [[F(v) for v in row] for row in X], [F(v) for v in y])


def rejects(name: str, doc: dict, match: str) -> None:
    with pytest.raises(CheckFailure, match=match):
        check(name, doc)


# ---------------------------------------------------------------------------------------------
# Engine files are accepted


@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_files_are_accepted(name: str) -> None:
    doc = document(name)
    assert doc["status"] == "exact"
    assert check(name, doc).startswith("valid: optimal set")


def test_identity_by_hand() -> None:
    """X = I, y = (2, -5), λ = 1: fits a = 1 (neuron +e1) and b = 4 (neuron -e2), optimum
    ½ + ½ + 1 + 4 = 6; each neuron lies on a coordinate hyperplane, so it touches 2 cells."""
    doc = document("identity")
    assert doc["optimum"] == "6" and doc["residual"] == ["1", "-1"] and doc["fit"] == ["1", "-4"]
    neurons = {(n["sign"], tuple(n["direction"])): len(n["cells"]) for n in doc["neurons"]}
    assert neurons == {(1, ("1", "0")): 2, (-1, ("0", "1")): 2}
    assert doc["unique_network"] and not doc["unique_convex"]
    counts = ("count_minimal_networks", "count_minimal_convex", "min_width")
    assert [doc[name] for name in counts] == [1, 4, 2]
    assert doc["certificate"]["bases"] == [[0, 1]]
    assert "4 blocks of E" in check("identity", doc)


def test_identity3_ties() -> None:
    doc = document("identity3")
    assert doc["optimum"] == "5" and doc["residual"] == ["1", "0", "-1"]
    assert [len(n["cells"]) for n in doc["neurons"]] == [4, 4]
    assert (doc["count_minimal_networks"], doc["count_minimal_convex"]) == (1, 16)


def test_two_vertices_and_degenerate_bases() -> None:
    doc = document("two_vertices")
    assert doc["count_minimal_networks"] == 2 and not doc["unique_network"]
    assert len(doc["certificate"]["bases"]) == 2
    # the min-norm point is not a vertex here: it uses all three neurons
    assert doc["min_norm_network"]["neurons"] == [0, 1, 2]
    doc = document("degenerate")
    assert doc["count_minimal_networks"] == 1 and doc["min_width"] == 1
    assert doc["certificate"]["rank"] == 2 and len(doc["certificate"]["bases"]) == 2


def vertices_by_supports(fits: list[list[F]], target: list[F]) -> set[tuple]:
    """Oracle, independent of cdd and of the bases (no output bias): the vertices are the
    points β >= 0 of {Fβ = ŷ} whose support columns are independent (M2), found by trying
    every support S with independent fits and solving F_S β_S = ŷ exactly."""
    found = set()
    b = fmpq_mat([[fmpq(t.numerator, t.denominator)] for t in target])
    for size in range(len(fits) + 1):
        for support in itertools.combinations(range(len(fits)), size):
            if not support:
                if not any(target):
                    found.add(())
                continue
            A = fmpq_mat(
                [[fmpq(fits[j][k].numerator, fits[j][k].denominator) for j in support]
                 for k in range(len(target))]
            )  # fmt: skip
            if A.rank() < size:
                continue
            beta = (A.transpose() * A).solve(A.transpose() * b)
            if A * beta == b and all(beta[t, 0] > 0 for t in range(size)):
                values = [F(int(beta[t, 0].p), int(beta[t, 0].q)) for t in range(size)]
                found.add(tuple(zip(support, values, strict=True)))
    return found


@pytest.mark.parametrize("name", ["different_sizes", "grid", "identity3", "one_point"])
def test_minimal_networks_match_brute_force(name: str) -> None:
    doc = document(name)
    X = CASES[name][0]
    rows = [[F(v) for v in row] for row in X]
    fits = []
    for neuron in doc["neurons"]:
        v = [F(t) for t in neuron["direction"]]
        values = [sum(a * b for a, b in zip(x, v, strict=True)) for x in rows]
        fits.append([neuron["sign"] * max(t, F(0)) for t in values])
    listed = {
        tuple((j, F(a["alpha"])) for j, a in zip(net["neurons"], net["alpha_form"], strict=True))
        for net in doc["minimal_networks"]
    }
    assert listed == vertices_by_supports(fits, [F(t) for t in doc["fit"]])
    widths = sorted(len(v) for v in listed)
    assert doc["min_width"] == widths[0] and doc["same_size"] == (widths[0] == widths[-1])


def test_check_file_with_the_cli(tmp_path: Path) -> None:
    from exactrelu.cli import main

    data, out = tmp_path / "data.csv", tmp_path / "set.json"
    data.write_text("a,b,y\n1,0,2\n0,1,-5\n")
    assert main(["optimal-set", str(data), "--lam", "1", "--json", str(out)]) == 0
    assert check_file(out, data).startswith("valid: optimal set (λ = 1 sum scale")
    assert "): optimum 6," in check_file(out, data)
    other = tmp_path / "other.csv"
    other.write_text("a,b,y\n1,0,2\n0,1,-4\n")
    with pytest.raises(CheckFailure, match="sha256|hash"):
        check_file(out, other)


# ---------------------------------------------------------------------------------------------
# Tampering


def test_data_changed() -> None:
    doc = document("identity")
    with pytest.raises(CheckFailure, match="sha256|hash"):
        check_certificate(doc, [[F(1), F(0)], [F(0), F(1)]], [F(2), F(-4)])


def test_neuron_removed() -> None:
    doc = document("identity")
    del doc["neurons"][1]
    rejects("identity", doc, "lists 1 neurons, E has 2")


def test_cell_removed_from_a_neuron() -> None:
    doc = document("identity")
    doc["neurons"][0]["cells"] = doc["neurons"][0]["cells"][:1]
    rejects("identity", doc, "neuron 0 has cells")


def test_neuron_direction_or_face_changed() -> None:
    doc = document("one_point")
    doc["neurons"][0]["direction"] = ["4/5", "3/5"]
    rejects("one_point", doc, "not a neuron of E")
    doc = document("identity")
    doc["neurons"][0]["face"] = []
    rejects("identity", doc, "has face")


def test_minimal_network_dropped() -> None:
    doc = document("two_vertices")
    del doc["minimal_networks"][1]
    doc["count_minimal_networks"] = 1
    doc["unique_network"] = True
    rejects("two_vertices", doc, "1 minimal networks listed, 2 vertices")


def test_widest_minimal_network_dropped() -> None:
    doc = document("different_sizes")
    assert sorted(len(net["neurons"]) for net in doc["minimal_networks"]) == [2, 3]
    doc["minimal_networks"] = [net for net in doc["minimal_networks"] if len(net["neurons"]) == 2]
    doc.update(count_minimal_networks=1, count_minimal_convex=1, unique_network=True)
    doc.update(unique_convex=True, same_size=True)
    doc["used_neurons"] = doc["minimal_networks"][0]["neurons"]
    rejects("different_sizes", doc, "1 minimal networks listed, 2 vertices")


def test_minimal_network_replaced_by_a_non_vertex() -> None:
    doc = document("two_vertices")
    doc["minimal_networks"][1] = doc["min_norm_network"]
    rejects("two_vertices", doc, "not a vertex")


@pytest.mark.parametrize("name", ["two_vertices", "degenerate", "different_sizes", "grid"])
def test_basis_dropped_from_the_closure(name: str) -> None:
    doc = document(name)
    del doc["certificate"]["bases"][0]
    rejects(name, doc, "pivots to .* not listed")


def test_infeasible_or_wrong_size_basis() -> None:
    doc = document("two_vertices")
    bases = doc["certificate"]["bases"]
    doc["certificate"]["bases"] = bases + [[1, 2]]
    rejects("two_vertices", doc, "infeasible|singular")
    doc = document("two_vertices")
    doc["certificate"]["bases"][0] = doc["certificate"]["bases"][0][:1]
    rejects("two_vertices", doc, "increasing neuron indices")
    doc = document("two_vertices")
    doc["certificate"]["rank"] = 3
    rejects("two_vertices", doc, "rank must be 2")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("unique_network", False),
        ("unique_convex", True),
        ("count_minimal_convex", 3),
        ("count_minimal_networks", 2),
        ("min_width", 1),
        ("same_size", False),
        ("used_neurons", [0]),
    ],
)
def test_count_or_flag_changed(field: str, value: object) -> None:
    doc = document("identity")
    doc[field] = value
    rejects("identity", doc, field)


@pytest.mark.parametrize(("name", "width"), [("two_vertices", 1), ("different_sizes", 3)])
def test_min_width_changed(name: str, width: int) -> None:
    doc = document(name)
    doc["min_width"] = width
    rejects(name, doc, "min_width")


def test_min_norm_perturbed() -> None:
    doc = document("two_vertices")
    alpha = doc["min_norm_network"]["alpha_form"][0]
    alpha["alpha"] = str(F(alpha["alpha"]) + F(1, 1000))
    rejects("two_vertices", doc, "min_norm_network")
    # another point of the polytope (a vertex) is a valid network but not the min-norm one
    doc = document("two_vertices")
    doc["min_norm_network"] = doc["minimal_networks"][0]
    rejects("two_vertices", doc, "min_norm_w fails the KKT condition")
    doc = document("two_vertices")
    doc["certificate"]["min_norm_w"][0] = "0"
    rejects("two_vertices", doc, "min_norm_w fails the KKT condition")


def test_networks_and_objectives_changed() -> None:
    doc = document("one_point")
    doc["minimal_networks"][0]["network_objective"] = "2"
    rejects("one_point", doc, "network_objective")
    doc = document("one_point")
    doc["minimal_networks"][0]["network"]["w2"] = ["1"]
    rejects("one_point", doc, "optimal fit")
    doc = document("one_point")
    doc["minimal_networks"][0]["alpha_form"][0]["W1_scale"] = "sqrt(2)"
    rejects("one_point", doc, "W1_scale")
    doc = document("one_point")
    entry = doc["minimal_networks"][0]["alpha_form"][0]
    entry.update({"alpha": "2", "W1_scale": "sqrt(2)", "w2_abs": "sqrt(2)"})  # λ = 1
    rejects("one_point", doc, "optimal fit")


def test_optimum_residual_fit_changed() -> None:
    doc = document("identity")
    doc["optimum"] = "7"
    rejects("identity", doc, "optimum")
    doc = document("identity")
    doc["residual"] = ["1", "0"]
    rejects("identity", doc, "z = residual")
    doc = document("identity")
    doc["fit"] = ["1", "-5"]
    rejects("identity", doc, "fit is not y - residual")
    doc = document("identity")
    doc["certificate"]["alpha_form"]["neurons"][0]["alpha"] = "3"
    rejects("identity", doc, "alpha_form objective")


def _pattern_index(doc: dict, pattern: str) -> int:
    return doc["certificate"]["cells"]["patterns"].index(pattern)


def _set_mu(doc: dict, pattern: str, sign: int, rows: list[int], values: list[str]) -> None:
    """Replace the μ entry of block (pattern, sign) of the file's dual certificate."""
    i = _pattern_index(doc, pattern)
    mu = doc["certificate"]["dual"]["mu"]
    mu[:] = [e for e in mu if (e["pattern"], e["sign"]) != (i, sign)]
    mu.append({"pattern": i, "sign": sign, "rows": rows, "values": values})


def test_mu_changed_so_that_a_block_is_not_excluded() -> None:
    # X = [[3, 4]], r = 1/5: the block (pattern "0", +1) has c = 0 and is excluded with μ = 0.
    # μ = 1/5 on its row gives v = -(3, 4)/5 of norm λ but violates complementarity.
    doc = document("one_point")
    _set_mu(doc, "0", 1, [0], ["1/5"])
    rejects("one_point", doc, "KKT conditions fail")
    _set_mu(doc, "0", 1, [0], ["1"])  # a larger μ makes the block infeasible
    rejects("one_point", doc, "dual infeasible")


@pytest.mark.parametrize("value", ["0", "1", "2", "3"])
def test_mu_of_an_excluded_block_changed(value: str) -> None:
    # X = I, r = (1, -1): block (pattern "01", +1) has c = (0, -1) outside its cone
    # {u1 <= 0, u2 >= 0}; μ = 1 on row 1 gives v = 0 (excluded), μ = 0 or 2 give ‖v‖ = λ
    # without KKT, μ = 3 an infeasible block.
    doc = document("identity")
    _set_mu(doc, "01", 1, [1], [value])
    if value == "1":
        assert check("identity", doc).startswith("valid")
    else:
        rejects("identity", doc, "dual infeasible" if value == "3" else "KKT conditions fail")


def test_status_and_claims() -> None:
    doc = document("identity")
    doc["status"] = "undecided"
    rejects("identity", doc, "status")
    doc = document("identity")
    doc["claims"]["min_width"] = "numeric"
    rejects("identity", doc, "min_width")
    doc = document("identity")
    doc["claims"]["gap"] = "exact"
    rejects("identity", doc, "gap")


def test_undecided_block_weakens_the_claims() -> None:
    """Listing a block of E as undecided (and leaving it out of its neuron) is accepted only
    with status undecided, no set-level claim, and every set-level field null (O16)."""
    doc = document("identity")
    neuron = doc["neurons"][0]
    block = [neuron["cells"][-1], neuron["sign"]]
    neuron["cells"] = neuron["cells"][:-1]
    doc["undecided_blocks"] = [block]
    rejects("identity", doc, "status")
    doc["status"] = "undecided"
    rejects("identity", doc, "is made but E has undecided blocks")
    doc["claims"] = {name: "exact" for name in ("optimum", "residual", "fit")}
    rejects("identity", doc, "must be null in an undecided file")
    for name in UNKNOWN_FIELDS:
        doc[name] = None
    doc["minimal_networks"] = []
    doc["reason"] = "block not decided"
    doc["objective_lower"] = doc["objective_upper"] = doc["optimum"]
    assert "1 undecided blocks" in check("identity", doc)
    # a block below the bound cannot be called undecided
    bad = copy.deepcopy(doc)
    bad["undecided_blocks"] = [[_pattern_index(doc, "00"), 1]]
    rejects("identity", bad, "not at the bound")


# ---------------------------------------------------------------------------------------------
# Engine-side helpers of the certificate (exactrelu/optimum/optimal_set_certificate.py)


def test_min_norm_multiplier_needs_the_lp_fallback() -> None:
    from exactrelu.optimum.optimal_set_certificate import min_norm_multiplier

    # P = {β >= 0 : β0 + β1 = 1, -β1 = 0} = {(1, 0)}; the particular solution w = (1, 0) of
    # F_T F_Tᵀ w = g gives (Fᵀw)_1 = 1 > 0, an exact LP finds w = (1, w2) with w2 >= 1
    w = min_norm_multiplier([[F(1), F(1)], [F(0), F(-1)]], [F(1), F(0)], {0: F(1)})
    assert w is not None and w[0] == 1 and w[0] - w[1] <= 0


def test_network_neurons_swapped_between_directions() -> None:
    """A rational network with the optimal fit and objective that is not the network of its
    α-form (a weight swapped between two neurons) is rejected (found by the mutation measure:
    before O9 compared the network with its α-form, this one was accepted)."""
    instance = planted(d=2, dependent=True, seed=0)
    doc = json.loads(json.dumps(optimal_set(instance.problem()).to_json()))
    X, y = [list(row) for row in instance.X], list(instance.y)
    assert check_certificate(doc, X, y).startswith("valid")
    W1 = doc["minimal_networks"][1]["network"]["W1"]
    W1[0][1], W1[1][1] = W1[1][1], W1[0][1]
    with pytest.raises(CheckFailure, match="not a neuron of its alpha_form"):
        check_certificate(doc, X, y)
