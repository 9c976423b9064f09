"""Mutation testing of the independent checker: are false claims ever accepted?

For each kind of file the package writes, certificates are generated on small instances and
mutated at random (a number ±1, ×2, negated or replaced by another rational; a pattern bit or a
boolean flipped; a list item dropped, duplicated or two items swapped; a field dropped or set to
null; a verdict or label replaced; two network weights swapped; an entry of the data changed).
Each mutation is classified **without the checker**, exactly, from the truth of the instance:

* ``falsifying``: a claim of the mutated file is false (or the file no longer parses as its
  kind): the checker must reject it;
* ``true``: claims changed but all are still true (e.g. a witness scaled by 2, a wider
  enclosure, a smaller lower bound with a consistent gap); the checker may accept it;
* ``internal``: only the certificate part changed (the claims are those of the original file,
  which are true); the checker may accept it only if the mutated certificate still proves them,
  which is what it checks;
* ``unclassified``: the truth could not be decided (an enclosure overlapping the true one's, a
  bound between the known bounds of an irrational optimum, or a kind without an oracle).

The truth comes from the engine's own exact computations (cell enumeration, exact optima of
planted instances, exact NC objectives, :func:`exactrelu.tasks.stationary`) and from the unmutated
file
(verified), never from the checker.  The checker runs as ``exactrelu check`` does
(:func:`exactrelu.checker.check_file` on files written to a temporary directory); any exception
other than :class:`CheckFailure` is counted as a crash.

    .venv/bin/python -m exactrelu.testing.mutation [--mutations N] [--seed S] [--kinds K ...]

prints one row per kind: mutations tried, falsifying (and how many were rejected: must be all),
true (accepted), internal (accepted), unclassified, crashes, time.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path

from exactrelu.arrangement.patterns import enumerate_patterns
from exactrelu.checker import CheckFailure, check_file
from exactrelu.data.io import as_dataset, data_sha256, read_data
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import rational_str
from exactrelu.model import networks
from exactrelu.program.problem import MODELS, SCALES, Problem

KINDS = (
    "patterns",
    "solve",
    "certify",
    "optimal_set exact",
    "optimal_set verified",
    "prune",
    "path",
    "stationary",
)
CATEGORIES = ("falsifying", "true", "internal", "unclassified")
_RATIONAL = re.compile(r"-?[0-9]+(?:/[0-9]+)?")
_FORMAT = ("kind", "version", "status", "claims")
_HEADER = ("n", "d", "bias", "output_bias", "scale", "model", "lam", "patterns", "data_sha256")
_VOCABULARY = ("optimal", "not_optimal", "inconclusive", "exact", "verified", "undecided")
_VOCABULARY += ("numeric", "all", "given", "relu", "gated", "sum", "mean", "zero", "active")


# ---------------------------------------------------------------------------------------------
# Samples: certificates of each kind on small instances
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """A certificate of one kind, its exact data and the oracle deciding its claims."""

    label: str
    document: dict
    X: tuple[tuple[Fraction, ...], ...]
    y: tuple[Fraction, ...]
    oracle: Callable[[dict, dict, object], bool | None] | None = field(repr=False)


@cache
def samples(label: str) -> tuple[Sample, ...]:
    """The certificates of kind ``label`` (one of :data:`KINDS`), deterministic (built once;
    mutations work on copies)."""
    return tuple(_BUILDERS[label]())


def _sample(label, document, dataset, oracle) -> Sample:
    document = json.loads(json.dumps(document))  # a JSON round trip: what a file holds
    return Sample(label, document, dataset.X, dataset.y, oracle)


def _planted_problem(seed: int, **options) -> Problem:
    from exactrelu.testing.planted import planted

    return planted(8, 2, 2, bias=True, seed=seed, **options).problem()


def _patterns_samples():
    for X, bias in (
        ([[2, -1], [0, 3], [-2, -2], [1, 1], [3, 0], [-1, 2]], False),
        ([[1, 0], [2, 0], [0, 1], [1, 1], [-1, -1], [0, 0]], True),
    ):
        dataset = as_dataset(X, [1, 2, 3, 4, 5, 6])
        cells = enumerate_patterns(dataset, bias=bias)
        yield _sample("patterns", cells.to_json(dataset), dataset, _patterns_oracle)


def _solve_samples():
    for seed, options in ((1, {}), (2, {"output_bias": True})):
        problem = _planted_problem(seed, **options)
        yield _sample("solve", problem.solve().to_json(), problem.dataset, _bounds_oracle)


def _certify_samples():
    from exactrelu.model.training import train
    from exactrelu.tasks.certify import certify

    problem = _planted_problem(0)
    solution = problem.solve()
    X, y = problem.dataset.X, problem.dataset.y
    for network in (solution.network, train(X, y, problem.lam, 2, bias=True, seed=1, steps=30)):
        result = certify(problem, network, solution=solution)
        yield _sample("certify", result.to_json(), problem.dataset, _bounds_oracle)


def _optimal_set_samples(status: str):
    from exactrelu.optimum.optimal_set import optimal_set
    from exactrelu.testing.planted import planted

    if status == "exact":
        dependent = planted(d=2, dependent=True, seed=0)
        problems = [dependent.problem(), _planted_problem(0, faces=1)]
    else:
        problems = [Problem([[1, 1]], [5], 1), Problem([[1, 2], [2, -1], [-1, 1]], [3, 1, 2], 1)]
    for problem in problems:
        result = optimal_set(problem)
        if result.status != status:  # pragma: no cover - the instances are chosen for it
            raise AssertionError(f"expected a {status} optimal set, got {result.status}")
        label = f"optimal_set {status}"
        yield _sample(label, result.to_json(), problem.dataset, _equal_claims_oracle)


def _prune_samples():
    from exactrelu.tasks.prune import prune

    problem = _planted_problem(0)
    network = problem.solve().network
    split = networks.Network(
        network.W1 + network.W1[:1], network.w2[:1] + network.w2[1:] + network.w2[:1], bias=True
    )
    yield _sample("prune", prune(problem, split).to_json(), problem.dataset, _prune_oracle)


def _path_samples():
    from exactrelu.tasks.path import path

    problem = _planted_problem(0)
    result = path(problem, [problem.lam / 2, problem.lam], max_solves=6)
    yield _sample("path", result.to_json(), problem.dataset, None)


def _stationary_samples():
    from exactrelu.tasks.stationary import stationary

    for problem, network in _stationary_instances():
        result = stationary(problem, network)
        yield _sample("stationary", result.to_json(), problem.dataset, _stationary_oracle)


def _stationary_instances():
    """A stationary network with violated constraints (rational), a Clarke saddle on a face, a
    planted global optimum (α-form) and a perturbed, non-stationary network."""
    from exactrelu.tasks.stationary import planted_stationary

    points = [(1, 0), (0, 0), (2, 1), (-1, 3), (-2, 0), (1, 5)]
    v = (2, -1, 2)  # ‖v‖ = λ = 3
    problem, network = planted_stationary(points, v, inactive=10)
    yield problem, network
    yield planted_stationary([*points, (0, 2)], v, face=6, face_residual=2)
    planted = _planted_problem(0)
    yield planted, planted.solve().exact_optimum.neurons
    moved = networks.Network(((Fraction(201, 100), *network.W1[0][1:]),), network.w2, bias=True)
    yield problem, moved


_BUILDERS: dict[str, Callable] = {
    "patterns": _patterns_samples,
    "solve": _solve_samples,
    "certify": _certify_samples,
    "optimal_set exact": lambda: _optimal_set_samples("exact"),
    "optimal_set verified": lambda: _optimal_set_samples("verified"),
    "prune": _prune_samples,
    "path": _path_samples,
    "stationary": _stationary_samples,
}


# ---------------------------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------------------------


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
    a float copy (``*_float``), or the KKT multipliers of a stationary file's violated block."""
    keys = [p for p in path if isinstance(p, str)]
    return (
        "certificate" in keys
        or any(k.endswith("_float") for k in keys)
        or (len(keys) >= 2 and keys[0] == "violated" and keys[1] == "mu")
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


def _get(node, path):
    for p in path:
        node = node[p]
    return node


def _set(node, path, value):
    _get(node, path[:-1])[path[-1]] = value


def _number_text(value) -> Fraction | None:
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
    number = _number_text(value)
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
        _set(document, path, new)
    elif kind == "list":
        if not isinstance(value, list) or not value:
            return None
        description = _mutate_list(rng, value)
    elif kind == "field":
        parent = _get(document, path[:-1])
        if isinstance(parent, dict) and rng.random() < 0.5:
            del parent[path[-1]]
            description = "drop field"
        else:
            _set(document, path, None)
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
    if _number_text(value) is not None:
        return _number_op(rng, value)
    if isinstance(value, str) and value and not value.strip("01"):
        k = rng.randrange(len(value))
        return "flip bit", value[:k] + ("1" if value[k] == "0" else "0") + value[k + 1 :]
    if isinstance(value, str) and value.startswith("sqrt(") and _number_text(value[5:-1]):
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
        node = _get(document, path[:cut])
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
            va, vb = _get(node, a), _get(node, b)
            _set(node, a, vb)
            _set(node, b, va)
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


# ---------------------------------------------------------------------------------------------
# Classification: the truth, decided without the checker
# ---------------------------------------------------------------------------------------------


def classify(sample: Sample, mutation: Mutation, data_file: Path) -> str:
    """One of :data:`CATEGORIES` (module docstring)."""
    if mutation.path is None:
        # The file names its data by hash: a changed data set makes that claim false.
        same = data_sha256(mutation.X, mutation.y) == sample.document.get("data_sha256")
        return "internal" if same else "falsifying"
    if internal(mutation.path):
        return "internal"
    if sample.oracle is None:
        return "unclassified"
    # A missing field reads as null, in the checker as in the oracles: compare without nulls.
    document, original = _without_nulls(mutation.document), _without_nulls(sample.document)
    try:
        verdict = sample.oracle(document, original, _Context(sample, data_file))
    except (
        ExactReluInputError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        ZeroDivisionError,
    ):
        verdict = False  # the mutated file does not parse as its kind
    return "unclassified" if verdict is None else "true" if verdict else "falsifying"


_EMPTY_DEFAULT = {"undecided_blocks", "undecided"}  # read as [] when missing


def _without_nulls(node):
    """The JSON tree without the fields that read as absent: null values, and empty lists of
    the fields whose default is empty."""
    if isinstance(node, dict):
        return {
            k: _without_nulls(v)
            for k, v in node.items()
            if v is not None and not (k in _EMPTY_DEFAULT and v == [])
        }
    if isinstance(node, list):
        return [_without_nulls(v) for v in node]
    return node


@dataclass(frozen=True)
class _Context:
    sample: Sample
    data_file: Path


def _header_true(doc: dict, original: dict, context: _Context, keys=_HEADER) -> bool:
    """Format fields unchanged; n, d and the hash are the data's; ``input`` reads the same
    data from the data file; the problem options are well formed."""
    sample = context.sample
    if not _format_true(doc, original) or set(original) - set(doc):
        return False
    if doc.get("n") != len(sample.X) or doc.get("d") != len(sample.X[0]):
        return False
    if type(doc["n"]) is not int or type(doc["d"]) is not int:
        return False
    if doc.get("data_sha256") != data_sha256(sample.X, sample.y) or not _input_true(doc, context):
        return False
    for key in ("bias", "output_bias"):
        if key in keys and type(doc.get(key)) is not bool:
            return False
    if "lam" in keys and (_number_text(doc.get("lam")) or 0) <= 0:
        return False
    if "scale" in keys and (doc.get("scale") not in SCALES or doc.get("model") not in MODELS):
        return False
    return "patterns" not in keys or doc.get("patterns") == original.get("patterns")


_STRENGTH = {"exact": 3, "verified": 2, "undecided": 1, "numeric": 0}


def _format_true(doc: dict, original: dict) -> bool:
    """Same kind and version; the status and each claim label no stronger than the original's
    (a weaker label claims less), and no claim named that the original does not make."""
    if doc.get("kind") != original.get("kind") or doc.get("version") != original.get("version"):
        return False
    labels, known = doc.get("claims"), original["claims"]
    if not isinstance(labels, dict) or set(labels) - set(known):
        return False
    pairs = [(doc.get("status"), original["status"])] + [(v, known[k]) for k, v in labels.items()]
    return all(
        isinstance(new, str) and new in _STRENGTH and _STRENGTH[new] <= _STRENGTH[old]
        for new, old in pairs
    )


def _input_true(doc: dict, context: _Context) -> bool:
    options = doc.get("input")
    if not isinstance(options, dict) or not set(options) <= {"target", "round"}:
        return False  # (a missing option is the default, null)
    target, digits = options.get("target"), options.get("round")
    if (target is not None and not isinstance(target, str)) or (
        digits is not None and (type(digits) is not int or digits < 0)
    ):
        return False
    try:
        data = read_data(context.data_file, target, digits)
    except ExactReluInputError:
        return False
    return (data.X, data.y) == (context.sample.X, context.sample.y)


def _problem(doc: dict, context: _Context) -> Problem:
    sample = context.sample
    return _cached_problem(
        sample.X, sample.y, doc["lam"], doc["bias"], doc["output_bias"], doc["scale"], doc["model"]
    )


@cache
def _cached_problem(X, y, lam, bias, output_bias, scale, model) -> Problem:
    return Problem(
        [list(x) for x in X],
        list(y),
        Fraction(lam),
        bias=bias,
        output_bias=output_bias,
        scale=scale,
        model=model,
    )


@cache
def _optimum(problem: Problem) -> tuple[Fraction, Fraction]:
    """Exact bounds on the optimum (equal when the optimum is rational)."""
    solution = problem.solve()
    if solution.optimum is not None:
        return solution.optimum, solution.optimum
    return solution.objective_lower, solution.objective_upper


def _rational(value) -> Fraction:
    number = _number_text(value)
    if number is None or not isinstance(value, str):
        raise ValueError(f"not a rational string: {value!r}")
    return number


# -- patterns ------------------------------------------------------------------------------


def _patterns_oracle(doc: dict, original: dict, context: _Context) -> bool | None:
    if not _header_true(doc, original, context, keys=("bias",)):
        return False
    sample = context.sample
    truth = _cells(sample.X, doc["bias"])
    patterns, witnesses, facets = doc["patterns"], doc["witnesses"], doc["facets"]
    count = doc["count"]
    if type(count) is not int or count != len(truth) or len(set(patterns)) != len(patterns):
        return False
    if set(patterns) != set(truth) or not len(patterns) == len(witnesses) == len(facets) == count:
        return False
    rows = [list(x) + ([Fraction(1)] if doc["bias"] else []) for x in sample.X]
    for pattern, witness, facet in zip(patterns, witnesses, facets, strict=True):
        point = [_rational(v) for v in witness]
        if len(point) != len(rows[0]) or facet != truth[pattern]:
            return False
        for row, bit in zip(rows, pattern, strict=True):
            value = sum((a * b for a, b in zip(row, point, strict=True)), Fraction(0))
            if any(row) and (value == 0 or (value > 0) != (bit == "1")):
                return False
    return True


@cache
def _cells(X, bias: bool) -> dict[str, list[int]]:
    """The true cells: pattern -> its facet rows."""
    cells = enumerate_patterns([list(x) for x in X], bias=bias)
    return {
        p: [int(k) for k in f] for p, f in zip(cells.pattern_strings(), cells.facets, strict=True)
    }


# -- solve and certify ---------------------------------------------------------------------


def _bounds_oracle(doc: dict, original: dict, context: _Context) -> bool | None:
    """solve / certify: exact objective of the network, lower bound <= optimum, gap, verdict,
    improving network, α-form; the header (a changed λ or option is judged on its problem)."""
    if not _header_true(doc, original, context) or doc["patterns"] != "all":
        return False
    problem = _problem(doc, context)
    low, high = _optimum(problem)
    net = networks.network_from_json(doc["network"], d=problem.dataset.d, bias=problem.bias)
    value = problem.objective(net)
    tol = _rational(doc["tol"])
    checks: list[bool | None] = [tol >= 0]
    if doc["kind"] == "solve":
        upper, lower = _rational(doc["objective_upper"]), _rational(doc["objective_lower"])
        checks += [upper == value, _rational(doc["gap"]) == upper - lower]
    else:
        upper, lower = _rational(doc["objective"]), _rational(doc["lower_bound"])
        threshold = tol * problem.zero_objective
        checks += [upper == value, _rational(doc["gap"]) == upper - lower]
        checks += [_rational(doc["threshold"]) == threshold]
        checks.append(_verdict_true(doc, problem, value, threshold, low, high))
    checks.append(True if lower <= low else False if lower > high else None)
    if doc.get("alpha_form") is not None or original.get("alpha_form") is not None:
        value = _alpha_form_value(doc["alpha_form"], problem, net.output_bias)
        exact = value is not None and low == high == value
        checks.append(
            True if exact else False if value is None or not low <= value <= high else None
        )
    return _all(checks)


def _verdict_true(doc, problem, value, threshold, low, high) -> bool | None:
    verdict = doc["verdict"]
    improving = ("improving_network", "improving_objective", "improving_width", "improvement")
    if verdict in ("optimal", "inconclusive"):
        if any(doc.get(k) is not None for k in improving):
            return False
        if verdict == "inconclusive":
            return _rational(doc["gap"]) > threshold
        return True if value - low <= threshold else False if value - high > threshold else None
    if verdict != "not_optimal":
        return False
    net = networks.network_from_json(
        doc["improving_network"], d=problem.dataset.d, bias=problem.bias
    )
    better = problem.objective(net)
    stated = _rational(doc["improving_objective"])
    return (
        stated == better
        and better <= value - threshold
        and better < value
        and doc["improving_width"] == net.width
        and type(doc["improving_width"]) is int
        and _rational(doc["improvement"]) == value - better
    )


def _alpha_form_value(form, problem: Problem, bias: Fraction | None) -> Fraction | None:
    """The exact objective of a valid α-form (norms λ, signs ±1, its stated scales) whose
    stated objective is that value, else None; ``bias``: the output bias when it states none."""
    lam = problem.lam_sum
    neurons = networks.alpha_form_from_json(form["neurons"], lam)
    for item, neuron in zip(form["neurons"], neurons, strict=True):
        if item.get("sign") not in (1, -1) or type(item.get("sign")) is not int:
            return None
        for key, square in (("W1_scale", neuron.alpha / lam), ("w2_abs", neuron.alpha * lam)):
            if key in item and _sqrt_square(item[key]) != square:
                return None
    if form.get("output_bias") is not None:
        bias = _rational(form["output_bias"])
    X, y = problem.dataset.X, problem.dataset.y
    options = {"bias": problem.bias, "output_bias": bias}
    value = problem.to_scale(networks.alpha_form_objective(neurons, X, y, lam, **options))
    return value if _rational(form["objective"]) == value else None


def _sqrt_square(text) -> Fraction | None:
    """The square of the number written ``"sqrt(q)"`` or ``"p/q"``."""
    if isinstance(text, str) and text.startswith("sqrt(") and text.endswith(")"):
        return _rational(text[5:-1])
    return _rational(text) ** 2


def _all(checks) -> bool | None:
    if any(c is False for c in checks):
        return False
    return None if any(c is None for c in checks) else True


# -- optimal sets: the claims of the verified original, with set and enclosure semantics ----


def _equal_claims_oracle(doc: dict, original: dict, context: _Context) -> bool | None:
    """Optimal sets: the claims of the verified original (``_same``); the rational network of
    each point is judged by what proofs/optimal_set.md (O9) says of it: the optimal fit and
    its stated exact objective."""
    if not _header_true(doc, original, context):
        return False
    problem = _problem(doc, context)
    reference = original
    if any(doc[k] != original[k] for k in _OPTIONS):  # claims about another problem
        reference = _optimal_set_truth(problem)
    doc, reference = _judge_points(doc, problem), _judge_points(reference, problem)
    keys = (set(reference) | set(doc)) - set(_FORMAT)
    return _all(_same(doc.get(k), reference.get(k), (k,)) for k in keys if not internal((k,)))


_OPTIONS = ("lam", "bias", "output_bias", "scale", "model")


@cache
def _optimal_set_truth(problem: Problem) -> dict:
    """The engine's optimal set of another problem, as JSON."""
    from exactrelu.optimum.optimal_set import optimal_set

    return _without_nulls(json.loads(json.dumps(optimal_set(problem).to_json())))


def _judge_points(doc: dict, problem: Problem) -> dict:
    """A copy with each point's rational network replaced by the verdict on it."""
    doc = copy.deepcopy(doc)
    points = list(doc.get("minimal_networks", [])) + [doc.get("min_norm_network")]
    for point in points:
        if (
            not isinstance(point, dict)
            or "network" not in point
            or not isinstance(point["network"], dict)
            or "W1" not in point["network"]
        ):
            continue
        try:
            net = networks.network_from_json(point["network"], bias=doc["bias"])
            value = problem.objective(net)
            good = networks.fit(net, problem.dataset.X) == tuple(map(_rational, doc["fit"]))
            good = good and value == _rational(point["network_objective"])
        except (ExactReluInputError, ValueError, TypeError, KeyError):
            good = False
        point["network"] = "fit and objective true" if good else "false"
    return doc


_SETS = {"minimal_networks", "used_neurons", "undecided_blocks", "violated"}


def _same(new, old, path: tuple) -> bool | None:
    """Is the claim ``new`` true, given that ``old`` (at the same place of the verified
    original) is?  Exact values must be equal; an enclosure must contain the old one (else it
    may still contain the truth: None, unless disjoint from it); sets ignore order."""
    if isinstance(old, dict) and set(old) == {"mid", "rad"}:
        return _enclosure(new, old)
    if isinstance(old, dict):
        if not isinstance(new, dict) or set(new) != set(old):
            return False
        return _all(_same(new[k], old[k], (*path, k)) for k in old)
    if isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            return False
        if path and path[-1] in _SETS:
            return _same_set(new, old, path)
        return _all(_same(a, b, (*path, i)) for i, (a, b) in enumerate(zip(new, old, strict=True)))
    if _number_text(old) is not None and type(new) is type(old):
        return _number_text(new) == _number_text(old)
    return new == old and type(new) is type(old)


def _same_set(new: list, old: list, path) -> bool | None:
    remaining = list(old)
    for item in new:
        match = next((i for i, o in enumerate(remaining) if _same(item, o, path) is True), None)
        if match is None:
            return False
        del remaining[match]
    return True


def _enclosure(new, old) -> bool | None:
    """``{"mid", "rad"}``: true if it contains the old (verified) enclosure, false if disjoint
    from it or malformed, else undecided."""
    try:
        mid, rad = _rational(new["mid"]), _rational(new["rad"])
        old_mid, old_rad = _rational(old["mid"]), _rational(old["rad"])
    except (TypeError, KeyError, ValueError):
        return False
    if rad < 0 or set(new) != {"mid", "rad"}:
        return False
    if mid - rad <= old_mid - old_rad and old_mid + old_rad <= mid + rad:
        return True
    if mid + rad < old_mid - old_rad or old_mid + old_rad < mid - rad:
        return False
    return None


# -- prune: every claim recomputed from the data and the file's networks ---------------------


def _prune_oracle(doc: dict, original: dict, context: _Context) -> bool | None:
    """prune (proofs/prune.md): the fit shared by the input, pruned and w2-only networks, their
    exact objectives, widths, the independent neuron fits, the rank of the input's block fits,
    the factors, the convex objectives and the α-form; the steps are no claim."""
    from exactrelu.tasks.prune import _rank

    keys = tuple(k for k in _HEADER if k != "patterns")  # any option: pruning uses no patterns
    if not _header_true(doc, original, context, keys) or doc["patterns_used"] is not False:
        return False
    if doc["patterns"] not in ("all", "given") and not _sample_option(doc["patterns"]):
        return False
    problem = _problem(doc, context)
    X, d, bias = problem.dataset.X, problem.dataset.d, problem.bias
    nets = [
        networks.network_from_json(net, d=d, bias=bias)
        for net in (doc["input_network"], doc["network"], doc["w2_only"]["network"])
    ]
    if any(n.gated != (problem.model == "gated") for n in nets) or (
        not problem.output_bias and any(n.output_bias is not None for n in nets)
    ):
        return False
    before, after, simple = nets
    fit = networks.fit(before, X)
    old, new = problem.objective(before), problem.objective(after)
    blocks, pruned = networks.to_convex(before, X), networks.to_convex(after, X)
    factors = [_rational(c) for c in doc["factors"]]
    scaled = {
        (b.pattern, b.sign): tuple(c * v for v in b.u)
        for b, c in zip(blocks, factors, strict=False)
    }
    gates = after.gates or [None] * after.width
    single = [
        networks.Network((w,), (o,), bias, None, None if g is None else (g,))
        for w, o, g in zip(after.W1, after.w2, gates, strict=True)
    ]
    checks = [
        doc["fit_unchanged"] is True,
        [_rational(v) for v in doc["fit"]] == list(fit),
        networks.fit(after, X) == fit == networks.fit(simple, X),
        (_rational(doc["objective_before"]), _rational(doc["objective"])) == (old, new),
        _rational(doc["objective_change"]) == new - old,
        [doc[k] for k in ("width_before", "width_after", "blocks_before")]
        == [before.width, after.width, len(blocks)],
        _rank([networks.fit(n, X) for n in single], problem.output_bias) == after.width,
        doc["rank"] == _rank([networks.convex_fit([b], X) for b in blocks], problem.output_bias),
        after.width <= doc["rank"] and len(factors) == len(blocks) and min(factors) >= 0,
        {k: u for (k, u), c in zip(scaled.items(), factors, strict=False) if c}
        == {(b.pattern, b.sign): b.u for b in pruned},
        doc["w2_only"]["width"] == simple.width,
        _rational(doc["w2_only"]["objective"]) == problem.objective(simple),
        _rational(doc["w2_only"]["objective_change"]) == problem.objective(simple) - old,
        *(type(doc[k]) is int for k in ("width_before", "width_after", "blocks_before", "rank")),
    ]
    if not all(checks):
        return False
    convex_before = _prune_convex(problem, blocks, before)
    convex = _prune_convex(problem, pruned, after)
    truth = {
        "convex_objective_before": convex_before,
        "convex_objective": convex,
        "convex_objective_change": convex - convex_before,
        "network_excess": networks.SqrtSum(new) - convex,
    }
    if not all(_sqrt_sum_true(doc[k], v) for k, v in truth.items()):
        return False
    if "alpha_form" not in doc:
        return True
    form = {"neurons": doc["alpha_form"], "objective": doc["convex_objective"]}
    value = _alpha_form_value(form, problem, after.output_bias)
    neurons = networks.alpha_form_from_json(doc["alpha_form"], problem.lam_sum)
    gates = None
    if problem.model == "gated":  # the gates are the pruned network's (as the checker asks)
        gates = tuple(tuple(map(_rational, item["gate"])) for item in doc["alpha_form"])
        if not set(gates) <= set(after.gates):
            return False
    net = networks.Network(  # W1 = v, w2 = sα: the α-form's fit
        tuple(nu.direction for nu in neurons),
        tuple(nu.sign * nu.alpha for nu in neurons),
        bias,
        after.output_bias,
        gates,
    )
    return value is not None and networks.fit(net, X) == fit


def _sample_option(option) -> bool:
    return (
        isinstance(option, dict)
        and set(option) == {"sample", "seed"}
        and all(type(v) is int for v in option.values())
    )


def _prune_convex(problem: Problem, blocks, network) -> networks.SqrtSum:
    value = networks.convex_objective(
        blocks, problem.dataset.X, problem.dataset.y, problem.lam_sum, network.output_bias
    )
    return value * Fraction(1, problem.n) if problem.scale == "mean" else value


def _sqrt_sum_true(stated, value: networks.SqrtSum) -> bool:
    """A stated SqrtSum JSON (``SqrtSum.to_json``) is ``value``, its enclosure containing it."""
    if not isinstance(stated, dict):
        return _rational(stated) == value
    terms = [(_rational(t["coef"]), _sqrt_square(t["sqrt"])) for t in stated["sqrt_terms"]]
    if any(q.denominator != 1 or q < 0 for _, q in terms):
        return False
    number = networks.SqrtSum.of(_rational(stated["rational"]), terms)
    mid, rad = _rational(stated["mid"]), _rational(stated["rad"])
    lo, hi = value.bounds(256)
    return number == value and mid - rad <= lo and hi <= mid + rad


# -- stationary: the engine's own decision on the mutated file's network ----------------------


def _stationary_oracle(doc: dict, original: dict, context: _Context) -> bool | None:
    if not _header_true(doc, original, context) or doc["patterns"] != "all":
        return False
    problem = _problem(doc, context)
    if (doc.get("network") is None) == (doc.get("alpha_form") is None):
        return False
    lam = problem.lam_sum
    if doc.get("network") is not None:
        net = networks.network_from_json(doc["network"], d=problem.dataset.d, bias=problem.bias)
        bias = None
        neurons = [(w, (o > 0) - (o < 0), abs(o)) for w, o in zip(net.W1, net.w2, strict=True)]
    else:
        form = doc["alpha_form"]
        if _alpha_form_value(form, problem, None) is None:
            return False
        net = tuple(networks.alpha_form_from_json(form["neurons"], lam))
        bias = form.get("output_bias")
        zero = [Fraction(0)] * len(problem.rows[0])
        neurons = [(nu.direction, nu.sign, lam) if nu.alpha else (zero, 0, lam) for nu in net]
    truth = _without_nulls(_stationary_truth(problem, net, bias))
    r = [_rational(v) for v in truth["residual"]]
    checks = []
    for key in set(doc) | set(truth):
        if internal((key,)) or key in _JUDGED_APART:
            continue
        checks.append(_same(doc.get(key), truth.get(key), (key,)))
    checks.append(_neurons_true(doc.get("neurons"), truth["neurons"], neurons, r, problem))
    checks.append(_improving_true(doc, problem))
    checks.append(
        _subprogram_true(
            doc.get("subprogram"), truth.get("subprogram"), problem, truth["subprogram_optimal"]
        )
    )
    return _all(checks)


_JUDGED_APART = {
    "kind",
    "version",
    "status",
    "claims",
    "neurons",
    "subprogram",
    "improving_network",
    "improving_objective",
    "improving_width",
}
_STATIONARY: dict = {}


def _stationary_truth(problem: Problem, net, bias) -> dict:
    """The engine's decision for the network, as JSON (cached)."""
    from exactrelu.tasks.stationary import stationary

    key = (id(problem), repr(net), bias)
    if key not in _STATIONARY:
        if isinstance(net, networks.Network):
            result = stationary(problem, net)
        else:
            result = stationary(problem, net, output_bias=bias)
        _STATIONARY[key] = json.loads(json.dumps(result.to_json()))
    return _STATIONARY[key]


def _neurons_true(listed, truth: list, neurons: list, r: list, problem: Problem) -> bool:
    """Each neuron entry: the true kind, verdict, face, w2-gradient; its cells are all the
    adjacent cells (any order), each with a witness signing the face strictly; a valid Clarke
    multiplier or descent direction where the truth has one."""
    if not isinstance(listed, list) or len(listed) != len(truth):
        return False
    for entry, true, neuron in zip(listed, truth, neurons, strict=True):
        if not isinstance(entry, dict) or set(entry) != set(true):
            return False
        keys = ("index", "kind", "stationary", "face", "w2_gradient")
        if true["kind"] == "zero":
            keys = tuple(true)
        if any(_same(entry[key], true[key], (key,)) is not True for key in keys):
            return False
        if true["kind"] == "zero":
            continue
        cells, witnesses = entry["cells"], entry["witnesses"]
        if sorted(cells) != sorted(true["cells"]) or len(cells) != len(witnesses):
            return False
        for cell, witness in zip(cells, witnesses, strict=True):
            w = [_rational(v) for v in witness]
            if len(w) != len(problem.rows[0]):
                return False
            for k in true["face"]:
                value = sum((a * b for a, b in zip(problem.rows[k], w, strict=True)), Fraction(0))
                if value == 0 or (value > 0) != (cell[k] == "1"):
                    return False
        if not _clarke_true(entry, true, _gradients(neuron, r, cells, problem)):
            return False
    return True


def _gradients(neuron, r, cells, problem) -> list[list[Fraction]]:
    """The W1-gradients ``λv − sρ X̃ᵀ D_C r`` of the neuron ``(v, s, ρ)``, one per cell."""
    v, s, rho = neuron
    out = []
    for cell in cells:
        g = [problem.lam_sum * c for c in v]
        for k, row in enumerate(problem.rows):
            if cell[k] == "1":
                g = [a - s * rho * r[k] * b for a, b in zip(g, row, strict=True)]
        out.append(g)
    return out


def _clarke_true(entry, true, gradients) -> bool:
    """``weights``: convex weights over the cells zeroing the W1-gradients; ``direction``: a d
    with every W1-gradient·d < 0 (the truth says which of the two exists)."""
    if (entry.get("weights") is None) != (true.get("weights") is None) or (
        (entry.get("direction") is None) != (true.get("direction") is None)
    ):
        return False
    if entry.get("weights") is not None:
        theta = [_rational(v) for v in entry["weights"]]
        if len(theta) != len(gradients) or any(t < 0 for t in theta) or sum(theta) != 1:
            return False
        return not any(
            sum((t * g[i] for t, g in zip(theta, gradients, strict=True)), Fraction(0))
            for i in range(len(gradients[0]))
        )
    d = [_rational(v) for v in entry["direction"]]
    return len(d) == len(gradients[0]) and all(
        sum((a * b for a, b in zip(g, d, strict=True)), Fraction(0)) < 0 for g in gradients
    )


def _improving_true(doc: dict, problem: Problem) -> bool:
    """An improving network, if any, has its stated exact objective, below the network's; the
    claims name one only when there is one."""
    fields = ("improving_objective", "improving_width")
    if doc.get("improving_network") is None:
        return all(doc.get(f) is None for f in fields) and "improving_network" not in doc.get(
            "claims", {}
        )
    net = networks.network_from_json(
        doc["improving_network"], d=problem.dataset.d, bias=problem.bias
    )
    value = problem.objective(net)
    return (
        _rational(doc["improving_objective"]) == value
        and value < _rational(doc["objective"])
        and doc["improving_width"] == net.width
        and type(doc["improving_width"]) is int
    )


_BOUND_KEYS = {"lower_bound", "gap", "verdict", "tol", "threshold"}


def _subprogram_true(sub, truth, problem: Problem, optimal: bool) -> bool | None:
    """The nested certify file of the program over the own cells: the truth's claims, except
    that its lower bound need only be a lower bound and its verdict must follow from the
    program's optimum, known exactly (an α-form or a zero gap) or bracketed by the truth's
    lower bound and the network's objective (strictly below it when not ``optimal``)."""
    if truth is None or sub is None:
        return sub is None and truth is None
    checks = [
        _same(sub.get(key), truth.get(key), (key,))
        for key in set(sub) | set(truth)
        if not internal((key,)) and key not in _BOUND_KEYS | {"status", "claims"}
    ]
    checks.append(_format_true(sub, truth))
    lower, objective = _rational(sub["lower_bound"]), _rational(truth["objective"])
    if truth.get("alpha_form") is not None:
        low = high = _rational(truth["alpha_form"]["objective"])
    elif truth["verdict"] == "optimal":
        low = high = objective
    else:
        low, high = _rational(truth["lower_bound"]), objective
    tol = _rational(sub["tol"])
    threshold = tol * problem.zero_objective
    checks += [tol >= 0, _rational(sub["threshold"]) == threshold]
    checks.append(_rational(sub["gap"]) == _rational(sub["objective"]) - lower)
    checks.append(True if lower <= low else False if lower > high else None)
    if sub["verdict"] == "inconclusive":
        checks.append(_rational(sub["gap"]) > threshold)
    elif sub["verdict"] == "optimal":
        if objective - low <= threshold:
            checks.append(True)
        elif objective - high > threshold or (threshold == 0 and not optimal):
            checks.append(False)  # not optimal: the optimum is below the objective
        else:
            checks.append(None)
    else:
        checks.append(False)
    return _all(checks)


# ---------------------------------------------------------------------------------------------
# Running the checker and the table
# ---------------------------------------------------------------------------------------------


def run_checker(mutation: Mutation, directory: Path, data_file: Path) -> tuple[str, str]:
    """``("accepted" | "rejected" | "crashed", message)`` of ``check_file`` on the mutated
    file (and the mutated data, written next to it)."""
    cert = directory / "cert.json"
    cert.write_text(json.dumps(mutation.document))
    if mutation.path is None:
        data_file = directory / "mutated.csv"
        write_data(data_file, mutation.X, mutation.y)
    try:
        return "accepted", check_file(cert, data_file)
    except CheckFailure as failure:
        return "rejected", str(failure)
    except Exception as exc:  # noqa: BLE001 - a crash is what this measures
        return "crashed", f"{type(exc).__name__}: {exc}"


def write_data(path: Path, X, y) -> None:
    """The data as CSV, numbers as exact ``p/q`` text (no header; the target last)."""
    lines = [",".join(rational_str(v) for v in (*x, t)) for x, t in zip(X, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")


@dataclass
class Row:
    """The counts of one kind (see the module docstring)."""

    label: str
    tried: int = 0
    counts: dict = field(default_factory=lambda: {c: 0 for c in CATEGORIES})
    accepted: dict = field(default_factory=lambda: {c: 0 for c in CATEGORIES})
    crashes: int = 0
    originals_accepted: int = 0
    samples: int = 0
    seconds: float = 0.0
    failures: list = field(default_factory=list)  # (description, message): must stay empty

    def add(self, category: str, outcome: str, mutation: Mutation, message: str) -> None:
        self.tried += 1
        self.counts[category] += 1
        if outcome == "accepted":
            self.accepted[category] += 1
        if outcome == "crashed":
            self.crashes += 1
        if outcome == "crashed" or (outcome == "accepted" and category == "falsifying"):
            self.failures.append((mutation.description, message))


def measure(mutations: int, seed: int = 0, kinds=KINDS) -> list[Row]:
    """Run ``mutations`` mutations per kind (seeded); returns one row per kind."""
    rows = []
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        for label in kinds:
            start = time.perf_counter()
            row = Row(label)
            built = samples(label)
            row.samples = len(built)
            rng = random.Random(f"{seed}:{label}")
            files = []
            for i, sample in enumerate(built):
                data_file = directory / f"data{i}.csv"
                write_data(data_file, sample.X, sample.y)
                files.append(data_file)
                original = Mutation("original", sample.document, sample.X, sample.y, ())
                outcome, _ = run_checker(original, directory, data_file)
                row.originals_accepted += outcome == "accepted"
            while row.tried < mutations:
                i = rng.randrange(len(built))
                sample = built[i]
                mutation = mutate(sample, rng, claims_only=rng.random() < 0.5)
                if mutation is None:
                    continue
                category = classify(sample, mutation, files[i])
                outcome, message = run_checker(mutation, directory, files[i])
                row.add(category, outcome, mutation, message)
            row.seconds = time.perf_counter() - start
            rows.append(row)
    return rows


def table(rows: list[Row]) -> str:
    """The table printed by :func:`main`."""
    head = (
        f"{'kind':22} {'tried':>6} {'falsify':>8} {'rejected':>8} {'true':>6} {'accepted':>8} "
        f"{'internal':>8} {'accepted':>8} {'unclass':>7} {'crash':>5} {'orig ok':>7} {'s':>6}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        c, a = row.counts, row.accepted
        lines.append(
            f"{row.label:22} {row.tried:6} {c['falsifying']:8} "
            f"{c['falsifying'] - a['falsifying']:8} {c['true']:6} {a['true']:8} "
            f"{c['internal']:8} {a['internal']:8} {c['unclassified']:7} {row.crashes:5} "
            f"{row.originals_accepted}/{row.samples:<5} {row.seconds:6.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mutations", type=int, default=1000, help="per kind (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", nargs="*", default=list(KINDS), choices=KINDS)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = measure(args.mutations, args.seed, args.kinds)
    print(table(rows))
    print(f"total {time.perf_counter() - start:.1f} s")
    bad = [(row.label, *failure) for row in rows for failure in row.failures]
    for label, description, message in bad:
        print(f"FAILURE {label}: {description}: {message}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
