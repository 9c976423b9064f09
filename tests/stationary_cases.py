"""Test-only data for stationary points (docs/theory.md §9), shared by tests/tasks/stationary/:
the balanced neuron ``W1 = V``, ``w2 = λ`` made exactly stationary on small data
(:func:`exactrelu.tasks.stationary.planted_stationary`), and the checker's acceptance of a
result."""

from __future__ import annotations

import json
from fractions import Fraction as F

from exactrelu.checker import check_certificate
from exactrelu.tasks.stationary import planted_stationary

LAM = F(3)
V = (F(2), F(-1), F(2))  # ‖V‖ = 3 = λ; with a bias x̃·V = 2x₁ − x₂ + 2
POINTS = [(1, 0), (0, 0), (2, 1), (-1, 3), (-2, 0), (1, 5)]  # first three active, rest not
FACE_POINT = (0, 2)  # on the hyperplane of V


def constructed(points, inactive, face=None, face_r=F(0)):
    """Data on which the balanced neuron ``W1 = V``, ``w2 = λ`` is exactly stationary."""
    return planted_stationary(points, V, inactive=inactive, face=face, face_residual=face_r)


def checked(result, problem):
    """The result's JSON passes the independent checker (through a JSON round trip)."""
    document = json.loads(json.dumps(result.to_json()))
    data = problem.dataset
    assert check_certificate(document, data.X, data.y).startswith("valid: stationary")
    return document
