"""Short summaries of results for people: a one-line ``repr`` and a small HTML table for notebooks.

A summary lists ``(attribute, value)`` pairs, e.g.
``<Certification verdict='not_optimal', objective=11, lower_bound≈7.16506, ...>``.  Exact
numbers are shown rounded to :data:`DIGITS` significant digits, written ``name≈value`` when
rounding changed them and ``name=value`` when the shown value is exact; the exact value is always
one attribute away (``result.gap``, ``result.objective``, …).  Nothing here computes: the
summaries only read attributes that are already known.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from fractions import Fraction
from numbers import Rational

DIGITS = 6
"""Significant digits of the numbers in a summary."""
MAX_EXACT_CHARS = 60
"""The exact column of an HTML summary is cut to this many characters."""

Item = tuple[str, object]


def rounded(value: object, digits: int = DIGITS) -> tuple[str, bool]:
    """``(text, exact)``: ``value`` as a short text, and whether the text denotes it exactly.

    Rationals (Fractions, ints) and floats are rounded to ``digits`` significant digits;
    objects with ``__float__`` (square-root sums, balls) are shown by their float.  Strings,
    booleans and None are shown by ``repr``.
    """
    if value is None or isinstance(value, (bool, str)):
        return repr(value), True
    if isinstance(value, int) and abs(value) < 10**digits:
        return str(value), True
    if isinstance(value, (Rational, float)):
        try:
            number = float(value)
        except OverflowError:
            return ("+" if value > 0 else "-") + "huge", False
        if not math.isfinite(number):
            return repr(number), False
        text = f"{number:.{digits}g}"
        exact = Fraction(text) == (Fraction(value) if isinstance(value, float) else value)
        return text, exact
    if hasattr(value, "__float__"):
        try:
            return f"{float(value):.{digits}g}", False  # type: ignore[arg-type]
        except (OverflowError, ValueError, TypeError):
            pass
    return repr(value), True


def exact_text(value: object) -> str:
    """The exact value as a string (``p/q`` for a Fraction), cut to :data:`MAX_EXACT_CHARS`."""
    if isinstance(value, Fraction):
        text = str(value)
    elif value is None or isinstance(value, (bool, str, int, float)):
        text = repr(value)
    elif isinstance(getattr(value, "mid", None), Fraction):  # a ball: mid ± rad
        radius = f" ± {float(value.rad):.3g}"  # type: ignore[attr-defined]
        mid, room = str(value.mid), MAX_EXACT_CHARS - len(radius)  # type: ignore[attr-defined]
        return (mid if len(mid) <= room else mid[: room - 1] + "…") + radius
    else:
        text = str(value)
    if len(text) > MAX_EXACT_CHARS:
        text = text[: MAX_EXACT_CHARS - 1] + "…"
    return text


def summary_repr(name: str, items: Sequence[Item]) -> str:
    """``<Name a=1, b≈0.333333, ...>``: one line; ``≈`` marks a rounded number.  The angle
    brackets say that it is a description, not code (Python's convention for a ``repr`` that
    cannot be evaluated; Hypothesis then prints the call that built an object instead)."""
    parts = []
    for key, value in items:
        text, exact = rounded(value)
        parts.append(f"{key}{'=' if exact else '≈'}{text}")
    return f"<{name} {', '.join(parts)}>"


def summary_html(name: str, items: Sequence[Item], note: str = "") -> str:
    """A small HTML table: attribute, shown value, exact value (cut when long)."""
    rows = []
    for key, value in items:
        text, exact = (value, True) if isinstance(value, str) else rounded(value)
        full = "" if exact else exact_text(value)
        rows.append(
            f"<tr><td><code>{html.escape(key)}</code></td><td>{html.escape(text)}</td>"
            f"<td>{html.escape(full)}</td></tr>"
        )
    caption = f"<b>{html.escape(name)}</b>" + (f" {html.escape(note)}" if note else "")
    return (
        f"<table><caption style='text-align:left'>{caption}</caption>"
        "<tr><th>attribute</th><th>value</th><th>exact</th></tr>" + "".join(rows) + "</table>"
    )


class Summarized:
    """Mixin: ``__repr__`` and ``_repr_html_`` from ``_summary() -> list of (name, value)``.

    Dataclasses keep a ``__repr__`` defined in the class body; classes using this mixin define
    ``__repr__ = Summarized.__repr__`` there (a dataclass would otherwise replace an inherited
    one).
    """

    def _summary(self) -> list[Item]:  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self) -> str:
        return summary_repr(type(self).__name__, self._summary())

    def _repr_html_(self) -> str:
        return summary_html(type(self).__name__, self._summary())
