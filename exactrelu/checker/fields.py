"""Reading a certificate's fields and numbers: each failure is one line (:class:`CheckFailure`).

Numbers in a certificate are exact rationals written as strings ``"p"`` or ``"p/q"`` (JSON
integers where a rule allows them), never floats (docs/formats.md, proofs/duality.md, D1), of at
most :data:`MAX_DIGITS` digits each (proofs/data.md, "Limits").  Float copies (fields ``X_float``)
must be the correctly rounded floats of the verified exact values (:func:`check_float_copies`),
and every kind's summary line names the problem it is about (:func:`summary`).  Shared by every
certificate kind; exact matrices are python-flint ``fmpq_mat``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction

from flint import fmpq, fmpq_mat

from exactrelu.checker.failure import CheckFailure

_RATIONAL = re.compile(r"(-?[0-9]+)(?:/([0-9]+))?")
_INTEGER = re.compile(r"-?[0-9]+")

MAX_DIGITS = 4300
"""The most digits of an integer (a numerator, a denominator, a data entry) the checker reads:
Python's limit for converting text to int (``sys.int_info.default_max_str_digits``).  Longer
numbers make the file (or the data) invalid (proofs/data.md, "Limits")."""
MAX_EXPONENT = 308
"""The largest decimal exponent ``|E|`` of a number written ``…eE`` in the data."""
MAX_ROUND = 100
"""The largest ``input.round`` (decimals) the checker accepts (the CLI's ``--round`` uses the same
bound with its own constant: the checker imports nothing of the engine)."""


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
        raise CheckFailure(f"{what} is not an exact rational string 'p' or 'p/q': {_shown(text)}")
    if len(match[1].lstrip("-")) > MAX_DIGITS or len(match[2] or "") > MAX_DIGITS:
        raise CheckFailure(f"{what} has more than {MAX_DIGITS} digits")
    denominator = int(match[2]) if match[2] is not None else 1
    if denominator == 0:
        raise CheckFailure(f"{what} has a zero denominator: {text!r}")
    return int(match[1]), denominator


def parse_integers(texts: list) -> list[int] | None:
    """The integers written by ``texts`` if every one is a string ``"p"``, else None."""
    if all(type(text) is str and len(text) <= MAX_DIGITS for text in texts) and all(
        map(_INTEGER.fullmatch, texts)
    ):
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
        raise CheckFailure(f"{name} is {short(stated)}, its exact value is {short(value)}")


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
    if value == 0:
        return "0"
    a = abs(value)
    if a.numerator.bit_length() + a.denominator.bit_length() <= 256:
        text = str(value)
        if len(text) <= 40:
            return text
    # 10^(e-1) < a < 10^(e+1) up to a step or two, corrected below (log10(2) < 30103/10^5)
    e = (a.numerator.bit_length() - a.denominator.bit_length()) * 30103 // 100000
    m = round(a / Fraction(10) ** (e - 5))
    while not 10**5 <= m < 10**6:
        e += 1 if m >= 10**6 else -1
        m = round(a / Fraction(10) ** (e - 5))
    return f"~{'-' if value < 0 else ''}{m // 10**5}.{m % 10**5:05d}e{e}"


def _shown(value: object) -> str:
    """``repr`` of a stated value for a message, cut to 60 characters (numbers can be huge)."""
    if isinstance(value, str) and len(value) > 60:
        return f"{value[:40]!r}… ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


# ---------------------------------------------------------------------------------------------
# Float copies (docs/formats.md, "Numbers": item F of every kind's list in proofs/*.md)


def check_float_copies(
    cert: dict, derived: dict[str, Fraction] | None = None, skip: frozenset[str] = frozenset()
) -> None:
    """Item F: every field ``X_float`` of the file is the correctly rounded float of its exact
    counterpart: ``derived[X]`` (a quantity the kind's checks computed, top level only), else
    the field ``X`` beside it, which the kind's checks have verified (called after them; names in
    ``skip`` are neither counterparts nor searched: nested certificates checked on their own, and
    fields the checker does not verify).  Lists and objects (networks) are compared entry by
    entry; ``null`` means absent.  An ``X_float`` without a counterpart is invalid."""
    derived = derived or {}

    def walk(node: object, top: bool) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, False)
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key in skip:
                continue
            if not key.endswith("_float"):
                walk(value, False)
                continue
            if value is None:  # a null copy is absent, whatever its counterpart
                continue
            name = key[: -len("_float")]
            if top and name in derived:
                exact: object = derived[name]
            elif name in node and name not in skip:
                exact = node[name]
            else:
                raise CheckFailure(f"{key} is a float copy of no verified exact field")
            if not _same_float(value, exact):
                raise CheckFailure(f"{key} is not the correctly rounded float of {name}")

    walk(cert, True)


def _same_float(value: object, exact: object) -> bool:
    """``value`` (JSON) is float(exact) entry by entry; bools and nulls equal themselves."""
    if isinstance(exact, list):
        return (
            isinstance(value, list)
            and len(value) == len(exact)
            and all(_same_float(v, e) for v, e in zip(value, exact, strict=True))
        )
    if isinstance(exact, dict) and set(exact) == {"mid", "rad"}:
        return False  # an enclosure of an irrational number: no exact value to round
    if isinstance(exact, dict):
        return (
            isinstance(value, dict)
            and set(value) == set(exact)
            and all(_same_float(value[k], exact[k]) for k in exact)
        )
    if exact is None or isinstance(exact, bool):
        return value is exact
    if type(value) is not float:
        return False
    number = exact if isinstance(exact, Fraction) else rational(exact, "the exact value")
    try:
        return value == float(number)  # float() of a Fraction is correctly rounded
    except OverflowError:
        return False


# ---------------------------------------------------------------------------------------------
# The summary line


def summary(cert: dict, what: str, detail: str) -> str:
    """The one line of a valid file, the same for every kind: ``valid: <what> (<the problem:
    λ and scale, bias, output bias, model, tol, how the data was read>): <detail>``.  Called
    after the kind's checks, so every field it names has been verified."""
    parts = []
    scale = f" {cert['scale']} scale" if cert.get("scale") in ("sum", "mean") else ""
    if cert.get("lam") is not None:
        parts.append(f"λ = {short(rational(cert['lam'], 'lam'))}{scale}")
    elif isinstance(cert.get("lam_interval"), list):
        lo, hi = (short(rational(v, "lam_interval")) for v in cert["lam_interval"])
        parts.append(f"λ in [{lo}, {hi}]{scale}")
    parts.append("bias" if cert.get("bias") is True else "no bias")
    if "output_bias" in cert:
        parts.append("output bias" if cert["output_bias"] is True else "no output bias")
    if cert.get("model") is not None:
        parts.append(str(cert["model"]))
    if cert.get("tol") is not None:
        parts.append(f"tol {short(rational(cert['tol'], 'tol'))}")
    options = cert.get("input") if isinstance(cert.get("input"), dict) else {}
    if options.get("target") is not None:
        parts.append(f"target {options['target']!r}")
    digits = options.get("round")
    parts.append("data as given" if digits is None else f"data rounded to {digits} decimals")
    return f"valid: {what} ({', '.join(parts)}): {detail}"
