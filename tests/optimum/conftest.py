"""Fixtures shared by the tests of the verified optimum (tests/optimum)."""

from __future__ import annotations

import pytest
from verified_problems import random_problem


@pytest.fixture(scope="module")
def random_case():
    """A random problem (n = 30, d = 2, λ = 1) whose optimum is irrational, with its solution."""
    problem = random_problem(30, 2, 1, seed=0)
    return problem, problem.solve()
