"""Pruning a network to a minimal one with the same fit, exactly (docs/theory.md §6, Algorithm 1).

The network is mapped to its convex weights (:func:`networks.to_convex`: one block per activation
pattern and sign, neurons of one block merged, ``NC >= P``).  Then, while the block fits
``q_b = s_b D_b X̃ u_b`` are linearly dependent, an exact β ≠ 0 with ``Σ β_b q_b = 0`` (plus
``γ·1`` when the problem has an unregularized output bias) is taken from the rational nullspace,
signed so that ``Σ β_b ‖u_b‖ >= 0`` and ``max β_b > 0``, and every block is scaled,
``u_b ← (1 − tβ_b) u_b`` with ``t = 1/max β_b``: the fit is unchanged, the factors are >= 0 (so
every ``u_b`` stays in its cone), at least one block drops, and the convex penalty changes by
``−λ t Σ β_b ‖u_b‖ <= 0`` (zero at an optimum).  The norms are irrational in general; the sign
of ``Σ β_b ‖u_b‖`` is decided exactly (:class:`networks.SqrtSum`).  The result has linearly
independent fits, hence at most rank(F) <= n neurons; when the input is optimal it is a minimal
optimal network (a vertex of the optimal polytope, docs/theory.md §6).

Beyond minimality the fit must change: :func:`least_squares_prune` is the paper's heuristic (the
removed neuron's fit is regressed on the others and the same scaling update is applied), with
every fit change and objective computed exactly.

All objectives are in the problem's scale (``Problem.scale``); λ of the sum scale is used inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import fmpq_matrix, fraction_of, null_vector, rational_str
from exactrelu.model import networks
from exactrelu.model.networks import ConvexBlock, Network, SqrtSum
from exactrelu.program.problem import Problem

SCALE_DIGITS = (12, 24, 48)
"""Digits of the rational scales ``t ≈ √‖u_b‖`` tried, until the pruned network's exact NC
objective does not exceed the input's (it can only when the input is exactly balanced and its
merged blocks have irrational scales: then it exceeds it by the rounding excess alone)."""

LEAST_SQUARES_RULES = ("residual", "norm", "fit")

Vector = tuple[Fraction, ...]


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PruneStep:
    """One step of Algorithm 1: ``Σ_b β_b q_b (+ γ·1) = 0`` over the ``active`` blocks,
    ``u_b ← (1 − tβ_b) u_b``; ``dropped`` are the blocks with ``tβ_b = 1``."""

    active: tuple[int, ...]
    beta: tuple[Fraction, ...]
    output_bias_coefficient: Fraction | None
    t: Fraction
    dropped: tuple[int, ...]
    convex_objective_change: SqrtSum  # −λ t Σ β_b ‖u_b‖ (problem scale), <= 0

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "active_blocks": list(self.active),
            "beta": [rational_str(b) for b in self.beta],
            "t": rational_str(self.t),
            "dropped_blocks": list(self.dropped),
            "convex_objective_change": self.convex_objective_change.to_json(),
        }
        if self.output_bias_coefficient is not None:
            out["output_bias_coefficient"] = rational_str(self.output_bias_coefficient)
        return out


@dataclass(frozen=True)
class PruneResult:
    """A network pruned by Algorithm 1 (docs/theory.md §6) with the same exact fit.

    ``network`` is the rational network of the pruned convex blocks (one neuron per block,
    rational scales ``t ≈ √‖u_b‖``, :func:`networks.from_convex`); ``objective`` its exact NC
    objective; ``alpha_form`` the exactly balanced network when every pruned ``‖u_b‖`` is
    rational.  ``w2_network`` is the other rational option: the input's own neurons with only
    their output weights scaled (``w2_j ← c_b w2_j``), same fit, exactly reported objective.
    """

    problem: Problem = field(repr=False)
    input_network: Network = field(repr=False)
    network: Network
    objective_before: Fraction
    objective: Fraction
    convex_objective_before: SqrtSum
    convex_objective: SqrtSum
    blocks_before: tuple[ConvexBlock, ...] = field(repr=False)
    blocks: tuple[ConvexBlock, ...] = field(repr=False)
    factors: tuple[Fraction, ...]
    fit: Vector = field(repr=False)
    rank: int
    steps: tuple[PruneStep, ...]
    alpha_form: tuple[networks.AlphaNeuron, ...] | None
    w2_network: Network = field(repr=False)
    w2_objective: Fraction
    scale_digits: int
    status: str = "exact"

    @property
    def objective_change(self) -> Fraction:
        """``NC(network) − NC(input)``, exact (<= 0 except by a rounding excess, see
        :data:`SCALE_DIGITS`)."""
        return self.objective - self.objective_before

    @property
    def convex_objective_change(self) -> SqrtSum:
        """``P(pruned) − P(input's convex weights)``, exact, always <= 0."""
        return self.convex_objective - self.convex_objective_before

    @property
    def network_excess(self) -> SqrtSum:
        """``NC(network) − P(pruned)`` >= 0: the cost of rational scales."""
        return SqrtSum(self.objective) - self.convex_objective

    @property
    def width_before(self) -> int:
        return self.input_network.width

    @property
    def width_after(self) -> int:
        return self.network.width

    @property
    def claims(self) -> dict[str, str]:
        return {
            name: "exact"
            for name in (
                "fit_unchanged",
                "objective",
                "objective_change",
                "convex_objective_change",
                "fits_independent",
                "rank",
                "width_after",
                "w2_only",
            )
        }

    def to_json(self) -> dict[str, object]:
        lam = self.problem.lam_sum
        alpha_form = None
        if self.alpha_form is not None:
            alpha_form = networks.alpha_form_to_json(self.alpha_form, lam)
            gates = [b.gate for b in self.blocks if any(b.u)]  # the α-form's neurons, in order
            for item, gate in zip(alpha_form, gates, strict=True):
                if gate is not None:
                    item["gate"] = [rational_str(v) for v in gate]
        return {
            "kind": "prune",
            "version": 1,
            **describe(self.problem),
            "input_network": networks.network_to_json(self.input_network),
            "network": networks.network_to_json(self.network),
            "objective": rational_str(self.objective),
            "objective_before": rational_str(self.objective_before),
            "objective_change": rational_str(self.objective_change),
            "objective_float": float(self.objective),
            "convex_objective": self.convex_objective.to_json(),
            "convex_objective_before": self.convex_objective_before.to_json(),
            "convex_objective_change": self.convex_objective_change.to_json(),
            "network_excess": self.network_excess.to_json(),
            "alpha_form": alpha_form,
            "fit_unchanged": True,
            "fit": [rational_str(v) for v in self.fit],
            "width_before": self.width_before,
            "width_after": self.width_after,
            "blocks_before": len(self.blocks_before),
            "rank": self.rank,
            "factors": [rational_str(c) for c in self.factors],
            "steps": [step.to_json() for step in self.steps],
            "w2_only": {
                "network": networks.network_to_json(self.w2_network),
                "width": self.w2_network.width,
                "objective": rational_str(self.w2_objective),
                "objective_change": rational_str(self.w2_objective - self.objective_before),
            },
            "scale_digits": self.scale_digits,
            "status": self.status,
            "claims": self.claims,
        }


def describe(problem: Problem) -> dict[str, object]:
    """The fields every output carries (docs/formats.md, "Common fields"), without enumerating the
    cells: pruning needs no pattern list (``patterns`` is the problem's option, reported as
    given)."""
    option = problem.pattern_option
    if isinstance(option, tuple) and len(option) == 3 and option[0] == "sample":
        patterns: object = {"sample": option[1], "seed": option[2]}
    elif isinstance(option, str):
        patterns = option
    else:
        patterns = "given"
    return {
        "n": problem.n,
        "d": problem.dataset.d,
        "bias": problem.bias,
        "output_bias": problem.output_bias,
        "scale": problem.scale,
        "model": problem.model,
        "lam": rational_str(problem.lam),
        "patterns": patterns,
        "patterns_used": False,
        "data_sha256": problem.dataset.sha256(),
        "input": {"target": problem.target, "round": problem.dataset.round_digits},
    }


# ---------------------------------------------------------------------------------------------
# Algorithm 1
# ---------------------------------------------------------------------------------------------


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
    >>> from exactrelu.model.networks import network_from_arrays
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
    blocks0 = networks.to_convex(network, X)
    fits0 = [networks.convex_fit([b], X) for b in blocks0]
    norms0 = [_norm2(b.u) for b in blocks0]
    bias0 = _output_bias(problem, network)
    fit = _add_bias(networks.convex_fit(blocks0, X), bias0)

    factors = [Fraction(1)] * len(blocks0)
    bias = bias0
    steps = []
    rank = _rank(fits0, bias is not None)
    while True:
        active = [i for i, c in enumerate(factors) if c != 0]
        columns = [tuple(factors[i] * v for v in fits0[i]) for i in active]
        null = _null_vector(columns, bias is not None)
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
    if _add_bias(networks.convex_fit(pruned, X), bias) != fit:
        raise AssertionError("pruning changed the convex fit")  # pragma: no cover

    for digits in SCALE_DIGITS:
        pruned_network = networks.from_convex(
            pruned, bias=problem.bias, output_bias=output_bias, scale_digits=digits
        )
        objective = problem.objective(pruned_network)
        if objective <= objective_before:
            break
    if networks.fit(pruned_network, X) != fit:
        raise AssertionError("the pruned network's fit differs")  # pragma: no cover

    w2_network = _w2_only(network, X, blocks0, factors, output_bias)
    if networks.fit(w2_network, X) != fit:
        raise AssertionError("the w2-only network's fit differs")  # pragma: no cover

    convex_before = _convex_objective(problem, blocks0, bias0)
    convex_after = _convex_objective(problem, pruned, bias)
    alpha_form = networks.alpha_form_from_blocks(pruned, lam)
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


def _norm2(u: Sequence[Fraction]) -> Fraction:
    return sum((v * v for v in u), Fraction(0))


def _output_bias(problem: Problem, network: Network) -> Fraction | None:
    """The network's output bias as a free variable (None when the problem has none)."""
    if not problem.output_bias:
        return None
    return network.output_bias or Fraction(0)


def _add_bias(fit: Sequence[Fraction], bias: Fraction | None) -> Vector:
    return tuple(v + (bias or 0) for v in fit)


def _in_scale(problem: Problem, value: SqrtSum) -> SqrtSum:
    return value * Fraction(1, problem.n) if problem.scale == "mean" else value


def _convex_objective(problem: Problem, blocks, bias: Fraction | None) -> SqrtSum:
    value = networks.convex_objective(
        blocks, problem.dataset.X, problem.dataset.y, problem.lam_sum, bias
    )
    return _in_scale(problem, value)


def _matrix_columns(columns: Sequence[Sequence[Fraction]], with_ones: bool, n: int):
    """The n × k matrix whose columns are ``1`` (first, when ``with_ones``) and ``columns``."""
    cols = ([[Fraction(1)] * n] if with_ones else []) + [list(c) for c in columns]
    return fmpq_matrix([[col[k] for col in cols] for k in range(n)])


def _rank(columns: Sequence[Vector], with_ones: bool) -> int:
    """rank(F) of the block fits (modulo constants when there is an output bias)."""
    if not columns:
        return 0
    n = len(columns[0])
    return _matrix_columns(columns, with_ones, n).rank() - with_ones


def _null_vector(
    columns: Sequence[Vector], with_ones: bool
) -> tuple[list[Fraction], Fraction | None] | None:
    """An exact β ≠ 0 (and γ) with ``Σ β_b columns_b (+ γ·1) = 0``, or None if independent.

    The ones column is placed first, so it is a pivot of the reduced row echelon form (n >= 1):
    the free column, set to 1, is always a block, hence β ≠ 0.
    """
    if not columns:
        return None
    x = null_vector(_matrix_columns(columns, with_ones, len(columns[0])))
    if x is None:
        return None
    if with_ones:
        return x[1:], x[0]
    return x, None


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
        own = networks.to_convex(single, X)  # the same block key as in the whole network
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


# ---------------------------------------------------------------------------------------------
# Least-squares pruning beyond minimality (changes the fit)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeastSquaresStep:
    """The network at one width of :func:`least_squares_prune`.

    The first step is the exact prune (``changes_fit`` false).  Every later step regressed the
    fit of block ``regressed`` on the other blocks' fits (and the constant, with an output
    bias): ``q_j ≈ Σ_b c_b q_b (+ γ)``; with ``β = (c, −1 at j)`` and ``t = 1/β_p`` for the entry
    of largest absolute value, ``u_b ← (1 − tβ_b) u_b`` (factors in [0, 2], so every u_b stays in
    its cone) drops block p (j itself when every |c_b| <= 1) and changes the fit by exactly
    ``t·(q_j − Σ c_b q_b)``.
    """

    width: int
    changes_fit: bool
    network: Network
    objective: Fraction
    convex_objective: SqrtSum
    fit: Vector
    fit_change: Vector
    regressed: int | None = None
    removed: tuple[int, ...] = ()
    coefficients: tuple[Fraction, ...] = ()
    residual_norm2: Fraction | None = None
    status: str = "exact"

    @property
    def fit_change_norm2(self) -> Fraction:
        return _norm2(self.fit_change)

    def to_json(self) -> dict[str, object]:
        return {
            "width": self.width,
            "changes_fit": self.changes_fit,
            "network": networks.network_to_json(self.network),
            "objective": rational_str(self.objective),
            "convex_objective": self.convex_objective.to_json(),
            "fit": [rational_str(v) for v in self.fit],
            "fit_change": [rational_str(v) for v in self.fit_change],
            "fit_change_norm2": rational_str(self.fit_change_norm2),
            "regressed_block": self.regressed,
            "removed_blocks": list(self.removed),
            "coefficients": [rational_str(c) for c in self.coefficients],
            "residual_norm2": None
            if self.residual_norm2 is None
            else rational_str(self.residual_norm2),
            "status": self.status,
        }


def least_squares_prune(
    problem: Problem, network: Network, target_width: int, rule: str = "residual"
) -> list[LeastSquaresStep]:
    """Prune to ``target_width`` neurons: exactly (Algorithm 1) while possible, then by the
    paper's least-squares correction, which **changes the fit** (docs/theory.md §6).

    Parameters
    ----------
    problem, network : as for :func:`prune`.
    target_width : the width to stop at (>= 0).
    rule : which block to regress away at each step: ``"residual"`` (the block whose fit the
        others explain best, smallest exact least-squares residual), ``"norm"`` (smallest
        ‖u_b‖, the paper's magnitude rule) or ``"fit"`` (smallest ‖q_b‖).  Ties: lowest index.

    Returns
    -------
    list of :class:`LeastSquaresStep`, one per width, starting with the exact prune; each
    with its network, exact objective and exact fit change.  Block indices refer to
    ``prune(problem, network).blocks``.
    """
    if not isinstance(target_width, int) or isinstance(target_width, bool) or target_width < 0:
        raise ExactReluInputError(f"target_width must be an integer >= 0, got {target_width!r}")
    if rule not in LEAST_SQUARES_RULES:
        raise ExactReluInputError(
            f"rule must be one of {', '.join(LEAST_SQUARES_RULES)}, got {rule!r}"
        )
    exact = prune(problem, network)
    X = problem.dataset.X
    with_ones = problem.output_bias
    blocks = list(exact.blocks)
    bias = _free_bias(exact.network, with_ones)
    fit = exact.fit
    steps = [
        LeastSquaresStep(
            width=exact.width_after,
            changes_fit=False,
            network=exact.network,
            objective=exact.objective,
            convex_objective=exact.convex_objective,
            fit=fit,
            fit_change=tuple(Fraction(0) for _ in fit),
        )
    ]
    fits = [networks.convex_fit([b], X) for b in blocks]
    active = list(range(len(blocks)))
    while len(active) > target_width:
        regressions = {}
        for j in active:
            others = [i for i in active if i != j]
            regressions[j] = (others, *_regress(fits[j], [fits[i] for i in others], with_ones))
        j = _choose(rule, active, regressions, blocks, fits)
        others, coefficients, gamma, residual = regressions[j]
        beta = dict(zip(others, coefficients, strict=True))
        beta[j] = Fraction(-1)
        # the paper's update: divide by the entry of largest magnitude (j on ties)
        pivot = max(active, key=lambda i: (abs(beta[i]), i == j, -i))
        t = 1 / beta[pivot]
        removed = []
        for i in active:
            scale = 1 - t * beta[i]
            blocks[i] = blocks[i]._replace(u=tuple(scale * v for v in blocks[i].u))
            fits[i] = tuple(scale * v for v in fits[i])
            if scale == 0:
                removed.append(i)
        active = [i for i in active if i not in removed]
        if with_ones:
            bias -= t * (gamma or 0)
        kept = [blocks[i] for i in active]
        new_fit = _add_bias(networks.convex_fit(kept, X), bias if with_ones else None)
        change = tuple(a - b for a, b in zip(new_fit, fit, strict=True))
        if change != tuple(t * v for v in residual):
            raise AssertionError("least-squares step: fit change mismatch")  # pragma: no cover
        output_bias = bias if with_ones else None
        pruned_network = networks.from_convex(kept, bias=problem.bias, output_bias=output_bias)
        steps.append(
            LeastSquaresStep(
                width=pruned_network.width,
                changes_fit=any(change),
                network=pruned_network,
                objective=problem.objective(pruned_network),
                convex_objective=_convex_objective(problem, kept, output_bias),
                fit=new_fit,
                fit_change=change,
                regressed=j,
                removed=tuple(removed),
                coefficients=tuple(beta[i] for i in others),
                residual_norm2=_norm2(residual),
            )
        )
        fit = new_fit
    return steps


def _free_bias(network: Network, with_ones: bool) -> Fraction:
    return (network.output_bias or Fraction(0)) if with_ones else Fraction(0)


def _regress(
    target: Vector, columns: Sequence[Vector], with_ones: bool
) -> tuple[list[Fraction], Fraction | None, Vector]:
    """Exact least squares ``target ≈ Σ c_b columns_b (+ γ)`` by the normal equations (the
    columns, with the constant, are linearly independent after Algorithm 1).  Returns c, γ and
    the residual ``target − Σ c_b columns_b − γ``."""
    n = len(target)
    if not columns and not with_ones:
        return [], None, tuple(target)
    A = _matrix_columns(columns, with_ones, n)
    At = A.transpose()
    x = (At * A).solve(At * fmpq_matrix([[v] for v in target]))
    values = [fraction_of(x[i, 0]) for i in range(x.nrows())]
    gamma = values[0] if with_ones else None
    coefficients = values[1:] if with_ones else values
    approx = A * x
    residual = tuple(v - fraction_of(approx[k, 0]) for k, v in enumerate(target))
    return coefficients, gamma, residual


def _choose(rule, active, regressions, blocks, fits) -> int:
    if rule == "residual":
        return min(active, key=lambda j: (_norm2(regressions[j][3]), j))
    if rule == "norm":
        return min(active, key=lambda j: (_norm2(blocks[j].u), j))
    return min(active, key=lambda j: (_norm2(fits[j]), j))
