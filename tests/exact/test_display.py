"""Short summaries of results: one-line reprs (< 200 characters, the key facts, numbers rounded
with the exact value one attribute away) and HTML tables for notebooks."""

from __future__ import annotations

import ast
from fractions import Fraction

import pytest

from exactrelu import (
    Problem,
    certify,
    enumerate_patterns,
    network_from_json,
    optimal_set,
    prune,
    stationary,
)
from exactrelu.exact.display import rounded, summary_html, summary_repr
from exactrelu.tasks.path import path

DATA = ([[1, 0], [0, 1], [1, 1]], [2, -5, 1])
TRAINED = network_from_json({"W1": [[1, 0], [0, 1]], "w2": [1, -1]}, d=2)


def test_rounded_numbers():
    assert rounded(Fraction(99, 50)) == ("1.98", True)
    assert rounded(Fraction(1, 3)) == ("0.333333", False)
    assert rounded(Fraction(10) ** 400) == ("+huge", False)
    assert rounded(12) == ("12", True) and rounded(True) == ("True", True)
    assert rounded("exact") == ("'exact'", True) and rounded(None) == ("None", True)
    assert rounded(0.1) == ("0.1", False)  # the float 0.1 is not 1/10
    assert rounded(0.5) == ("0.5", True)
    assert summary_repr("X", [("a", Fraction(1, 3)), ("b", 2)]) == "<X a≈0.333333, b=2>"
    table = summary_html("X", [("a", Fraction(1, 3)), ("s", "ok")])
    assert "<table>" in table and "1/3" in table and "0.333333" in table and ">ok<" in table


def _short(obj, *facts):
    text = repr(obj)
    assert "\n" not in text and len(text) < 200, text
    assert text.startswith(f"<{type(obj).__name__} ") and text.endswith(">")
    with pytest.raises(SyntaxError):  # a description, not code that would build something else
        ast.parse(text)
    for fact in facts:
        assert fact in text, (fact, text)
    html = obj._repr_html_()
    assert html.startswith("<table>") and type(obj).__name__ in html
    return text


def test_problem_and_solution_reprs():
    problem = Problem([[3, 4]], [10], lam=1)
    _short(problem, "n=1", "d=2", "lam=1", "bias=False", "scale='sum'")
    sub = Problem([[3, 4]], [10], lam="1/3", patterns=["1"])
    _short(sub, "lam≈0.333333", "patterns='1 given'")
    solution = problem.solve()
    _short(solution, "status='exact'", "optimum=1.98", "gap=0", "width=1")
    assert solution.optimum == Fraction(99, 50)  # the exact value, one attribute away


def test_certification_reprs():
    problem = Problem(*DATA, lam=1)
    good = certify(
        Problem([[3, 4]], [10], lam=1),
        network_from_json({"W1": [["21/25", "28/25"]], "w2": ["7/5"]}, d=2),
    )
    _short(good, "verdict='optimal'", "gap=0", "objective=1.98")
    bad = certify(problem, TRAINED)
    text = _short(bad, "verdict='not_optimal'", "objective=11", "gap≈3.83494", "improving_width=2")
    assert f"{float(bad.gap):.6g}" in text


def test_optimal_set_reprs():
    exact = optimal_set(Problem([[1, 0], [0, 1]], [2, -5], lam=1))
    _short(exact, "status='exact'", "optimum=6", "neurons=2", "unique_network=True", "min_width=2")
    verified = optimal_set(Problem(*DATA, lam=1))
    _short(verified, "status='verified'", "optimum≈7.16506", "neurons=2")


def test_prune_stationary_cells_reprs():
    problem = Problem(*DATA, lam=1)
    wide = network_from_json({"W1": [[1, 0], [0, 1], [2, 0]], "w2": [1, -1, 1]}, d=2)
    _short(
        prune(problem, wide), "width_before=3", "width_after=2", "rank=2", "objective_before=13.5"
    )
    _short(
        stationary(problem, TRAINED),
        "stationary=False",
        "globally_optimal=False",
        "violated=5",
        "improving_width=3",
    )
    _short(enumerate_patterns(DATA[0], bias=False), "count=6", "n=3", "general_position=True")


def test_path_repr():
    grid = [Fraction(1, 2), Fraction(1)]
    result = path([[0], [1], [2]], grid, [1, 0, 2], bias=True, max_solves=2, interval_tests=0)
    _short(result, "points=2", "breakpoints=0", "lam_max=5", f"solves_used={result.solves_used}")
