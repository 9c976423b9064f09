"""Least-squares pruning beyond minimality (docs/theory.md §6): every step changes the fit by an
exactly reported amount, for each rule."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest

from exactrelu.exact.rationals import fmpq_matrix
from exactrelu.exact.surds import SqrtSum
from exactrelu.model.convex import convex_fit
from exactrelu.model.network import fit
from exactrelu.model.network_io import network_from_arrays
from exactrelu.program.problem import Problem
from exactrelu.tasks.prune import least_squares_prune, prune


def test_least_squares_prune_reports_fit_changes():
    X = [[1, 0], [0, 1], [1, 1]]
    y = [3, -2, 1]
    net = network_from_arrays([[1, 0], [0, 1], [1, 1], [1, -1]], [2, -1, 1, 1])
    problem = Problem(X, y, 1)
    steps = least_squares_prune(problem, net, 0)
    exact = prune(problem, net)
    assert steps[0].changes_fit is False and steps[0].width == exact.width_after
    assert steps[0].objective == exact.objective
    widths = [s.width for s in steps]
    assert widths == sorted(widths, reverse=True) and widths[-1] == 0
    previous = steps[0]
    for step in steps[1:]:
        assert step.changes_fit is True
        assert step.width < previous.width
        assert step.fit == fit(step.network, X)
        assert step.fit_change == tuple(a - b for a, b in zip(step.fit, previous.fit, strict=True))
        assert step.fit_change_norm2 > 0
        assert step.fit_change_norm2 <= step.residual_norm2  # |t| <= 1
        assert step.objective == problem.objective(step.network)
        assert SqrtSum(step.objective) >= step.convex_objective
        assert json.loads(json.dumps(step.to_json()))["changes_fit"] is True
        previous = step
    assert steps[-1].fit == (0, 0, 0)


@pytest.mark.parametrize("rule", ["residual", "norm", "fit"])
def test_least_squares_rules_and_output_bias(rule):
    X = [[1, 0], [0, 1], [1, 1], [2, 1]]
    y = [3, -2, 1, 0]
    net = network_from_arrays(
        [[1, 0], [0, 1], [1, 1], [1, -1], [-1, 2]], [2, -1, 1, 1, F(1, 2)], output_bias=1
    )
    problem = Problem(X, y, F(1, 2), output_bias=True)
    steps = least_squares_prune(problem, net, 1, rule=rule)
    assert steps[-1].width == 1
    for previous, step in zip(steps, steps[1:], strict=False):
        assert step.changes_fit
        assert step.fit == fit(step.network, X)
        assert step.fit_change == tuple(a - b for a, b in zip(step.fit, previous.fit, strict=True))
        # the bias absorbs the constant part: the fit change is orthogonal to the constant
        assert sum(step.fit_change) == 0


def test_least_squares_residual_rule_picks_the_best_explained_neuron():
    # after the exact prune the fits are (1,0,0), (0,1,0), (1,1,1)/... ; the residual rule removes
    # the block whose fit the others explain best
    X = [[1, 0], [0, 1], [1, 1]]
    net = network_from_arrays([[1, -1], [-1, 1], [1, 1]], [1, 1, 1])
    problem = Problem(X, [1, 1, 1], 1)
    steps = least_squares_prune(problem, net, 2)
    assert len(steps) == 2
    step = steps[1]
    residuals = []
    blocks = prune(problem, net).blocks
    fits = [convex_fit([b], X) for b in blocks]
    for j in range(len(fits)):
        others = [fits[i] for i in range(len(fits)) if i != j]
        A = fmpq_matrix([[o[k] for o in others] for k in range(3)])
        b = fmpq_matrix([[v] for v in fits[j]])
        x = (A.transpose() * A).solve(A.transpose() * b)
        r = b - A * x
        residuals.append(sum((r[k, 0] ** 2 for k in range(3)), 0))
    assert step.regressed == min(range(len(fits)), key=lambda j: (residuals[j], j))
