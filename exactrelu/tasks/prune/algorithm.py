"""Algorithm 1 (docs/theory.md §6): prune a network to linearly independent block fits without
changing its fit, the convex objective never rising.

While the block fits are dependent, an exact β ≠ 0 with ``Σ β_b q_b (+ γ·1) = 0``
(:func:`~exactrelu.exact.rationals.column_dependence`) scales every block by ``1 − tβ_b``,
``t = 1/max β_b``, after choosing the sign of β so that the penalty change ``−λ t Σ β_b ‖u_b‖`` is
<= 0 (decided exactly on sums of square roots).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from exactrelu.exact.rationals import column_dependence, column_rank
from exactrelu.exact.surds import SqrtSum
from exactrelu.model.alpha_form import alpha_form_from_blocks
from exactrelu.model.convex import ConvexBlock, convex_fit, convex_objective, from_convex, to_convex
from exactrelu.model.network import Network
from exactrelu.model.network import fit as network_fit
from exactrelu.program.problem import Problem
from exactrelu.tasks.prune.result import PruneResult, PruneStep, Vector

SCALE_DIGITS = (12, 24, 48)
"""Digits of the rational scales ``t ≈ √‖u_b‖`` tried, until the pruned network's exact NC
objective does not exceed the input's (it can only when the input is exactly balanced and its
merged blocks have irrational scales: then it exceeds it by the rounding excess alone)."""


def prune(problem: Problem, network: Network) -> PruneResult:
    """Prune ``network`` to linearly independent neuron fits without changing its fit
    (docs/theory.md §6).

    Parameters
    ----------
    problem : the data, λ, scale and output-bias option (no cell enumeration is done).
    network : a rational network for that data (``network.bias`` must match ``problem.bias``).

    Returns
    -------
    PruneResult: the pruned network (``width_after <= rank`` of the block fits, <= n), its exact
    objective and change, the exact convex objectives (never increased), the α-form when the
    pruned norms are rational, the "w2 only" variant, and the steps.

    Raises
    ------
    ExactReluInputError : the network does not fit the data or the problem's options.

    Examples
    --------
    >>> from exactrelu.model.network_io import network_from_arrays
    >>> net = network_from_arrays([[1, 0], [1, -1], [-1, 1]], [1, 1, -1])
    >>> result = prune(Problem([[1, 0], [0, 1]], [2, -5], 1), net)
    >>> result.width_after, result.fit == (Fraction(2), Fraction(-1))
    (2, True)

    References
    ----------
    Mishkin & Pilanci, "Optimal Sets and Solution Paths of ReLU Networks", ICML 2023, Alg. 1.
    """
    objective_before = problem.objective(network)  # validates the network against the problem
    X = problem.dataset.X
    lam = problem.lam_sum
    blocks0 = to_convex(network, X)
    fits0 = [convex_fit([b], X) for b in blocks0]
    norms0 = [norm2(b.u) for b in blocks0]
    bias0 = _output_bias(problem, network)
    fit = add_bias(convex_fit(blocks0, X), bias0)

    factors = [Fraction(1)] * len(blocks0)
    bias = bias0
    steps = []
    rank = column_rank(fits0, bias is not None)
    while True:
        active = [i for i, c in enumerate(factors) if c != 0]
        columns = [tuple(factors[i] * v for v in fits0[i]) for i in active]
        null = column_dependence(columns, bias is not None)
        if null is None:
            break
        beta, gamma = null
        # docs/theory.md §6: the penalty changes by −λ t Σ β_b ‖u_b‖; choose the sign that never
        # raises it
        terms = [(b * factors[i], norms0[i]) for b, i in zip(beta, active, strict=True)]
        weighted = SqrtSum.of(0, terms)
        sign = weighted.sign()
        if sign < 0 or (sign == 0 and max(beta) <= 0):
            beta = [-b for b in beta]
            gamma = None if gamma is None else -gamma
            weighted = -weighted
        t = 1 / max(beta)
        dropped = []
        for b, i in zip(beta, active, strict=True):
            factors[i] *= 1 - t * b
            if factors[i] == 0:
                dropped.append(i)
        if gamma is not None:
            bias -= t * gamma
        steps.append(
            PruneStep(
                tuple(active),
                tuple(beta),
                gamma,
                t,
                tuple(dropped),
                _in_scale(problem, weighted * (-lam * t)),
            )
        )

    pruned = tuple(
        b._replace(u=tuple(c * v for v in b.u))
        for b, c in zip(blocks0, factors, strict=True)
        if c != 0
    )
    output_bias = bias if problem.output_bias else None
    if add_bias(convex_fit(pruned, X), bias) != fit:
        raise AssertionError("pruning changed the convex fit")  # pragma: no cover

    for digits in SCALE_DIGITS:
        pruned_network = from_convex(
            pruned, bias=problem.bias, output_bias=output_bias, scale_digits=digits
        )
        objective = problem.objective(pruned_network)
        if objective <= objective_before:
            break
    if network_fit(pruned_network, X) != fit:
        raise AssertionError("the pruned network's fit differs")  # pragma: no cover

    w2_network = _w2_only(network, X, blocks0, factors, output_bias)
    if network_fit(w2_network, X) != fit:
        raise AssertionError("the w2-only network's fit differs")  # pragma: no cover

    convex_before = convex_objective_in_scale(problem, blocks0, bias0)
    convex_after = convex_objective_in_scale(problem, pruned, bias)
    alpha_form = alpha_form_from_blocks(pruned, lam)
    return PruneResult(
        problem=problem,
        input_network=network,
        network=pruned_network,
        objective_before=objective_before,
        objective=objective,
        convex_objective_before=convex_before,
        convex_objective=convex_after,
        blocks_before=tuple(blocks0),
        blocks=pruned,
        factors=tuple(factors),
        fit=fit,
        rank=rank,
        steps=tuple(steps),
        alpha_form=None if alpha_form is None else tuple(alpha_form),
        w2_network=w2_network,
        w2_objective=problem.objective(w2_network),
        scale_digits=digits,
    )


def norm2(u: Sequence[Fraction]) -> Fraction:
    """``‖u‖²``, exactly."""
    return sum((v * v for v in u), Fraction(0))


def _output_bias(problem: Problem, network: Network) -> Fraction | None:
    """The network's output bias as a free variable (None when the problem has none)."""
    if not problem.output_bias:
        return None
    return network.output_bias or Fraction(0)


def add_bias(fit: Sequence[Fraction], bias: Fraction | None) -> Vector:
    """The fit plus the output bias (none: unchanged)."""
    return tuple(v + (bias or 0) for v in fit)


def _in_scale(problem: Problem, value: SqrtSum) -> SqrtSum:
    return value * Fraction(1, problem.n) if problem.scale == "mean" else value


def convex_objective_in_scale(problem: Problem, blocks, bias: Fraction | None) -> SqrtSum:
    """The exact convex objective P of the blocks (and output bias) in the problem's scale."""
    value = convex_objective(blocks, problem.dataset.X, problem.dataset.y, problem.lam_sum, bias)
    return _in_scale(problem, value)


def _w2_only(
    network: Network,
    X,
    blocks: Sequence[ConvexBlock],
    factors: Sequence[Fraction],
    output_bias: Fraction | None,
) -> Network:
    """The input's neurons with ``w2_j ← c_b w2_j`` (c_b the factor of the neuron's block);
    neurons with a zero factor or zero weights are removed.  The fit is exact because each
    neuron's output is linear in w2; only the penalty changes."""
    index = {(b.pattern, b.sign): i for i, b in enumerate(blocks)}
    W1, w2, gates = [], [], []
    for j, (weights, out) in enumerate(zip(network.W1, network.w2, strict=True)):
        gate = None if network.gates is None else network.gates[j]
        single = Network((weights,), (out,), network.bias, None, None if gate is None else (gate,))
        own = to_convex(single, X)  # the same block key as in the whole network
        if not own:
            continue
        c = factors[index[(own[0].pattern, own[0].sign)]]
        if c == 0:
            continue
        W1.append(weights)
        w2.append(c * out)
        gates.append(gate)
    return Network(
        tuple(W1),
        tuple(w2),
        network.bias,
        output_bias,
        tuple(gates) if network.gates is not None else None,  # type: ignore[arg-type]
    )
