"""The checker on path files (proofs/path.md): the file as written is accepted, every tampered
copy is rejected (a point's bound or λ, an interval's ends or verdict, a label, a dropped
interval certificate, λ_max's bounds)."""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from functools import cache

import pytest

from exactrelu.checker import CheckFailure, check_certificate
from exactrelu.program.problem import Problem
from exactrelu.tasks.path import path

X = [[0], [1], [2], [3], [4]]
Y = [3, 0, 2, -1, 4]
GRID = [Fraction(1, 2), Fraction(3, 2), Fraction(20)]  # λ_max = √353 ≈ 18.8 lies inside


@cache
def _document() -> str:
    problem = Problem(X, Y, 1, bias=True)
    result = path(problem, GRID, rel_width=Fraction(1, 50), interval_tests=40)
    return json.dumps(result.to_json())


def document() -> dict:
    return json.loads(_document())


def check(doc: dict) -> str:
    return check_certificate(doc, [[Fraction(v) for v in x] for x in X], [Fraction(v) for v in Y])


def _bump(text: str, step=Fraction(1, 10**6)) -> str:
    return str(Fraction(text) + step)


def _first(doc, verdict):
    return next(i for i in doc["intervals"] if i["verdict"] == verdict)


def test_path_file_is_accepted():
    doc = document()
    assert doc["kind"] == "path" and doc["status"] == "verified"
    verdicts = {i["verdict"] for i in doc["intervals"]}
    assert {"proved", "zero"} <= verdicts
    assert any(b["status"] != "numeric" for b in doc["breakpoints"])
    assert check(doc).startswith("valid: path of 3 grid points")


def _set(path, value):
    def tamper(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value(node[path[-1]]) if callable(value) else value

    return tamper


def _interval_field(verdict, name, value):
    def tamper(doc):
        item = _first(doc, verdict)
        item[name] = value(item[name]) if callable(value) else value

    return tamper


def _drop_piece(doc):
    del _first(doc, "proved")["certificate"]["pieces"][0]


def _drop_last_piece(doc):
    del _first(doc, "proved")["certificate"]["pieces"][-1]


def _decided_bracket(doc):
    return next(b for b in doc["breakpoints"] if b["status"] != "numeric")


def _bracket_field(name, value):
    def tamper(doc):
        item = _decided_bracket(doc)
        item[name] = value(item[name]) if callable(value) else value

    return tamper


def _flip_used(doc):
    neuron = doc["points"][0]["neurons"][0]
    neuron["used"] = not neuron["used"]


def _same_ends(doc):
    bracket = _decided_bracket(doc)
    bracket["ends"][1] = copy.deepcopy(bracket["ends"][0])
    bracket["lam_hi"] = bracket["ends"][1]["lam"]


def _swap_points(doc):
    doc["points"][0], doc["points"][1] = doc["points"][1], doc["points"][0]


def _point_lam_with_certificate(doc):
    point = doc["points"][0]
    point["lam"] = point["certificate"]["lam"] = "1/3"  # the certificate no longer proves it


TAMPERED = {
    "point objective_lower": _set(("points", 0, "objective_lower"), _bump),
    "point objective_upper": _set(("points", 1, "objective_upper"), lambda t: _bump(t, -1)),
    "point gap": _set(("points", 0, "gap"), _bump),
    "point lam": _set(("points", 1, "lam"), "7/5"),
    "point lam and its certificate's": _point_lam_with_certificate,
    "point status": _set(("points", 0, "status"), "exact"),
    "point E": _set(("points", 0, "E"), lambda v: v + 1),
    "point S": _set(("points", 0, "S"), lambda v: v - 1),
    "point used flag": _flip_used,
    "point unique_network": _set(("points", 0, "unique_network"), False),
    "point certificate dropped": _set(("points", 0, "certificate"), None),
    "points out of order": _swap_points,
    "interval lam_lo": _interval_field("proved", "lam_lo", lambda t: _bump(t, Fraction(-1, 10**3))),
    "interval lam_hi": _interval_field("proved", "lam_hi", lambda t: _bump(t, Fraction(1, 10**3))),
    "interval sampled claimed proved": _interval_field("sampled", "verdict", "proved"),
    "interval proved claimed sampled": _interval_field("proved", "verdict", "sampled"),
    "interval status": _interval_field("sampled", "status", "verified"),
    "interval first piece dropped": _drop_piece,
    "interval last piece dropped": _drop_last_piece,
    "zero interval below lam_max": _interval_field("zero", "lam_lo", "18"),
    "zero interval verdict": _interval_field("zero", "verdict", "proved"),
    "bracket lam_lo": _bracket_field("lam_lo", lambda t: _bump(t, Fraction(-1, 10**3))),
    "bracket lam_hi": _bracket_field("lam_hi", lambda t: _bump(t, Fraction(1, 10**3))),
    "bracket status": _bracket_field("status", "exact"),
    "bracket verdict_status": _bracket_field("verdict_status", "exact"),
    "bracket resolved": _bracket_field("resolved", lambda v: not v),
    "bracket same structure at both ends": _same_ends,
    "bracket unique_network_at_ends": _bracket_field("unique_network_at_ends", [False, False]),
    "lam_max squared_upper": _set(("lam_max", "squared_upper"), "352"),
    "lam_max squared_lower": _set(("lam_max", "squared_lower"), "354"),
    "lam_max squared": _set(("lam_max", "squared"), "352"),
    "lam_max exact": _set(("lam_max", "exact"), False),
    "lam_max block": _set(("lam_max", "block"), [0, 1]),
    "claims label": _set(("claims", "intervals"), "exact"),
    "status": _set(("status",), "exact"),
    "data hash": _set(("data_sha256",), "0" * 64),
    "bias": _set(("bias",), False),
    "version": _set(("version",), 2),
}


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_tampered_path_is_rejected(name):
    doc = document()
    TAMPERED[name](doc)
    with pytest.raises(CheckFailure):
        check(doc)
