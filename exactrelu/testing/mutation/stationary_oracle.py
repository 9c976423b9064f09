"""The oracle of ``stationary`` files (docs/theory.md §9; proofs/stationary.md): the engine's own
exact decision on the mutated file's network, the Clarke multipliers and descent directions
re-verified, the improving network's exact objective and the nested certificate of the program
over the network's own cells."""

from __future__ import annotations

import json
from fractions import Fraction

from exactrelu.model.alpha_form import alpha_form_from_json
from exactrelu.model.network import Network
from exactrelu.model.network_io import network_from_json
from exactrelu.program.problem import Problem
from exactrelu.testing.mutation.classify import (
    Context,
    alpha_form_value,
    conjunction,
    format_true,
    header_true,
    problem_of,
    rational,
    same_claim,
    without_nulls,
)
from exactrelu.testing.mutation.operators import internal


def stationary_oracle(doc: dict, original: dict, context: Context) -> bool | None:
    """stationary: the engine's decision on the file's own network, neuron by neuron."""
    if not header_true(doc, original, context) or doc["patterns"] != "all":
        return False
    problem = problem_of(doc, context)
    if (doc.get("network") is None) == (doc.get("alpha_form") is None):
        return False
    lam = problem.lam_sum
    if doc.get("network") is not None:
        net = network_from_json(doc["network"], d=problem.dataset.d, bias=problem.bias)
        bias = None
        neurons = [(w, (o > 0) - (o < 0), abs(o)) for w, o in zip(net.W1, net.w2, strict=True)]
    else:
        form = doc["alpha_form"]
        if alpha_form_value(form, problem, None) is None:
            return False
        net = tuple(alpha_form_from_json(form["neurons"], lam))
        bias = form.get("output_bias")
        zero = [Fraction(0)] * len(problem.rows[0])
        neurons = [(nu.direction, nu.sign, lam) if nu.alpha else (zero, 0, lam) for nu in net]
    truth = without_nulls(_stationary_truth(problem, net, bias))
    r = [rational(v) for v in truth["residual"]]
    checks = []
    for key in set(doc) | set(truth):
        if internal((key,)) or key in _JUDGED_APART:
            continue
        checks.append(same_claim(doc.get(key), truth.get(key), (key,)))
    checks.append(_neurons_true(doc.get("neurons"), truth["neurons"], neurons, r, problem))
    checks.append(_improving_true(doc, problem))
    checks.append(
        _subprogram_true(
            doc.get("subprogram"), truth.get("subprogram"), problem, truth["subprogram_optimal"]
        )
    )
    return conjunction(checks)


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
        if isinstance(net, Network):
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
        if any(same_claim(entry[key], true[key], (key,)) is not True for key in keys):
            return False
        if true["kind"] == "zero":
            continue
        cells, witnesses = entry["cells"], entry["witnesses"]
        if sorted(cells) != sorted(true["cells"]) or len(cells) != len(witnesses):
            return False
        for cell, witness in zip(cells, witnesses, strict=True):
            w = [rational(v) for v in witness]
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
        theta = [rational(v) for v in entry["weights"]]
        if len(theta) != len(gradients) or any(t < 0 for t in theta) or sum(theta) != 1:
            return False
        return not any(
            sum((t * g[i] for t, g in zip(theta, gradients, strict=True)), Fraction(0))
            for i in range(len(gradients[0]))
        )
    d = [rational(v) for v in entry["direction"]]
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
    net = network_from_json(doc["improving_network"], d=problem.dataset.d, bias=problem.bias)
    value = problem.objective(net)
    return (
        rational(doc["improving_objective"]) == value
        and value < rational(doc["objective"])
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
        same_claim(sub.get(key), truth.get(key), (key,))
        for key in set(sub) | set(truth)
        if not internal((key,)) and key not in _BOUND_KEYS | {"status", "claims"}
    ]
    checks.append(format_true(sub, truth))
    lower, objective = rational(sub["lower_bound"]), rational(truth["objective"])
    if truth.get("alpha_form") is not None:
        low = high = rational(truth["alpha_form"]["objective"])
    elif truth["verdict"] == "optimal":
        low = high = objective
    else:
        low, high = rational(truth["lower_bound"]), objective
    tol = rational(sub["tol"])
    threshold = tol * problem.zero_objective
    checks += [tol >= 0, rational(sub["threshold"]) == threshold]
    checks.append(rational(sub["gap"]) == rational(sub["objective"]) - lower)
    checks.append(True if lower <= low else False if lower > high else None)
    if sub["verdict"] == "inconclusive":
        checks.append(rational(sub["gap"]) > threshold)
    elif sub["verdict"] == "optimal":
        if objective - low <= threshold:
            checks.append(True)
        elif objective - high > threshold or (threshold == 0 and not optimal):
            checks.append(False)  # not optimal: the optimum is below the objective
        else:
            checks.append(None)
    else:
        checks.append(False)
    return conjunction(checks)
