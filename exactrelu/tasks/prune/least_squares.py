"""Least-squares pruning beyond minimality (docs/theory.md §6): the paper's heuristic, which
**changes the fit**, with every fit change and objective computed exactly.

After the exact prune (Algorithm 1) the block fits are independent; each further step regresses
one block's fit on the others (exact normal equations) and applies the scaling update of
Algorithm 1 to ``β = (c, −1)``, removing a block and changing the fit by an exactly known amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import columns_matrix, fmpq_matrix, fraction_of, rational_str
from exactrelu.exact.surds import SqrtSum
from exactrelu.model.convex import convex_fit, from_convex
from exactrelu.model.network import Network
from exactrelu.model.network_io import network_to_json
from exactrelu.program.problem import Problem
from exactrelu.tasks.prune.algorithm import add_bias, convex_objective_in_scale, norm2, prune
from exactrelu.tasks.prune.result import Vector

LEAST_SQUARES_RULES = ("residual", "norm", "fit")


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
        return norm2(self.fit_change)

    def to_json(self) -> dict[str, object]:
        return {
            "width": self.width,
            "changes_fit": self.changes_fit,
            "network": network_to_json(self.network),
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
    fits = [convex_fit([b], X) for b in blocks]
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
        new_fit = add_bias(convex_fit(kept, X), bias if with_ones else None)
        change = tuple(a - b for a, b in zip(new_fit, fit, strict=True))
        if change != tuple(t * v for v in residual):
            raise AssertionError("least-squares step: fit change mismatch")  # pragma: no cover
        output_bias = bias if with_ones else None
        pruned_network = from_convex(kept, bias=problem.bias, output_bias=output_bias)
        steps.append(
            LeastSquaresStep(
                width=pruned_network.width,
                changes_fit=any(change),
                network=pruned_network,
                objective=problem.objective(pruned_network),
                convex_objective=convex_objective_in_scale(problem, kept, output_bias),
                fit=new_fit,
                fit_change=change,
                regressed=j,
                removed=tuple(removed),
                coefficients=tuple(beta[i] for i in others),
                residual_norm2=norm2(residual),
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
    A = columns_matrix(columns, with_ones, n)
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
        return min(active, key=lambda j: (norm2(regressions[j][3]), j))
    if rule == "norm":
        return min(active, key=lambda j: (norm2(blocks[j].u), j))
    return min(active, key=lambda j: (norm2(fits[j]), j))
