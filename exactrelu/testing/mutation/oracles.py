"""The oracles of the cells, ``solve``/``certify``, the optimal sets and ``prune`` files: each claim
of a mutated file decided from the engine's exact computations (cell enumeration, exact optima,
exact objectives; docs/theory.md §2, §4–§6) or from the verified original, never from the
checker."""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from functools import cache

from exactrelu.arrangement.patterns import enumerate_patterns
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import column_rank
from exactrelu.exact.surds import SqrtSum
from exactrelu.model.alpha_form import alpha_form_from_json
from exactrelu.model.convex import convex_fit, convex_objective, to_convex
from exactrelu.model.network import Network
from exactrelu.model.network import fit as network_fit
from exactrelu.model.network_io import network_from_json
from exactrelu.program.problem import Problem
from exactrelu.testing.mutation.classify import (
    HEADER,
    Context,
    alpha_form_value,
    conjunction,
    header_true,
    optimum_bounds,
    problem_of,
    rational,
    same_claim,
    sqrt_square,
    without_nulls,
)
from exactrelu.testing.mutation.operators import internal

_FORMAT = ("kind", "version", "status", "claims")


def patterns_oracle(doc: dict, original: dict, context: Context) -> bool | None:
    """patterns: exactly the true cells, each with a witness strictly inside it and its facets."""
    if not header_true(doc, original, context, keys=("bias",)):
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
        point = [rational(v) for v in witness]
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


def bounds_oracle(doc: dict, original: dict, context: Context) -> bool | None:
    """solve / certify: exact objective of the network, lower bound <= optimum, gap, verdict,
    improving network, α-form; the header (a changed λ or option is judged on its problem)."""
    if not header_true(doc, original, context) or doc["patterns"] != "all":
        return False
    problem = problem_of(doc, context)
    low, high = optimum_bounds(problem)
    net = network_from_json(doc["network"], d=problem.dataset.d, bias=problem.bias)
    value = problem.objective(net)
    tol = rational(doc["tol"])
    checks: list[bool | None] = [0 <= tol < 1]  # D8: a tol of 1 or more is refused
    if doc["kind"] == "solve":
        upper, lower = rational(doc["objective_upper"]), rational(doc["objective_lower"])
        checks += [upper == value, rational(doc["gap"]) == upper - lower]
    else:
        upper, lower = rational(doc["objective"]), rational(doc["lower_bound"])
        threshold = tol * problem.zero_objective
        checks += [upper == value, rational(doc["gap"]) == upper - lower]
        checks += [rational(doc["threshold"]) == threshold]
        checks.append(_verdict_true(doc, problem, value, threshold, low, high))
    checks.append(True if lower <= low else False if lower > high else None)
    if doc.get("alpha_form") is not None or original.get("alpha_form") is not None:
        value = alpha_form_value(doc["alpha_form"], problem, net.output_bias)
        exact = value is not None and low == high == value
        checks.append(
            True if exact else False if value is None or not low <= value <= high else None
        )
    return conjunction(checks)


def _verdict_true(doc, problem, value, threshold, low, high) -> bool | None:
    verdict = doc["verdict"]
    improving = ("improving_network", "improving_objective", "improving_width", "improvement")
    if verdict in ("optimal", "inconclusive"):
        if any(doc.get(k) is not None for k in improving):
            return False
        if verdict == "inconclusive":
            return rational(doc["gap"]) > threshold
        return True if value - low <= threshold else False if value - high > threshold else None
    if verdict != "not_optimal":
        return False
    net = network_from_json(doc["improving_network"], d=problem.dataset.d, bias=problem.bias)
    better = problem.objective(net)
    stated = rational(doc["improving_objective"])
    return (
        stated == better
        and better <= value - threshold
        and better < value
        and doc["improving_width"] == net.width
        and type(doc["improving_width"]) is int
        and rational(doc["improvement"]) == value - better
    )


def equal_claims_oracle(doc: dict, original: dict, context: Context) -> bool | None:
    """Optimal sets: the claims of the verified original (``same_claim``); the rational network of
    each point is judged by what proofs/optimal_set.md (O9) says of it: the optimal fit and
    its stated exact objective."""
    if not header_true(doc, original, context):
        return False
    problem = problem_of(doc, context)
    reference = original
    if any(doc[k] != original[k] for k in _OPTIONS):  # claims about another problem
        reference = _optimal_set_truth(problem)
    doc, reference = _judge_points(doc, problem), _judge_points(reference, problem)
    keys = (set(reference) | set(doc)) - set(_FORMAT)
    return conjunction(
        same_claim(doc.get(k), reference.get(k), (k,)) for k in keys if not internal((k,))
    )


_OPTIONS = ("lam", "bias", "output_bias", "scale", "model")


@cache
def _optimal_set_truth(problem: Problem) -> dict:
    """The engine's optimal set of another problem, as JSON."""
    from exactrelu.optimum.optimal_set import optimal_set

    return without_nulls(json.loads(json.dumps(optimal_set(problem).to_json())))


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
            net = network_from_json(point["network"], bias=doc["bias"])
            value = problem.objective(net)
            good = network_fit(net, problem.dataset.X) == tuple(map(rational, doc["fit"]))
            good = good and value == rational(point["network_objective"])
        except (ExactReluInputError, ValueError, TypeError, KeyError):
            good = False
        point["network"] = "fit and objective true" if good else "false"
    return doc


def prune_oracle(doc: dict, original: dict, context: Context) -> bool | None:
    """prune (proofs/prune.md): the fit shared by the input, pruned and w2-only networks, their
    exact objectives, widths, the independent neuron fits, the rank of the input's block fits,
    the factors, the convex objectives and the α-form; the steps are no claim."""
    keys = tuple(k for k in HEADER if k != "patterns")  # any option: pruning uses no patterns
    if not header_true(doc, original, context, keys) or doc["patterns_used"] is not False:
        return False
    if doc["patterns"] not in ("all", "given") and not _sample_option(doc["patterns"]):
        return False
    problem = problem_of(doc, context)
    X, d, bias = problem.dataset.X, problem.dataset.d, problem.bias
    nets = [
        network_from_json(net, d=d, bias=bias)
        for net in (doc["input_network"], doc["network"], doc["w2_only"]["network"])
    ]
    if any(n.gated != (problem.model == "gated") for n in nets) or (
        not problem.output_bias and any(n.output_bias is not None for n in nets)
    ):
        return False
    before, after, simple = nets
    fit = network_fit(before, X)
    old, new = problem.objective(before), problem.objective(after)
    blocks, pruned = to_convex(before, X), to_convex(after, X)
    factors = [rational(c) for c in doc["factors"]]
    scaled = {
        (b.pattern, b.sign): tuple(c * v for v in b.u)
        for b, c in zip(blocks, factors, strict=False)
    }
    gates = after.gates or [None] * after.width
    single = [
        Network((w,), (o,), bias, None, None if g is None else (g,))
        for w, o, g in zip(after.W1, after.w2, gates, strict=True)
    ]
    checks = [
        doc["fit_unchanged"] is True,
        [rational(v) for v in doc["fit"]] == list(fit),
        network_fit(after, X) == fit == network_fit(simple, X),
        (rational(doc["objective_before"]), rational(doc["objective"])) == (old, new),
        rational(doc["objective_change"]) == new - old,
        [doc[k] for k in ("width_before", "width_after", "blocks_before")]
        == [before.width, after.width, len(blocks)],
        column_rank([network_fit(n, X) for n in single], problem.output_bias) == after.width,
        doc["rank"] == column_rank([convex_fit([b], X) for b in blocks], problem.output_bias),
        after.width <= doc["rank"] and len(factors) == len(blocks) and min(factors) >= 0,
        {k: u for (k, u), c in zip(scaled.items(), factors, strict=False) if c}
        == {(b.pattern, b.sign): b.u for b in pruned},
        doc["w2_only"]["width"] == simple.width,
        rational(doc["w2_only"]["objective"]) == problem.objective(simple),
        rational(doc["w2_only"]["objective_change"]) == problem.objective(simple) - old,
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
        "network_excess": SqrtSum(new) - convex,
    }
    if not all(_sqrt_sum_true(doc[k], v) for k, v in truth.items()):
        return False
    if "alpha_form" not in doc:
        return True
    form = {"neurons": doc["alpha_form"], "objective": doc["convex_objective"]}
    value = alpha_form_value(form, problem, after.output_bias)
    neurons = alpha_form_from_json(doc["alpha_form"], problem.lam_sum)
    gates = None
    if problem.model == "gated":  # the gates are the pruned network's (as the checker asks)
        gates = tuple(tuple(map(rational, item["gate"])) for item in doc["alpha_form"])
        if not set(gates) <= set(after.gates):
            return False
    net = Network(  # W1 = v, w2 = sα: the α-form's fit
        tuple(nu.direction for nu in neurons),
        tuple(nu.sign * nu.alpha for nu in neurons),
        bias,
        after.output_bias,
        gates,
    )
    return value is not None and network_fit(net, X) == fit


def _sample_option(option) -> bool:
    return (
        isinstance(option, dict)
        and set(option) == {"sample", "seed"}
        and all(type(v) is int for v in option.values())
    )


def _prune_convex(problem: Problem, blocks, network) -> SqrtSum:
    value = convex_objective(
        blocks, problem.dataset.X, problem.dataset.y, problem.lam_sum, network.output_bias
    )
    return value * Fraction(1, problem.n) if problem.scale == "mean" else value


def _sqrt_sum_true(stated, value: SqrtSum) -> bool:
    """A stated SqrtSum JSON (``SqrtSum.to_json``) is ``value``, its enclosure containing it."""
    if not isinstance(stated, dict):
        return rational(stated) == value
    terms = [(rational(t["coef"]), sqrt_square(t["sqrt"])) for t in stated["sqrt_terms"]]
    if any(q.denominator != 1 or q < 0 for _, q in terms):
        return False
    number = SqrtSum.of(rational(stated["rational"]), terms)
    mid, rad = rational(stated["mid"]), rational(stated["rad"])
    lo, hi = value.bounds(256)
    return number == value and mid - rad <= lo and hi <= mid + rad
