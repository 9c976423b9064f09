"""The checker of verified ``optimal_set`` files (proofs/verified.md, items K1-K14).

Engine files with an irrational optimum must be accepted: iris petals with a bias at λ = 5 and
λ = 1/2 (6 neurons, one of them on three planes through a ray, so without LICQ), the one-point
example of docs/theory.md §7, an output bias and the mean scale.  Every tampering test changes one
thing (adjusting what must follow, so that only the targeted check can fail) and expects a
rejection.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from functools import cache
from pathlib import Path

import pytest
from flint import ctx

import exactrelu
from exactrelu import Problem
from exactrelu import read_data as engine_read_data
from exactrelu.checker import CheckFailure, check_certificate, check_file, data_sha256, read_data
from exactrelu.checker.balls import mid_rad, to_arb
from exactrelu.checker.krawczyk import System, read_neuron, read_structure_program
from exactrelu.optimum.optimal_set import optimal_set

IRIS = Path(exactrelu.__file__).parent / "data" / "bundled" / "iris_petals.csv"

SMALL = {
    # docs/theory.md §7: one point, one neuron, r = 1/√2, α = (5√2 − 1)/2
    "one_point": ([[1, 1]], [5], 1, {}),
    "output_bias": ([[1, 1], [2, -1], [0, 1], [1, 3]], [5, 1, -2, 4], "1/2", {"output_bias": True}),
    "mean_scale": ([[1, 1], [2, -1], [0, 1]], [5, 1, -2], "1/3", {"scale": "mean"}),
}


@cache
def small_case(name: str):
    X, y, lam, options = SMALL[name]
    cert = optimal_set(Problem(X, y, lam, **options)).to_json()
    assert cert["status"] == "verified"
    return json.loads(json.dumps(cert)), [[F(v) for v in row] for row in X], [F(v) for v in y]


@cache
def iris_case(lam: str):
    cert = optimal_set(Problem(engine_read_data(IRIS), lam=lam, bias=True)).to_json()
    assert cert["status"] == "verified"
    X, y = read_data(IRIS)  # the checker's own parser
    return json.loads(json.dumps(cert)), X, y


def check(case) -> str:
    cert, X, y = case
    return check_certificate(cert, X, y)


def rejected(cert: dict, X, y, match: str) -> None:
    with pytest.raises(CheckFailure, match=match):
        check_certificate(cert, X, y)


def tampered(case):
    cert, X, y = case
    return copy.deepcopy(cert), X, y


def shift(ball: dict, amount: F) -> None:
    ball["mid"] = str(F(ball["mid"]) + amount)


def solved_box(cert: dict, X, y) -> None:
    """Replace the box by a tiny one around the zero of the reduced system the (tampered) file
    states, found by Newton steps in ball arithmetic: the Krawczyk test then passes, so only the
    strict checks can reject the structure."""
    program = read_structure_program(cert, X, y)
    section = cert["certificate"]
    neurons = [read_neuron(j, item, program) for j, item in enumerate(section["neurons"])]
    with ctx.workprec(300):
        system = System(program, neurons)
        x = [to_arb(F(m)) for m in section["box"]["mid"]]
        for _ in range(12):
            step = system.jacobian(x).inv().mid() * system.equations(x)
            x = [(x[i] - step[i, 0]).mid() for i in range(system.size)]
        mids = [mid_rad(t)[0] for t in x]
    section["box"] = {
        "mid": [str(m) for m in mids],
        "rad": [str(max(abs(m), F(1)) / 10**40) for m in mids],
    }


# ---------------------------------------------------------------------------------------------
# Accepted files


@pytest.mark.parametrize("name", sorted(SMALL))
def test_small_files_are_accepted(name: str) -> None:
    summary = check(small_case(name))
    assert summary.startswith("valid: verified optimal set")
    assert "complete pattern list" in summary


@pytest.mark.parametrize("lam", ["5", "1/2"])
def test_iris_files_are_accepted(lam: str, tmp_path: Path) -> None:
    cert, _, _ = iris_case(lam)
    path = tmp_path / "optimal_set.json"
    path.write_text(json.dumps(cert), encoding="utf-8")
    summary = check_file(path, IRIS)  # through the file reader and the CSV parser
    neurons = {"5": 2, "1/2": 6}[lam]
    assert f"{neurons} neurons" in summary and "Krawczyk" in summary
    assert cert["min_width"] == neurons and cert["count_minimal_networks"] == 1
    assert cert["count_minimal_convex"] == {"5": 2, "1/2": 384}[lam]


def test_one_point_enclosures_hold_the_closed_form() -> None:
    # The accepted file's balls contain r = 1/√2, α = (5√2 − 1)/2 and (10√2 − 1)/4 (squares).
    cert, _, _ = small_case("one_point")

    def holds(ball, a, b, square):  # (a·x + b)² = square for the true x
        low = a * (F(ball["mid"]) - F(ball["rad"])) + b
        high = a * (F(ball["mid"]) + F(ball["rad"])) + b
        return 0 < low and low**2 <= square <= high**2

    assert holds(cert["residual"][0], 1, 0, F(1, 2))
    assert holds(cert["neurons"][0]["alpha"], 2, 1, 50)
    assert holds(cert["optimum"], 4, 1, 200)


# ---------------------------------------------------------------------------------------------
# Tampered small files (one neuron, no face)


def test_alpha_enclosure_excluding_the_true_value_is_rejected() -> None:
    cert, X, y = tampered(small_case("one_point"))
    ball = cert["neurons"][0]["alpha"]
    shift(ball, 3 * F(ball["rad"]))
    rejected(cert, X, y, "neuron 0 alpha")


def test_radius_too_small_is_rejected() -> None:
    cert, X, y = tampered(small_case("one_point"))
    cert["residual"][0]["rad"] = "0"
    rejected(cert, X, y, "residual 0")


@pytest.mark.parametrize("field", ["optimum", "w2", "W1", "direction", "network"])
def test_shifted_enclosures_are_rejected(field: str) -> None:
    cert, X, y = tampered(small_case("one_point"))
    neuron = cert["neurons"][0]
    ball = {
        "optimum": cert["optimum"],
        "w2": neuron["w2"],
        "W1": neuron["W1"][1],
        "direction": neuron["direction"][0],
        "network": cert["network"]["W1"][0][0],
    }[field]
    shift(ball, F(1, 10**30))
    rejected(cert, X, y, "stated enclosure does not contain")


def test_shrunk_box_fails_the_krawczyk_test() -> None:
    cert, X, y = tampered(small_case("one_point"))
    box = cert["certificate"]["box"]
    box["rad"] = [str(F(v) / 10**30) for v in box["rad"]]
    rejected(cert, X, y, "Krawczyk")


def test_moved_box_fails_the_krawczyk_test() -> None:
    cert, X, y = tampered(small_case("one_point"))
    box = cert["certificate"]["box"]
    box["mid"][1] = str(F(box["mid"][1]) + 3 * F(box["rad"][1]))  # α outside the box
    rejected(cert, X, y, "Krawczyk")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("count_minimal_convex", 2),
        ("count_minimal_networks", 2),
        ("min_width", 2),
        ("unique_convex", False),
        ("unique_network", False),
        ("same_size", False),
        ("min_width", True),
    ],
)
def test_changed_counts_and_flags_are_rejected(name: str, value) -> None:
    cert, X, y = tampered(small_case("one_point"))
    cert[name] = value
    rejected(cert, X, y, name)


def test_changed_data_is_rejected() -> None:
    cert, X, _ = tampered(small_case("one_point"))
    rejected(cert, X, [F(6)], "data_sha256")
    cert["data_sha256"] = data_sha256(X, [F(6)])  # the hash of the changed data
    cert["certificate"]["cells"]["data_sha256"] = cert["data_sha256"]
    rejected(cert, X, [F(6)], "Krawczyk")


def test_face_changed_is_rejected() -> None:
    cert, X, y = tampered(small_case("one_point"))
    for neuron in (cert["neurons"][0], cert["certificate"]["neurons"][0]):
        neuron["face"], neuron["active"], neuron["cells"] = [0], [], [0, 1]
    cert["certificate"]["neurons"][0]["hyperplanes"] = [
        {"representative": 0, "rows": [0], "ratios": ["1"]}
    ]
    cert["count_minimal_convex"], cert["unique_convex"] = 2, False
    rejected(cert, X, y, "singular|Krawczyk")


def test_duplicated_neuron_is_rejected() -> None:
    # Two copies of the neuron: dependent fits, so the Jacobian is singular.
    cert, X, y = tampered(small_case("one_point"))
    cert["neurons"].append(copy.deepcopy(cert["neurons"][0]))
    cert["certificate"]["neurons"].append(copy.deepcopy(cert["certificate"]["neurons"][0]))
    box = cert["certificate"]["box"]
    box["mid"].append(box["mid"][1])
    box["rad"].append(box["rad"][1])
    for key in ("W1", "w2"):
        cert["network"][key].append(copy.deepcopy(cert["network"][key][0]))
    cert["min_width"] = 2
    rejected(cert, X, y, "singular|Krawczyk")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda c: c["claims"].update(neurons="exact"), "claim 'neurons'"),
        (lambda c: c["claims"].update(minimal_networks="verified"), "claim 'minimal_networks'"),
        (lambda c: c["certificate"].update(cells=None), "cells"),
        (lambda c: c["certificate"].update(method="newton"), "method"),
        (lambda c: c["certificate"].update(lam="2"), "lam"),
        (lambda c: c.update(output_bias={"mid": "0", "rad": "1"}), "output_bias"),
        (lambda c: c.update(output_bias_value={"mid": "0", "rad": "1"}), "output_bias"),
        (lambda c: c["neurons"][0].update(sign=-1), "sign"),
        (lambda c: c["certificate"]["neurons"][0].update(cells=[0, 1]), "cells"),
    ],
)
def test_changed_fields_are_rejected(change, match: str) -> None:
    cert, X, y = tampered(small_case("one_point"))
    change(cert)
    rejected(cert, X, y, match)


@pytest.mark.parametrize("drop", [0, 1, 2])
def test_dropped_neuron_with_a_valid_box_is_rejected(drop: int) -> None:
    # The two-neuron system has a zero (a valid box), but it is not the optimum: the remaining
    # alphas are not all > 0, or a block of the dropped neuron is not below λ.
    cert, X, y = tampered(small_case("mean_scale"))
    for entries in (cert["neurons"], cert["certificate"]["neurons"], *cert["network"].values()):
        del entries[drop]
    for key in ("mid", "rad"):
        del cert["certificate"]["box"][key][len(X) + drop]
    cert["min_width"] = 2
    solved_box(cert, X, y)
    rejected(cert, X, y, "alpha > 0|not proved below λ")


def test_output_bias_enclosure_is_checked() -> None:
    cert, X, y = tampered(small_case("output_bias"))
    shift(cert["output_bias_value"], 3 * F(cert["output_bias_value"]["rad"]))
    rejected(cert, X, y, "output_bias")
    cert, X, y = tampered(small_case("output_bias"))
    cert["certificate"]["output_bias"] = False  # the system without β has other solutions
    rejected(cert, X, y, "box|Krawczyk|output_bias")


def test_mean_scale_optimum_is_divided_by_n() -> None:
    cert, X, y = tampered(small_case("mean_scale"))
    ball = cert["optimum"]
    ball["mid"], ball["rad"] = str(3 * F(ball["mid"])), str(3 * F(ball["rad"]))  # sum scale
    rejected(cert, X, y, "optimum")


# ---------------------------------------------------------------------------------------------
# Tampered iris files


def test_dropped_neuron_is_rejected() -> None:
    cert, X, y = tampered(iris_case("5"))
    del cert["neurons"][1], cert["certificate"]["neurons"][1]
    del cert["network"]["W1"][1], cert["network"]["w2"][1]
    box, n = cert["certificate"]["box"], len(X)
    del box["mid"][n + 1], box["rad"][n + 1]
    cert["min_width"] = cert["count_minimal_convex"] = 1
    cert["unique_convex"] = True
    rejected(cert, X, y, "Krawczyk|below λ")


def test_face_row_made_active_is_rejected() -> None:
    cert, X, y = tampered(iris_case("5"))
    (k,) = cert["certificate"]["neurons"][1]["face"]
    for neuron in (cert["neurons"][1], cert["certificate"]["neurons"][1]):
        neuron["face"], neuron["active"] = [], sorted([*neuron["active"], k])
    cert["certificate"]["neurons"][1]["hyperplanes"] = []
    cert["neurons"][1]["face_multipliers"] = []
    rejected(cert, X, y, "cells")  # the tied cells change
    cells = cert["certificate"]["neurons"][1]["cells"][1:]  # the cell with row k active
    cert["certificate"]["neurons"][1]["cells"] = cert["neurons"][1]["cells"] = cells
    cert["count_minimal_convex"], cert["unique_convex"] = 1, True
    rejected(cert, X, y, "Krawczyk")
    solved_box(cert, X, y)  # the changed system's own zero: x̃_k·v has the wrong sign
    rejected(cert, X, y, "stated sign")


def test_face_row_made_inactive_is_rejected() -> None:
    cert, X, y = tampered(iris_case("5"))
    for neuron in (cert["neurons"][1], cert["certificate"]["neurons"][1]):
        neuron["face"], neuron["cells"] = [], neuron["cells"][:1]  # the cell with row k inactive
    cert["certificate"]["neurons"][1]["hyperplanes"] = []
    cert["neurons"][1]["face_multipliers"] = []
    cert["count_minimal_convex"], cert["unique_convex"] = 1, True
    solved_box(cert, X, y)
    rejected(cert, X, y, "stated sign")


def test_dropped_cell_is_rejected() -> None:
    cert, X, y = tampered(iris_case("5"))
    for neuron in (cert["neurons"][1], cert["certificate"]["neurons"][1]):
        neuron["cells"] = neuron["cells"][:1]
    cert["count_minimal_convex"], cert["unique_convex"] = 1, True
    rejected(cert, X, y, "cells")


def test_dropped_block_multiplier_is_rejected() -> None:
    cert, X, y = tampered(iris_case("5"))
    del cert["certificate"]["block_multipliers"][0]
    rejected(cert, X, y, "not proved below λ")


def test_incomplete_pattern_list_is_rejected() -> None:
    cert, X, y = tampered(iris_case("5"))
    cells = cert["certificate"]["cells"]
    for key in ("patterns", "witnesses", "facets"):
        del cells[key][0]
    cells["count"] -= 1
    rejected(cert, X, y, "nested cells certificate")


def test_dependent_face_basis_is_rejected() -> None:
    cert, X, y = tampered(iris_case("1/2"))
    neuron = cert["certificate"]["neurons"][2]
    assert neuron["face"] == [8, 11, 15, 25]  # three planes through a ray: no LICQ
    neuron["cell_bases"][0]["rows"] = [15, 25]  # one plane twice
    rejected(cert, X, y, "dependent")


def test_wrong_face_basis_is_rejected() -> None:
    # Another basis of face rows of the same cell gives a negative multiplier: SCS not proved.
    cert, X, y = tampered(iris_case("1/2"))
    neuron = cert["certificate"]["neurons"][2]
    entry = next(e for e in neuron["cell_bases"] if e["rows"] == [15, 11])
    entry["rows"] = [8, 11]
    cell = next(e for e in cert["neurons"][2]["cell_multipliers"] if e["cell"] == entry["cell"])
    cell["rows"] = [8, 11]
    rejected(cert, X, y, "face multipliers not > 0")


def test_face_multiplier_enclosure_is_checked() -> None:
    cert, X, y = tampered(iris_case("1/2"))
    ball = cert["neurons"][1]["face_multipliers"][0][1]
    shift(ball, 3 * F(ball["rad"]))
    rejected(cert, X, y, "neuron 1 face multiplier")
    cert, X, y = tampered(iris_case("1/2"))
    ball = cert["neurons"][2]["cell_multipliers"][0]["values"][0]
    shift(ball, 3 * F(ball["rad"]))
    rejected(cert, X, y, "neuron 2 cell")
