"""Reading a certificate's fields and numbers: each failure is one line (:class:`CheckFailure`).

Numbers in a certificate are exact rationals written as strings ``"p"`` or ``"p/q"`` (JSON
integers where a rule allows them), never floats (docs/formats.md, proofs/duality.md, D1).
Shared by every certificate kind; exact matrices are python-flint ``fmpq_mat``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction

from flint import fmpq, fmpq_mat

from exactrelu.checker.failure import CheckFailure

_RATIONAL = re.compile(r"(-?[0-9]+)(?:/([0-9]+))?")
_INTEGER = re.compile(r"-?[0-9]+")


def field(obj: dict, name: str, kind: type) -> object:
    """``obj[name]``, which must be of type ``kind`` (a bool is not an int)."""
    value = obj.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CheckFailure(f"field {name!r} must be of type {kind.__name__}, got {value!r}")
    return value


def parse_rational(text: object, what: str) -> tuple[int, int]:
    """Parse a certificate number ``"p"`` or ``"p/q"`` (q > 0) into ``(p, q)``; nothing else."""
    match = _RATIONAL.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise CheckFailure(f"{what} is not an exact rational string 'p' or 'p/q': {text!r}")
    denominator = int(match[2]) if match[2] is not None else 1
    if denominator == 0:
        raise CheckFailure(f"{what} has a zero denominator: {text!r}")
    return int(match[1]), denominator


def parse_integers(texts: list) -> list[int] | None:
    """The integers written by ``texts`` if every one is a string ``"p"``, else None."""
    if all(type(text) is str for text in texts) and all(map(_INTEGER.fullmatch, texts)):
        return list(map(int, texts))
    return None


def rational(value: object, what: str) -> Fraction:
    """An exact rational: a string ``"p"``/``"p/q"`` or a JSON integer (not a bool)."""
    if type(value) is int:
        return Fraction(value)
    return Fraction(*parse_rational(value, what))


def rational_vector(values: object, size: int, what: str) -> list[Fraction]:
    """A list of ``size`` exact rationals (:func:`rational`)."""
    if not isinstance(values, list) or len(values) != size:
        raise CheckFailure(f"{what} must be a list of {size} rationals")
    return [rational(v, what) for v in values]


def equal(cert: dict, name: str, value: Fraction) -> None:
    """The stated rational string ``cert[name]`` is exactly ``value``."""
    stated = Fraction(*parse_rational(cert.get(name), name))
    if stated != value:
        raise CheckFailure(f"{name} is {stated}, its exact value is {value}")


def nonnegative(cert: dict, name: str) -> Fraction:
    """The rational string ``cert[name]``, which must be >= 0."""
    value = Fraction(*parse_rational(cert.get(name), name))
    if value < 0:
        raise CheckFailure(f"{name} is negative")
    return value


def matrix(rows: Iterable[Iterable[Fraction | int]]) -> fmpq_mat:
    """The exact rational matrix of rows of Fractions (or ints)."""
    return fmpq_mat([[fmpq(v.numerator, v.denominator) for v in row] for row in rows])


def short(value: Fraction) -> str:
    """The exact text if short, else ``~d.ddddde±x`` computed with integers (display only)."""
    text = str(value)
    if len(text) <= 40:
        return text
    a = abs(value)
    e = len(str(a.numerator)) - len(str(a.denominator))  # 10^(e-1) < a < 10^(e+1)
    m = round(a / Fraction(10) ** (e - 5))
    while not 10**5 <= m < 10**6:
        e += 1 if m >= 10**6 else -1
        m = round(a / Fraction(10) ** (e - 5))
    return f"~{'-' if value < 0 else ''}{m // 10**5}.{m % 10**5:05d}e{e}"
