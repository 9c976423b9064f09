"""The mutation operators: a number ±1, ×2, negated or replaced; a pattern bit or a boolean
flipped; a list item dropped, duplicated or swapped; a field dropped or set to null; a verdict or
label replaced; two network weights swapped; an entry of the data changed.  A mutation of a
certificate part (no claim) is ``internal``."""

from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from exactrelu.exact.rationals import rational_str

if TYPE_CHECKING:
    from exactrelu.testing.mutation.samples import Sample

_RATIONAL = re.compile(r"-?[0-9]+(?:/[0-9]+)?")

_VOCABULARY = ("optimal", "not_optimal", "inconclusive", "exact", "verified", "undecided")
_VOCABULARY += ("numeric", "all", "given", "relu", "gated", "sum", "mean", "zero", "active")


@dataclass(frozen=True)
class Mutation:
    """A mutated file (and data): ``path`` is where the JSON was changed (None: the data)."""

    description: str
    document: dict
    X: tuple
    y: tuple
    path: tuple | None


def internal(path: tuple) -> bool:
    """Whether a JSON path lies in a certificate part (no claim): under a ``certificate`` key,
    a float copy (``*_float``), the KKT multipliers of a stationary file's violated block, the
    separators and convex combinations that certify an optimal set's extreme functions (any
    valid ones prove the claim), or the ``max_networks`` option echoed by an optimal set."""
    keys = [p for p in path if isinstance(p, str)]
    return (
        "certificate" in keys
        or any(k.endswith("_float") for k in keys)
        or (len(keys) >= 2 and keys[0] == "violated" and keys[1] == "mu")
        or (len(keys) >= 2 and keys[0] == "functions" and keys[1] in ("separators", "combinations"))
        or keys == ["max_networks"]
    )


def _sites(node, path=()):
    """Every (path, value) of the JSON tree, containers included."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _sites(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _sites(value, (*path, i))


def get_at(node, path):
    """The node of a JSON tree at ``path`` (keys and indices)."""
    for p in path:
        node = node[p]
    return node


def set_at(node, path, value):
    """Replace the node of a JSON tree at ``path``."""
    get_at(node, path[:-1])[path[-1]] = value


def number_text(value) -> Fraction | None:
    """The number a JSON value writes (an int, or a ``"p"``/``"p/q"`` string), else None."""
    if isinstance(value, str) and _RATIONAL.fullmatch(value):
        p, _, q = value.partition("/")
        return Fraction(int(p), int(q)) if q and int(q) else None if q else Fraction(int(p))
    if type(value) is int:
        return Fraction(value)
    return None


def _as_like(original, value: Fraction):
    """A new number written like the original (JSON int or rational string)."""
    if type(original) is int and value.denominator == 1:
        return int(value)
    return rational_str(value)


def _number_op(rng: random.Random, value):
    number = number_text(value)
    op = rng.choice(("+1", "-1", "x2", "neg", "other"))
    new = {
        "+1": number + 1,
        "-1": number - 1,
        "x2": number * 2,
        "neg": -number,
        "other": Fraction(rng.randint(-9, 9), rng.randint(1, 9)),
    }[op]
    return op, _as_like(value, new)


def mutate(sample: Sample, rng: random.Random, claims_only: bool) -> Mutation | None:
    """One random mutation of the sample (None when the drawn operation does not apply)."""
    if rng.random() < 0.05:
        return _mutate_data(sample, rng)
    document = copy.deepcopy(sample.document)
    sites = [(p, v) for p, v in _sites(document) if p and not (claims_only and internal(p))]
    path, value = rng.choice(sites)
    kind = rng.choice(("value", "value", "list", "field", "swap"))
    if kind == "value":
        described = _mutate_value(rng, value)
        if described is None:
            return None
        description, new = described
        set_at(document, path, new)
    elif kind == "list":
        if not isinstance(value, list) or not value:
            return None
        description = _mutate_list(rng, value)
    elif kind == "field":
        parent = get_at(document, path[:-1])
        if isinstance(parent, dict) and rng.random() < 0.5:
            del parent[path[-1]]
            description = "drop field"
        else:
            set_at(document, path, None)
            description = "set to null"
    else:
        description = _swap_weights(rng, document, path)
        if description is None:
            return None
    if document == sample.document:
        return None
    return Mutation(f"{description} at {_path_text(path)}", document, sample.X, sample.y, path)


def _mutate_value(rng: random.Random, value):
    if isinstance(value, bool):
        return "flip bool", not value
    if number_text(value) is not None:
        return _number_op(rng, value)
    if isinstance(value, str) and value and not value.strip("01"):
        k = rng.randrange(len(value))
        return "flip bit", value[:k] + ("1" if value[k] == "0" else "0") + value[k + 1 :]
    if isinstance(value, str) and value.startswith("sqrt(") and number_text(value[5:-1]):
        op, inner = _number_op(rng, value[5:-1])
        return f"sqrt {op}", f"sqrt({inner})"
    if isinstance(value, str):
        return "replace string", rng.choice([w for w in _VOCABULARY if w != value])
    return None


def _mutate_list(rng: random.Random, items: list) -> str:
    op = rng.choice(("drop", "duplicate", "swap") if len(items) > 1 else ("drop", "duplicate"))
    i = rng.randrange(len(items))
    if op == "drop":
        del items[i]
    elif op == "duplicate":
        items.insert(i, copy.deepcopy(items[i]))
    else:
        j = rng.randrange(len(items) - 1)
        j += j >= i
        items[i], items[j] = items[j], items[i]
    return f"{op} list item"


def _swap_weights(rng: random.Random, document: dict, path: tuple) -> str | None:
    """Swap two weights of the network containing ``path`` (its W1 entries or w2)."""
    for cut in range(len(path), -1, -1):
        node = get_at(document, path[:cut])
        if (
            isinstance(node, dict)
            and isinstance(node.get("W1"), list)
            and isinstance(node.get("w2"), list)
            and all(isinstance(row, list) for row in node["W1"])
        ):
            slots = [("w2", j) for j in range(len(node["w2"]))]
            slots += [("W1", j, i) for j, row in enumerate(node["W1"]) for i in range(len(row))]
            if len(slots) < 2:
                return None
            a, b = rng.sample(slots, 2)
            va, vb = get_at(node, a), get_at(node, b)
            set_at(node, a, vb)
            set_at(node, b, va)
            return "swap network weights"
    return None


def _mutate_data(sample: Sample, rng: random.Random) -> Mutation:
    X, y = [list(row) for row in sample.X], list(sample.y)
    if rng.random() < 0.5:
        k, i = rng.randrange(len(X)), rng.randrange(len(X[0]))
        X[k][i] += rng.choice((-1, 1))
        where = f"X[{k}][{i}]"
    else:
        k = rng.randrange(len(y))
        y[k] += rng.choice((-1, 1))
        where = f"y[{k}]"
    document = copy.deepcopy(sample.document)
    return Mutation(f"data {where} ±1", document, tuple(map(tuple, X)), tuple(y), None)


def _path_text(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path) or "."
