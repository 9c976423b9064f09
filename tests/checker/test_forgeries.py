"""Hand-made forgeries: small, realistic certificates written by the engine, each with one
plausible lie, each rejected by the independent checker for the right reason (issue 13).

The certificates are built once per module on tiny data; every forgery is a deterministic edit
of one of them (or of the data it names), checked as ``exactrelu check`` checks a file
(:func:`exactrelu.checker.check_file`: the JSON text and the data file are read from disk).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from exactrelu import Problem
from exactrelu.checker import CheckFailure, check_file, data_sha256
from exactrelu.cli import main as exactrelu_main
from exactrelu.optimum.verified_interval import verify_interval
from exactrelu.tasks.path_samples import solve_point

DATA = {
    # a rational optimum (alpha-form, zero gap) and the certify example of docs/formats.md
    "one": "x1,x2,y\n3,4,10\n",
    "one_other": "x1,x2,y\n3,4,11\n",
    # an irrational optimum: a verified optimal set, a solve with a positive gap
    "eye": "x1,x2,y\n1,0,2\n0,1,-5\n1,1,1\n",
    # the prune example of docs/formats.md
    "line": "x,y\n0,1\n1,0\n2,2\n3,1\n",
    # an optimal set with two minimal networks (tests/checker/test_optimal_set.py)
    "two": "x1,x2,y\n0,1,-6\n-1,0,-2\n1,1,6\n1,1,2\n",
    # four normals of rank 3, three of them dependent: not in general position
    "degenerate": "a,b,c\n1,0,0\n0,1,0\n1,1,0\n0,0,1\n",
}
NETWORKS = {
    "one_bad": {"W1": [["1", "1"]], "w2": ["1"], "bias": False},
    "line_five": {
        "W1": [["1", "1/2"], ["1", "-1/2"], ["1", "-3/2"], ["1", "-5/2"], ["-1", "1/2"]],
        "w2": ["1", "-1", "1", "-1", "1"],
        "bias": True,
    },
}
# name: (command, data, options)
RUNS = {
    "patterns": ("patterns", "eye", []),
    "patterns_degenerate": ("patterns", "degenerate", ["--target", "none"]),
    "solve_exact": ("solve", "one", ["--lam", "1"]),
    "solve_gap": ("solve", "eye", ["--lam", "1/2", "--bias", "--round", "2"]),
    "certify_not_optimal": ("certify", "one", ["--lam", "1", "--network", "one_bad"]),
    "optimal_set": ("optimal-set", "two", ["--lam", "1/2", "--output-bias"]),
    "optimal_set_verified": ("optimal-set", "eye", ["--lam", "1"]),
    "prune": ("prune", "line", ["--lam", "1/10", "--bias", "--network", "line_five"]),
    "stationary": ("stationary", "one", ["--lam", "1", "--network", "one_bad"]),
}
# the line of tests/optimum/test_interval_certificate.py: its structure changes at λ ≈ 1.096
LINE_X, LINE_Y = [[0], [1], [2], [3], [4]], [3, 0, 2, -1, 4]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """Every certificate (parsed) and every data file, written once."""
    folder = tmp_path_factory.mktemp("forgeries")
    paths = {}
    for name, text in DATA.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text(text)
    for name, network in NETWORKS.items():
        paths[name] = folder / f"{name}.json"
        paths[name].write_text(json.dumps(network))
    docs = {}
    for name, (command, data, options) in RUNS.items():
        out = folder / f"{name}.json"
        options = [str(paths.get(o, o)) for o in options]
        assert exactrelu_main([command, str(paths[data]), *options, "--json", str(out)]) == 0
        docs[name] = (json.loads(out.read_text()), paths[data])
    docs["interval"] = (_interval(), folder / "interval.csv")
    lines = [f"{x[0]},{t}" for x, t in zip(LINE_X, LINE_Y, strict=True)]
    docs["interval"][1].write_text("x,y\n" + "\n".join(lines) + "\n")
    return {"docs": docs, "paths": paths, "folder": folder}


def _interval() -> dict:
    """A verified_interval file for λ in [4/5, 201/250] (no breakpoint inside)."""
    options = {"bias": True, "output_bias": True}
    lo, hi = Fraction(4, 5), Fraction(201, 250)
    point = solve_point(Problem(LINE_X, LINE_Y, lo, **options))
    assert point.status == "verified"
    s = point.state
    problem = Problem(LINE_X, LINE_Y, (lo + hi) / 2, **options)
    outcome = verify_interval(problem, s.neurons, s.residual, s.alpha, s.output_bias, lo, hi)
    assert outcome.status == "verified"
    return json.loads(json.dumps(outcome.certificate))


# ---------------------------------------------------------------------------------------------
# The forgeries: (name, base certificate, edit, the reason the checker must give)


def _drop_cell(doc):
    for key in ("patterns", "witnesses", "facets"):
        del doc[key][0]
    doc["count"] -= 1


def _drop_facet(doc):
    i = next(i for i, f in enumerate(doc["facets"]) if f)
    doc["facets"][i] = doc["facets"][i][1:]


def _general_position(doc):
    assert doc["certificate"]["general_position"] is False
    doc["certificate"].update(general_position=True, count_method="cover")


def _swap_data(doc, built):
    """Another data set (y changed), with its hash recomputed: every claim must be re-derived."""
    other = built["paths"]["one_other"]
    doc["data_sha256"] = data_sha256([[Fraction(3), Fraction(4)]], [Fraction(11)])
    doc["certificate"]["cells"]["data_sha256"] = doc["data_sha256"]
    return other


def _halve(doc, name):
    doc[name] = str(Fraction(doc[name]) / 2)


def _shrink_gap(doc):
    assert Fraction(doc["gap"]) > 0
    doc["objective_lower"] = doc["objective_upper"]
    doc["gap"] = "0"


def _nudge_float(doc, name):
    doc[name] = doc[name] * (1 + 2**-40) if doc[name] else 1e-300


def _duplicate_key(doc):
    """The text has "gap" twice: the first value is the true one, the second a lie."""
    text = json.dumps(doc)
    return text.replace('"gap": ', '"gap": "0", "gap": ', 1)


def _huge(doc):
    doc["objective_upper"] = "1" * 5000 + "/" + "3" * 10


def _tol_one(doc):
    """tol = 1: the threshold ½‖y‖² = 50 covers the gap of a network at 3× the optimum."""
    doc["tol"] = "1"
    doc["threshold"] = "50"
    doc["verdict"] = "optimal"
    for name in ("improving_network", "improving_objective", "improving_width", "improvement"):
        doc[name] = None
    doc["claims"].pop("improving_objective", None)


def _flip_verdict(doc):
    doc["verdict"] = "optimal"
    for name in ("improving_network", "improving_objective", "improving_width", "improvement"):
        doc[name] = None
    doc["claims"].pop("improving_objective", None)


def _drop_vertex(doc):
    assert doc["count_minimal_networks"] == 2
    del doc["minimal_networks"][1]
    doc.update(count_minimal_networks=1, unique_network=True)


def _neuron_cells(doc):
    doc["neurons"][0]["cells"] = doc["neurons"][0]["cells"][:-1] or [0]


def _stretch(doc):
    doc["lam_interval"][1] = "6/5"  # across the breakpoint at λ ≈ 1.096


def _prune_fit(doc):
    doc["network"]["w2"][0] = str(Fraction(doc["network"]["w2"][0]) * 2)


def _set(name, value):
    def edit(doc):
        doc[name] = value

    return edit


def _claim(name, label="exact"):
    def edit(doc):
        doc["claims"][name] = label

    return edit


Forgery = tuple[str, str, Callable, str]
FORGERIES: list[Forgery] = [
    # patterns
    ("cell dropped, count fixed", "patterns", _drop_cell, "count 5 but the arrangement has 6"),
    ("facet dropped", "patterns", _drop_facet, "facet incidences claimed"),
    (
        "witness on a hyperplane",
        "patterns",
        lambda d: d["witnesses"][0].__setitem__(0, "0") or d["witnesses"][0].__setitem__(1, "0"),
        "does not realise the pattern strictly",
    ),
    ("general position claimed", "patterns_degenerate", _general_position, "general_position"),
    ("unknown claim name", "patterns", _claim("optimum"), "not a claim of a patterns file"),
    ("count float edited", "patterns", _set("count_float", 7.0), "correctly rounded float"),
    # solve
    ("gap shrunk", "solve_gap", _shrink_gap, "objective_lower is"),
    ("gap halved", "solve_gap", lambda d: _halve(d, "gap"), "gap is"),
    ("λ changed", "solve_exact", _set("lam", "1/2"), "objective_upper is|dual infeasible"),
    ("scale changed", "solve_gap", _set("scale", "mean"), "objective_upper is|dual infeasible"),
    ("bias option flipped", "solve_exact", _set("bias", True), "bias"),
    ("target changed", "solve_gap", lambda d: d["input"].update(target="x1"), "data_sha256"),
    ("data swapped, hash recomputed", "solve_exact", _swap_data, "objective_upper is"),
    (
        "dual point doubled",
        "solve_gap",
        lambda d: d["certificate"]["dual"].update(theta="2"),
        "dual infeasible|objective_lower",
    ),
    (
        "upper float edited",
        "solve_gap",
        lambda d: _nudge_float(d, "objective_upper_float"),
        "objective_upper_float is not the correctly rounded float",
    ),
    (
        "relative gap float edited",
        "solve_gap",
        lambda d: _nudge_float(d, "gap_relative_float"),
        "gap_relative_float is not",
    ),
    ("float of nothing", "solve_exact", _set("optimum_float", 1.98), "float copy of no verified"),
    ("duplicated key", "solve_gap", _duplicate_key, "'gap' appears twice"),
    ("5,000-digit number", "solve_gap", _huge, "objective_upper has more than 4300 digits"),
    ("tol = 1 in solve", "solve_gap", _set("tol", "1"), "tol must be below 1"),
    (
        "round of 10^9 decimals",
        "solve_gap",
        lambda d: d["input"].update(round=10**9),
        "input.round",
    ),
    ("optimum claimed at a positive gap", "solve_gap", _claim("optimum"), "claim 'optimum'"),
    # certify
    ("tol = 1, verdict optimal", "certify_not_optimal", _tol_one, "tol must be below 1"),
    ("verdict flipped", "certify_not_optimal", _flip_verdict, "verdict optimal but gap"),
    (
        "improving objective lowered",
        "certify_not_optimal",
        lambda d: _halve(d, "improving_objective"),
        "improving_objective is",
    ),
    ("improvement inflated", "certify_not_optimal", _set("improvement", "5"), "improvement is"),
    (
        "objective float edited",
        "certify_not_optimal",
        _set("objective_float", 5.0),
        "objective_float is not",
    ),
    ("threshold raised", "certify_not_optimal", _set("threshold", "5"), "threshold is"),
    # optimal_set, exact
    ("vertex dropped, counts fixed", "optimal_set", _drop_vertex, "unique_network is|minimal"),
    ("unique_network flipped", "optimal_set", _set("unique_network", True), "unique_network is"),
    ("min_width lowered", "optimal_set", _set("min_width", 0), "min_width is"),
    ("optimum changed", "optimal_set", lambda d: _halve(d, "optimum"), "optimum is"),
    ("neuron's cells edited", "optimal_set", _neuron_cells, "has cells"),
    # optimal_set, verified
    (
        "verified: unique_convex flipped",
        "optimal_set_verified",
        _set("unique_convex", True),
        "unique_convex is",
    ),
    ("verified: neuron's cells edited", "optimal_set_verified", _neuron_cells, "has cells"),
    (
        "verified: optimum ball moved",
        "optimal_set_verified",
        lambda d: d["optimum"].update(mid=str(Fraction(d["optimum"]["mid"]) + 1)),
        "optimum",
    ),
    (
        "verified: label upgraded to exact",
        "optimal_set_verified",
        _claim("neurons", "exact"),
        "claim 'neurons'",
    ),
    # verified_interval
    ("interval stretched across a breakpoint", "interval", _stretch, "Krawczyk test fails"),
    (
        "interval: unique_convex flipped",
        "interval",
        lambda d: d.update(unique_convex=not d["unique_convex"]),
        "unique_convex is",
    ),
    ("interval: unknown claim", "interval", _claim("optimum", "verified"), "claim 'optimum'"),
    # prune
    ("pruned network changes the fit", "prune", _prune_fit, "fit differs"),
    (
        "prune objective float edited",
        "prune",
        lambda d: _nudge_float(d, "objective_float"),
        "objective_float is not",
    ),
    ("prune width lie", "prune", _set("width_after", 2), "width_after must be"),
    # stationary
    ("stationary verdict flipped", "stationary", _set("stationary", True), "stationary must be"),
    (
        "globally_optimal flipped",
        "stationary",
        _set("globally_optimal", True),
        "globally_optimal must be",
    ),
    ("violated block hidden", "stationary", _set("violated", []), "dual infeasible"),
]


def test_there_are_at_least_30_forgeries() -> None:
    assert len({name for name, *_ in FORGERIES}) == len(FORGERIES) >= 30
    assert {base for _, base, *_ in FORGERIES} >= {*RUNS, "interval"} - {"solve"}


@pytest.mark.parametrize("base", [*RUNS, "interval"])
def test_the_originals_are_valid(built, base: str) -> None:
    doc, data = built["docs"][base]
    path = built["folder"] / f"original-{base}.json"
    path.write_text(json.dumps(doc))
    assert check_file(path, data).startswith("valid: ")


@pytest.mark.parametrize(
    ("name", "base", "edit", "reason"), FORGERIES, ids=[f[0] for f in FORGERIES]
)
def test_forgery_is_rejected(built, name: str, base: str, edit, reason: str) -> None:
    doc, data = built["docs"][base]
    doc = copy.deepcopy(doc)
    try:
        result = edit(doc, built)
    except TypeError:
        result = edit(doc)
    if isinstance(result, Path):
        data, text = result, json.dumps(doc)
    else:
        text = result if isinstance(result, str) else json.dumps(doc)
    path = built["folder"] / "forged.json"
    path.write_text(text)
    with pytest.raises(CheckFailure, match=reason) as failure:
        check_file(path, data)
    assert "\n" not in str(failure.value)
