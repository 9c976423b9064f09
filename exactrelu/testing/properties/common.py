"""Helpers shared by the properties (docs/theory.md §3–§9): the :data:`Note` a property returns,
failing with the exact numbers, exact data, and the independent checker's acceptance."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from exactrelu.checker import check_certificate
from exactrelu.program.problem import Problem

Note = str | None
"""What a property returns: None when all it states was checked, else a note on what did not
apply (recorded as a Hypothesis event)."""


def require(condition: bool, message: str) -> None:
    """Fail with ``message`` (the statement and the exact numbers) unless ``condition``."""
    if not condition:
        raise AssertionError(message)


def dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    """The exact inner product ``Σ a_i b_i``."""
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


def exact_data(problem: Problem) -> tuple[list[list[Fraction]], list[Fraction]]:
    """The problem's data ``(X, y)`` as lists of Fractions."""
    return [list(row) for row in problem.dataset.X], list(problem.dataset.y)


def checked(document: dict, problem: Problem) -> None:
    """The independent checker accepts ``document`` for the problem's data."""
    kind = document.get("kind")
    try:
        check_certificate(document, *exact_data(problem))
    except Exception as exc:  # the checker must accept, and never crash
        raise AssertionError(f"the checker rejects a {kind} certificate: {exc!r}") from exc
