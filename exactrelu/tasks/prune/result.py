"""The result of Algorithm 1 (docs/theory.md §6): the pruned network, its exact objectives and
fit, the steps ``u_b ← (1 − tβ_b) u_b``, and their JSON form (docs/formats.md, kind ``prune``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from exactrelu.exact.display import Summarized
from exactrelu.exact.rationals import rational_str
from exactrelu.exact.surds import SqrtSum
from exactrelu.model.alpha_form import AlphaNeuron, alpha_form_to_json
from exactrelu.model.convex import ConvexBlock
from exactrelu.model.network import Network
from exactrelu.model.network_io import network_to_json
from exactrelu.program.problem import Problem

Vector = tuple[Fraction, ...]


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


@dataclass(frozen=True, repr=False)
class PruneResult(Summarized):
    """A network pruned by Algorithm 1 (docs/theory.md §6) with the same exact fit.

    ``network`` is the rational network of the pruned convex blocks (one neuron per block,
    rational scales ``t ≈ √‖u_b‖``, :func:`from_convex`); ``objective`` its exact NC
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
    alpha_form: tuple[AlphaNeuron, ...] | None
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

    def _summary(self) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = [("width_before", self.width_before)]
        items += [("width_after", self.width_after), ("rank", self.rank)]
        items += [("objective_before", self.objective_before), ("objective", self.objective)]
        return items + [("objective_change", self.objective_change), ("status", self.status)]

    def to_json(self) -> dict[str, object]:
        lam = self.problem.lam_sum
        alpha_form = None
        if self.alpha_form is not None:
            alpha_form = alpha_form_to_json(self.alpha_form, lam)
            gates = [b.gate for b in self.blocks if any(b.u)]  # the α-form's neurons, in order
            for item, gate in zip(alpha_form, gates, strict=True):
                if gate is not None:
                    item["gate"] = [rational_str(v) for v in gate]
        return {
            "kind": "prune",
            "version": 1,
            **describe(self.problem),
            "input_network": network_to_json(self.input_network),
            "network": network_to_json(self.network),
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
                "network": network_to_json(self.w2_network),
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
