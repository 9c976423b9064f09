"""The independent checker on prune files (proofs/prune.md, P1-P11): files from
:func:`exactrelu.tasks.prune.prune` are accepted, tampered copies are rejected."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from fractions import Fraction as F
from pathlib import Path

import pytest

from exactrelu.checker import CheckFailure, check_certificate
from exactrelu.cli import main
from exactrelu.model.network import Network
from exactrelu.model.network_io import network_from_arrays
from exactrelu.optimum.optimal_set import optimal_set
from exactrelu.program.problem import Problem
from exactrelu.tasks.prune import prune
from exactrelu.testing.mutation import write_data

IDENTITY = [[1, 0], [0, 1]]


def _optimal_vertex_instance() -> tuple[Problem, Network]:
    """An optimal network with three dependent neurons (output bias): prunes to a vertex."""
    problem = Problem([[1, 0], [0, 1], [1, -1]], [-3, 1, 2], 1, output_bias=True)
    opt = optimal_set(problem)
    return problem, opt.network(opt.min_norm)


def _instances() -> dict[str, tuple[Problem, Network]]:
    gates = ((F(1), F(1)), (F(1), F(-1)), (F(-1), F(1)))
    hinge = network_from_arrays([[1, 0], [1, -1], [-1, 1], [2, -1]], [1, 2, 1, -1], bias=True)
    split = [[F(3, 5), 0], [F(4, 5), 0], [0, F(6, 5)], [0, F(8, 5)]]
    return {
        "collinear split": (
            Problem(IDENTITY, [2, -5], 1),
            network_from_arrays(split, [F(3, 5), F(4, 5), F(-6, 5), F(-8, 5)]),
        ),
        "dependent blocks": (
            Problem(IDENTITY, [2, -5], 1),
            network_from_arrays([[1, 1], [1, -1], [-1, 1], [2, 1]], [1, 1, -1, F(1, 2)]),
        ),
        "hidden bias": (Problem([[0], [1], [2]], [1, 0, 2], 1, bias=True), hinge),
        "output bias, mean scale": (
            Problem([[0], [1], [2]], [1, 0, 2], 1, bias=True, output_bias=True, scale="mean"),
            hinge,
        ),
        "optimal vertex": _optimal_vertex_instance(),
        "gated": (
            Problem(IDENTITY, [2, -5], 1, model="gated"),
            Network(((F(3), F(4)), (F(1), F(0)), (F(0), F(1))), (F(1), F(1), F(-1)), gates=gates),
        ),
    }


INSTANCES = _instances()


def _file(name: str) -> tuple[dict, list, list]:
    problem, network = INSTANCES[name]
    doc = json.loads(json.dumps(prune(problem, network).to_json()))
    return doc, [list(x) for x in problem.dataset.X], list(problem.dataset.y)


@pytest.mark.parametrize("name", sorted(INSTANCES))
def test_prune_files_accepted(name: str) -> None:
    doc, X, y = _file(name)
    summary = check_certificate(doc, X, y)
    assert summary.startswith("valid: prune (")
    assert f"): from width {doc['width_before']} to " in summary


def test_files_cover_alpha_forms_irrational_objectives_and_steps() -> None:
    docs = {name: _file(name)[0] for name in INSTANCES}
    assert all(docs[name]["alpha_form"] is not None for name in ("collinear split", "gated"))
    assert "gate" in docs["gated"]["alpha_form"][0]
    assert isinstance(docs["hidden bias"]["convex_objective"], dict)  # a sum of square roots
    assert docs["hidden bias"]["width_after"] < docs["hidden bias"]["rank"]
    assert docs["dependent blocks"]["steps"] and docs["optimal vertex"]["output_bias"]


def _set(path: tuple, value: object) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def _add_dependent_neuron(doc: dict) -> None:
    """A copy of a neuron with half its output weight, the original's halved: the fit and the
    blocks are unchanged but the neuron fits are dependent."""
    net = doc["network"]
    w = F(net["w2"][0]) / 2
    net["W1"].append(list(net["W1"][0]))
    net["w2"][0] = str(w)
    net["w2"].append(str(w))
    doc["width_after"] += 1


def _scale_pruned_weight(doc: dict) -> None:
    doc["network"]["w2"][0] = str(2 * F(doc["network"]["w2"][0]))


TAMPERS: dict[str, Callable[[dict], None]] = {
    "input network changed": lambda doc: doc["input_network"]["w2"].__setitem__(0, "7"),
    "input network removed": lambda doc: doc.pop("input_network"),
    "pruned weight changed": _scale_pruned_weight,
    "objective": _set(("objective",), "1"),
    "objective_before": _set(("objective_before",), "1"),
    "objective_change": _set(("objective_change",), "1"),
    "width_before": _set(("width_before",), 99),
    "width_after": _set(("width_after",), 1),
    "rank": _set(("rank",), 1),
    "blocks_before": _set(("blocks_before",), 7),
    "dependent neuron added": _add_dependent_neuron,
    "fit_unchanged false": _set(("fit_unchanged",), False),
    "fit": _set(("fit", 0), "1/7"),
    "factor": _set(("factors", 0), "5/11"),
    "w2_only objective": _set(("w2_only", "objective"), "1"),
    "w2_only weight": lambda doc: doc["w2_only"]["network"]["w2"].__setitem__(0, "5"),
    "convex_objective": _set(("convex_objective",), "1/3"),
    "convex_objective_change": _set(("convex_objective_change",), "-1/9"),
    "claim label": _set(("claims", "rank"), "verified"),
    "unknown claim": _set(("claims", "optimal"), "exact"),
    "lam": _set(("lam",), "2"),
    "kind": _set(("kind",), "prunes"),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
@pytest.mark.parametrize("name", ["dependent blocks", "output bias, mean scale"])
def test_tampered_prune_files_rejected(name: str, tamper: str) -> None:
    doc, X, y = _file(name)
    TAMPERS[tamper](doc)
    with pytest.raises(CheckFailure):
        check_certificate(doc, X, y)


@pytest.mark.parametrize(
    "tamper",
    [
        _set(("alpha_form", 0, "alpha"), "2"),
        _set(("alpha_form", 0, "sign"), -1),
        _set(("alpha_form", 0, "W1_scale"), "3"),
        lambda doc: doc["alpha_form"].pop(),
        _set(("alpha_form",), None),  # every pruned norm is rational: the α-form is due
    ],
)
def test_tampered_alpha_form_rejected(tamper: Callable[[dict], None]) -> None:
    doc, X, y = _file("collinear split")
    tamper(doc)
    with pytest.raises(CheckFailure):
        check_certificate(doc, X, y)


def test_irrational_objectives_checked_exactly() -> None:
    doc, X, y = _file("hidden bias")
    value = doc["convex_objective"]
    for key, tampered in (
        ("rational", str(F(value["rational"]) + F(1, 10**30))),
        ("rad", "0"),
    ):
        bad = copy.deepcopy(doc)
        bad["convex_objective"][key] = tampered
        with pytest.raises(CheckFailure):
            check_certificate(bad, X, y)
    bad = copy.deepcopy(doc)
    term = bad["convex_objective"]["sqrt_terms"][0]
    term["coef"] = str(F(term["coef"]) / 4)
    term["sqrt"] = f"sqrt({16 * int(term['sqrt'][5:-1])})"  # the same number, written otherwise
    assert check_certificate(bad, X, y).startswith("valid")


def test_other_data_rejected() -> None:
    doc, X, y = _file("dependent blocks")
    with pytest.raises(CheckFailure, match="data_sha256"):
        check_certificate(doc, X, [y[0] + 1, *y[1:]])


def test_cli_check_of_a_prune_file(tmp_path: Path, capsys) -> None:
    doc, X, y = _file("hidden bias")
    data = tmp_path / "data.csv"
    write_data(data, X, y)
    cert = tmp_path / "prune.json"
    cert.write_text(json.dumps(doc))
    assert main(["check", str(cert), "--data", str(data)]) == 0
    assert "valid: prune" in capsys.readouterr().out
    doc["objective"] = "0"
    cert.write_text(json.dumps(doc))
    assert main(["check", str(cert), "--data", str(data)]) == 1
