"""The independent checker: re-verifies exactrelu certificates with exact arithmetic only.

It imports nothing else of ``exactrelu`` (docs/formats.md, "Labels"), only itself, the standard
library, numpy and python-flint (tests/test_layering.py), and is its own program:
``python -m exactrelu.checker CERT.json --data DATA`` (``cli.py``; ``exactrelu check`` runs the
same code).  Its own data parser and hash (``data.py``, proofs/data.md), its own reading of
fields and exact numbers (``fields.py``), its own arrangement combinatorics (``arrangement.py``),
and one module per certificate kind (``patterns.py``, proofs/patterns.md; ``duality.py`` with
``network.py`` for solve and certify, proofs/duality.md; ``optimal_set.py`` for optimal sets,
proofs/optimal_set.md and proofs/minimality.md; ``verified.py`` for optimal sets with an
irrational optimum, proofs/verified.md, and ``interval.py`` for structures proved on a whole λ
interval, same file, both on ``krawczyk.py`` (the reduced KKT system and its Krawczyk test) and
``balls.py`` (ball arithmetic); ``stationary.py`` for stationary points, proofs/stationary.md;
``prune.py`` for pruned networks, proofs/prune.md; ``path.py`` for regularization paths,
proofs/path.md, a container that hands each embedded certificate to its kind's module).  Only
Python ints, Fractions, numpy integer arrays with proven bounds, python-flint ``fmpq_mat`` exact
rational matrices and, for ``verified`` claims only, python-flint ``arb`` ball arithmetic
(rigorous enclosures) are used.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from exactrelu.checker.data import data_sha256, exact_data, input_options, read_data
from exactrelu.checker.duality import check_certify, check_solve
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import MAX_DIGITS
from exactrelu.checker.interval import check_verified_interval
from exactrelu.checker.optimal_set import check_optimal_set
from exactrelu.checker.path import check_path
from exactrelu.checker.patterns import check_patterns
from exactrelu.checker.prune import check_prune
from exactrelu.checker.stationary import check_stationary

__all__ = ["CHECKS", "CheckFailure", "check_certificate", "check_file", "data_sha256", "read_data"]

# One checker per certificate kind: (certificate, X, y) -> one-line summary, or CheckFailure.
CHECKS: dict[str, Callable[[dict, list[list[Fraction]], list[Fraction] | None], str]] = {
    "patterns": check_patterns,
    "solve": check_solve,  # proofs/duality.md
    "certify": check_certify,  # proofs/duality.md
    "optimal_set": check_optimal_set,  # proofs/optimal_set.md, proofs/minimality.md
    "stationary": check_stationary,  # proofs/stationary.md
    "verified_interval": check_verified_interval,  # proofs/verified.md, "λ intervals"
    "prune": check_prune,  # proofs/prune.md
    "path": check_path,  # proofs/path.md: every sample, interval and λ_max of a path
}


def check_certificate(cert: dict, X: list[list[Fraction]], y: list[Fraction] | None) -> str:
    """Verify a parsed certificate against parsed data; return a one-line summary.

    Raises CheckFailure (one line saying why) on any failure.
    """
    if not isinstance(cert, dict):
        raise CheckFailure("the certificate must be a JSON object")
    kind = cert.get("kind")
    check = CHECKS.get(kind) if isinstance(kind, str) else None
    if check is None:
        raise CheckFailure(f"unknown certificate kind {cert.get('kind')!r}")
    rows, target = exact_data(X, y)
    try:
        return check(cert, rows, target)
    except ValueError as exc:  # str() of a computed number beyond Python's int-text limit
        if "digits" not in str(exc):
            raise
        raise CheckFailure(f"a computed number has more than {MAX_DIGITS} digits") from None


def check_file(cert_path: str | Path, data_path: str | Path) -> str:
    """Read a certificate (JSON) and its data, reading the data as ``cert["input"]`` says."""
    try:
        with Path(cert_path).open(encoding="utf-8") as handle:
            cert = json.load(
                handle,
                parse_constant=_reject_constant,
                parse_int=_integer,
                object_pairs_hook=_object,
            )
    except (OSError, ValueError, RecursionError) as exc:
        raise CheckFailure(f"cannot read certificate {cert_path}: {exc}") from None
    if not isinstance(cert, dict):
        raise CheckFailure("the certificate must be a JSON object")
    target, digits = input_options(cert)
    X, y = read_data(data_path, target, digits)
    return check_certificate(cert, X, y)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid in a certificate")


def _object(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object; a key given twice makes the file invalid (which value would be meant?)."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


class LongInteger:
    """A JSON integer of more than MAX_DIGITS digits: kept as a marker, never converted (int()
    would refuse it); every field that needs a number rejects it by its type, naming itself."""

    def __init__(self, text: str) -> None:
        self.digits = len(text.lstrip("-"))

    def __repr__(self) -> str:
        return f"<an integer of {self.digits} digits>"


def _integer(text: str) -> int | LongInteger:
    return LongInteger(text) if len(text.lstrip("-")) > MAX_DIGITS else int(text)
