"""Classification of a mutation by its truth, decided without the checker: ``falsifying``,
``true``, ``internal`` or ``unclassified`` (see :mod:`exactrelu.testing.mutation`); and the
judgement shared by the oracles of every kind: the header and format fields, exact values,
enclosures (docs/theory.md §7: an irrational optimum is known by its enclosure) and sets."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from exactrelu.data.io import data_sha256, read_data
from exactrelu.errors import ExactReluInputError
from exactrelu.model.alpha_form import alpha_form_from_json, alpha_form_objective
from exactrelu.program.problem import MODELS, SCALES, Problem
from exactrelu.testing.mutation.operators import Mutation, get_at, internal, number_text

if TYPE_CHECKING:
    from exactrelu.testing.mutation.samples import Sample

CATEGORIES = ("falsifying", "true", "internal", "unclassified")
"""The classes of a mutation (see :mod:`exactrelu.testing.mutation`)."""

HEADER = ("n", "d", "bias", "output_bias", "scale", "model", "lam", "patterns", "data_sha256")


def classify(sample: Sample, mutation: Mutation, data_file: Path) -> str:
    """One of :data:`CATEGORIES` (see :mod:`exactrelu.testing.mutation`)."""
    if mutation.path is None:
        # The file names its data by hash: a changed data set makes that claim false.
        same = data_sha256(mutation.X, mutation.y) == sample.document.get("data_sha256")
        return "internal" if same else "falsifying"
    copy = _float_copy(mutation.path)
    if copy is not None:  # a float copy must be the rounded exact value, or absent (null)
        try:
            changed = get_at(mutation.document, copy) is not None
        except (KeyError, IndexError, TypeError):
            changed = False
        return "falsifying" if changed else "internal"
    if internal(mutation.path):
        return "internal"
    if sample.oracle is None:
        return "unclassified"
    # A missing field reads as null, in the checker as in the oracles: compare without nulls.
    document, original = without_nulls(mutation.document), without_nulls(sample.document)
    try:
        verdict = sample.oracle(document, original, Context(sample, data_file))
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


def _float_copy(path: tuple) -> tuple | None:
    """The path of the float copy (a field ``X_float``) that ``path`` lies in, if any."""
    for i, key in enumerate(path):
        if isinstance(key, str) and key.endswith("_float"):
            return path[: i + 1]
    return None


_EMPTY_DEFAULT = {"undecided_blocks", "undecided"}  # read as [] when missing


def without_nulls(node):
    """The JSON tree without the fields that read as absent: null values, and empty lists of
    the fields whose default is empty."""
    if isinstance(node, dict):
        return {
            k: without_nulls(v)
            for k, v in node.items()
            if v is not None and not (k in _EMPTY_DEFAULT and v == [])
        }
    if isinstance(node, list):
        return [without_nulls(v) for v in node]
    return node


@dataclass(frozen=True)
class Context:
    """What an oracle judges a mutated file against: the sample (its data, the verified original)
    and the data file written for it."""

    sample: Sample
    data_file: Path


def header_true(doc: dict, original: dict, context: Context, keys=HEADER) -> bool:
    """Format fields unchanged; n, d and the hash are the data's; ``input`` reads the same
    data from the data file; the problem options are well formed."""
    sample = context.sample
    if not format_true(doc, original) or set(original) - set(doc):
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
    if "lam" in keys and (number_text(doc.get("lam")) or 0) <= 0:
        return False
    if "scale" in keys and (doc.get("scale") not in SCALES or doc.get("model") not in MODELS):
        return False
    return "patterns" not in keys or doc.get("patterns") == original.get("patterns")


_STRENGTH = {"exact": 3, "verified": 2, "undecided": 1, "numeric": 0}


def format_true(doc: dict, original: dict) -> bool:
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


def _input_true(doc: dict, context: Context) -> bool:
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


def problem_of(doc: dict, context: Context) -> Problem:
    """The problem a file's options state, on the sample's data (cached)."""
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
def optimum_bounds(problem: Problem) -> tuple[Fraction, Fraction]:
    """Exact bounds on the optimum (equal when the optimum is rational)."""
    solution = problem.solve()
    if solution.optimum is not None:
        return solution.optimum, solution.optimum
    return solution.objective_lower, solution.objective_upper


def rational(value) -> Fraction:
    """The rational of a JSON rational string (ValueError for anything else)."""
    number = number_text(value)
    if number is None or not isinstance(value, str):
        raise ValueError(f"not a rational string: {value!r}")
    return number


def alpha_form_value(form, problem: Problem, bias: Fraction | None) -> Fraction | None:
    """The exact objective of a valid α-form (norms λ, signs ±1, its stated scales) whose
    stated objective is that value, else None; ``bias``: the output bias when it states none."""
    lam = problem.lam_sum
    neurons = alpha_form_from_json(form["neurons"], lam)
    for item, neuron in zip(form["neurons"], neurons, strict=True):
        if item.get("sign") not in (1, -1) or type(item.get("sign")) is not int:
            return None
        for key, square in (("W1_scale", neuron.alpha / lam), ("w2_abs", neuron.alpha * lam)):
            if key in item and sqrt_square(item[key]) != square:
                return None
    if form.get("output_bias") is not None:
        bias = rational(form["output_bias"])
    X, y = problem.dataset.X, problem.dataset.y
    options = {"bias": problem.bias, "output_bias": bias}
    value = problem.to_scale(alpha_form_objective(neurons, X, y, lam, **options))
    return value if rational(form["objective"]) == value else None


def sqrt_square(text) -> Fraction | None:
    """The square of the number written ``"sqrt(q)"`` or ``"p/q"``."""
    if isinstance(text, str) and text.startswith("sqrt(") and text.endswith(")"):
        return rational(text[5:-1])
    return rational(text) ** 2


def conjunction(checks) -> bool | None:
    """Three-valued "and": False if any check is False, else None if any is undecided, else True."""
    if any(c is False for c in checks):
        return False
    return None if any(c is None for c in checks) else True


_SETS = {"minimal_networks", "used_neurons", "undecided_blocks", "violated"}


def same_claim(new, old, path: tuple) -> bool | None:
    """Is the claim ``new`` true, given that ``old`` (at the same place of the verified
    original) is?  Exact values must be equal; an enclosure must contain the old one (else it
    may still contain the truth: None, unless disjoint from it); sets ignore order."""
    if isinstance(old, dict) and set(old) == {"mid", "rad"}:
        return _enclosure(new, old)
    if isinstance(old, dict):
        if not isinstance(new, dict) or set(new) != set(old):
            return False
        return conjunction(same_claim(new[k], old[k], (*path, k)) for k in old)
    if isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            return False
        if path and path[-1] in _SETS:
            return _same_set(new, old, path)
        return conjunction(
            same_claim(a, b, (*path, i)) for i, (a, b) in enumerate(zip(new, old, strict=True))
        )
    if number_text(old) is not None and type(new) is type(old):
        return number_text(new) == number_text(old)
    return new == old and type(new) is type(old)


def _same_set(new: list, old: list, path) -> bool | None:
    remaining = list(old)
    for item in new:
        match = next(
            (i for i, o in enumerate(remaining) if same_claim(item, o, path) is True), None
        )
        if match is None:
            return False
        del remaining[match]
    return True


def _enclosure(new, old) -> bool | None:
    """``{"mid", "rad"}``: true if it contains the old (verified) enclosure, false if disjoint
    from it or malformed, else undecided."""
    try:
        mid, rad = rational(new["mid"]), rational(new["rad"])
        old_mid, old_rad = rational(old["mid"]), rational(old["rad"])
    except (TypeError, KeyError, ValueError):
        return False
    if rad < 0 or set(new) != {"mid", "rad"}:
        return False
    if mid - rad <= old_mid - old_rad and old_mid + old_rad <= mid + rad:
        return True
    if mid + rad < old_mid - old_rad or old_mid + old_rad < mid - rad:
        return False
    return None
