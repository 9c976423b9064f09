"""Pruning a network to a minimal one with the same fit, exactly (docs/theory.md §6, Algorithm 1).

The network is mapped to its convex weights (:func:`~exactrelu.model.convex.to_convex`: one block
per activation pattern and sign, neurons of one block merged, ``NC >= P``).  Then, while the block
fits ``q_b = s_b D_b X̃ u_b`` are linearly dependent, an exact β ≠ 0 with ``Σ β_b q_b = 0`` (plus
``γ·1`` when the problem has an unregularized output bias) is taken from the rational nullspace,
signed so that ``Σ β_b ‖u_b‖ >= 0`` and ``max β_b > 0``, and every block is scaled,
``u_b ← (1 − tβ_b) u_b`` with ``t = 1/max β_b``: the fit is unchanged, the factors are >= 0 (so
every ``u_b`` stays in its cone), at least one block drops, and the convex penalty changes by
``−λ t Σ β_b ‖u_b‖ <= 0`` (zero at an optimum).  The norms are irrational in general; the sign
of ``Σ β_b ‖u_b‖`` is decided exactly (:class:`~exactrelu.exact.surds.SqrtSum`).  The result has
linearly independent fits, hence at most rank(F) <= n neurons; when the input is optimal it is a
minimal optimal network (a vertex of the optimal polytope, docs/theory.md §6).

Beyond minimality the fit must change: :func:`least_squares_prune` is the paper's heuristic (the
removed neuron's fit is regressed on the others and the same scaling update is applied), with
every fit change and objective computed exactly.

All objectives are in the problem's scale (``Problem.scale``); λ of the sum scale is used inside.

Modules: :mod:`.algorithm` (Algorithm 1), :mod:`.result` (its result and JSON),
:mod:`.least_squares` (the least-squares heuristic beyond minimality).
"""

from exactrelu.tasks.prune.algorithm import SCALE_DIGITS, prune
from exactrelu.tasks.prune.least_squares import (
    LEAST_SQUARES_RULES,
    LeastSquaresStep,
    least_squares_prune,
)
from exactrelu.tasks.prune.result import PruneResult, PruneStep, describe

__all__ = [
    "LEAST_SQUARES_RULES",
    "SCALE_DIGITS",
    "LeastSquaresStep",
    "PruneResult",
    "PruneStep",
    "describe",
    "least_squares_prune",
    "prune",
]
