"""Is a given network globally optimal?  A proof either way, or an honest "inconclusive".

docs/theory.md §4: for every network W, ``NC(W) >= D(z)`` for any dual-feasible z over the complete
pattern list, so ``NC(W) − D(z) <= ε`` proves W is ε-optimal among networks of **any** width.
Non-optimality is proved only by exhibiting a network with an exactly smaller objective (lower
bounds alone never prove it); the improving network may be wider than the given one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from exactrelu.exact.display import Summarized
from exactrelu.exact.rationals import rational_str
from exactrelu.model.network import Network
from exactrelu.model.network_io import network_to_float_json, network_to_json
from exactrelu.program.problem import Problem, Solution, check_tol

VERDICTS = ("optimal", "not_optimal", "inconclusive")


@dataclass(frozen=True, repr=False)
class Certification(Summarized):
    """The verdict on a network, with every number exact.

    ``objective``: the network's exact NC objective; ``lower_bound``: the certified lower bound
    on the optimum; ``threshold = tol·½‖y‖²``; ``improving_network``: a network whose exact
    objective is at most ``objective − threshold`` (verdict ``not_optimal``).
    """

    problem: Problem = field(repr=False)
    network: Network
    tol: Fraction
    objective: Fraction
    threshold: Fraction
    solution: Solution = field(repr=False)
    verdict: str

    @property
    def lower_bound(self) -> Fraction:
        return self.solution.objective_lower

    @property
    def gap(self) -> Fraction:
        return self.objective - self.lower_bound

    @property
    def improving_network(self) -> Network | None:
        return self.solution.network if self.verdict == "not_optimal" else None

    @property
    def improvement(self) -> Fraction | None:
        """How much the improving network lowers the objective, exactly."""
        if self.verdict != "not_optimal":
            return None
        return self.objective - self.solution.objective_upper

    @property
    def claims(self) -> dict[str, str]:
        claims = {name: "exact" for name in ("verdict", "objective", "lower_bound", "gap")}
        if self.verdict == "not_optimal":
            claims["improving_objective"] = "exact"
        if self.solution.exact_optimum is not None:
            claims["optimum"] = "exact"
        return claims

    def _summary(self) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = [("verdict", self.verdict)]
        items += [("objective", self.objective), ("lower_bound", self.lower_bound)]
        items += [("gap", self.gap), ("threshold", self.threshold), ("width", self.network.width)]
        improving = self.improving_network
        if improving is not None:
            items += [("improvement", self.improvement), ("improving_width", improving.width)]
        return items

    def to_json(self) -> dict[str, object]:
        improving = self.improving_network
        return {
            "kind": "certify",
            "version": 1,
            **self.problem.describe(),
            "verdict": self.verdict,
            "network": network_to_json(self.network),
            "objective": rational_str(self.objective),
            "lower_bound": rational_str(self.lower_bound),
            "gap": rational_str(self.gap),
            "tol": rational_str(self.tol),
            "threshold": rational_str(self.threshold),
            "objective_float": float(self.objective),
            "gap_relative_float": float(self.gap / self.problem.zero_objective)
            if self.problem.zero_objective
            else float(self.gap),
            "improving_network": None if improving is None else network_to_json(improving),
            "improving_network_float": None
            if improving is None
            else network_to_float_json(improving),
            "improving_objective": None
            if improving is None
            else rational_str(self.solution.objective_upper),
            "improving_width": None if improving is None else improving.width,
            "improvement": None if improving is None else rational_str(self.improvement),
            **(
                {"alpha_form": self.solution.alpha_form_json()}
                if self.solution.exact_optimum
                else {}
            ),
            "status": "exact",
            "claims": self.claims,
            "certificate": self.problem.certificate_core(self.solution.dual),
        }


def certify(
    problem: Problem,
    network: Network,
    tol: object = 1e-9,
    solution: Solution | None = None,
) -> Certification:
    """Certify a network: ``optimal`` (gap <= tol·½‖y‖²), ``not_optimal`` (an exhibited network
    at least tol·½‖y‖² better) or ``inconclusive``.

    ``network`` is an :class:`exactrelu.model.network.Network` (see ``network_from_json``,
    ``network_from_arrays``, ``network_from_torch_state_dict``); ``solution`` reuses a previous
    ``problem.solve()``.
    """
    tol = check_tol(tol)
    objective = problem.objective(network)
    if solution is None:
        solution = problem.solve(tol)
    threshold = tol * problem.zero_objective
    if objective - solution.objective_lower <= threshold:
        verdict = "optimal"
    elif solution.objective_upper <= objective - threshold:
        verdict = "not_optimal"
    else:
        verdict = "inconclusive"
    return Certification(problem, network, tol, objective, threshold, solution, verdict)
