"""The result of deciding stationarity (docs/theory.md §9; proofs/stationary.md): one neuron's
Clarke conditions, a violated dual constraint of the full problem, and the whole verdict with its
JSON form (docs/formats.md, kind ``stationary``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from exactrelu.exact.display import Summarized
from exactrelu.exact.rationals import rational_str
from exactrelu.model.alpha_form import AlphaNeuron, alpha_form_to_json
from exactrelu.model.network import Network
from exactrelu.model.network_io import network_to_float_json, network_to_json
from exactrelu.program.duality import DualBound
from exactrelu.program.problem import Problem
from exactrelu.tasks.certify import Certification

Vector = tuple[Fraction, ...]


@dataclass(frozen=True)
class NeuronStationarity:
    """The stationarity conditions of one neuron ``W1 = a v``, ``w2 = s a ρ`` (a > 0).

    ``kind``: ``"zero"`` (W1 = 0 and w2 = 0: always stationary), ``"active"`` (both nonzero) or
    ``"degenerate"`` (exactly one of them zero: never stationary).  ``face``: the nonzero rows
    with ``x̃_k·v = 0``; ``cells``: the patterns of the adjacent cells (all of them, in the order
    of ``witnesses``: an integer w with ``(2p_k − 1) x̃_k·w > 0`` on the face, so that
    ``v + εw`` lies inside the cell for small ε > 0).  ``w2_gradient``: ``λsρ − (X̃v)_+ᵀr`` (the
    derivative in w2 divided by a).  ``weights``: the Clarke multiplier, convex weights over
    ``cells`` with ``λv = sρ X̃ᵀ D_σ r``; else ``direction``: a d with
    ``max_C ⟨λv − sρ X̃ᵀ D_C r, d⟩ < 0``, a descent direction of NC in W1.
    """

    index: int
    kind: str
    face: tuple[int, ...] = ()
    cells: tuple[str, ...] = ()
    witnesses: tuple[tuple[int, ...], ...] = ()
    w2_gradient: Fraction = Fraction(0)
    weights: Vector | None = None
    direction: Vector | None = None

    @property
    def stationary(self) -> bool:
        return self.kind == "zero" or (self.w2_gradient == 0 and self.weights is not None)

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "kind": self.kind,
            "stationary": self.stationary,
            "face": list(self.face),
            "cells": list(self.cells),
            "witnesses": [[str(v) for v in w] for w in self.witnesses],
            "w2_gradient": rational_str(self.w2_gradient),
            "weights": None if self.weights is None else [rational_str(v) for v in self.weights],
            "direction": None
            if self.direction is None
            else [rational_str(v) for v in self.direction],
        }


@dataclass(frozen=True)
class ViolatedConstraint:
    """A dual constraint of the full problem violated at the residual (docs/theory.md §4, pricing).

    Block (cell ``pattern``, ``sign``): ``v = Π_K(Z_bᵀ r) = s c + A_bᵀ μ`` exactly (KKT with the
    multipliers ``mu``), ``norm2 = ‖v‖² > λ²``.  Adding the neuron ``(t v, s λ t)`` changes NC by
    ``rate·t² + O(t⁴)`` with ``rate = (λ/2)(λ² − ‖v‖²) < 0`` (stated scale).
    """

    pattern: int
    pattern_string: str
    sign: int
    direction: Vector
    mu: tuple[tuple[int, Fraction], ...]
    norm2: Fraction
    rate: Fraction
    in_subprogram: bool

    def to_json(self) -> dict[str, object]:
        return {
            "pattern": self.pattern,
            "cell": self.pattern_string,
            "sign": self.sign,
            "direction": [rational_str(v) for v in self.direction],
            "mu": {
                "rows": [k for k, _ in self.mu],
                "values": [rational_str(m) for _, m in self.mu],
            },
            "norm2": rational_str(self.norm2),
            "rate": rational_str(self.rate),
            "in_subprogram": self.in_subprogram,
        }


@dataclass(frozen=True, repr=False)
class Stationarity(Summarized):
    """Is a network a stationary point, optimal for its own cells, globally optimal?

    ``stationary``: Clarke stationarity, decided exactly.  ``subprogram``: the ``certify``
    result of the sub-sampled program over ``subprogram_patterns`` (the adjacent cells of the
    active neurons), at the dual point ``r`` when it is feasible; ``subprogram_optimal``: the
    network is an optimum of that program (exact zero gap).  ``violated``: every dual constraint
    of the full problem violated at ``r`` (complete list); ``globally_optimal``: none is violated
    and the gap ``NC − D(r)`` is exactly zero.  ``improving_network``: a network with an exactly
    smaller objective (when the network is not globally optimal and one is found).  All values
    are in the problem's scale.
    """

    problem: Problem = field(repr=False)
    network: Network | None
    alpha_form: tuple[AlphaNeuron, ...] | None
    output_bias: Fraction | None
    objective: Fraction
    residual: Vector
    neurons: tuple[NeuronStationarity, ...]
    output_bias_gradient: Fraction | None
    subprogram_patterns: tuple[str, ...]
    subprogram: Certification | None = field(repr=False)
    subprogram_optimal: bool
    violated: tuple[ViolatedConstraint, ...]
    full_dual: DualBound = field(repr=False)
    dual_value: Fraction
    globally_optimal: bool
    improving_network: Network | None
    undecided: tuple[str, ...] = ()

    @property
    def stationary(self) -> bool:
        bias_ok = self.output_bias_gradient is None or self.output_bias_gradient == 0
        return bias_ok and all(nu.stationary for nu in self.neurons)

    @property
    def status(self) -> str:
        return "undecided" if self.undecided else "exact"

    @property
    def improving_objective(self) -> Fraction | None:
        if self.improving_network is None:
            return None
        return self.problem.objective(self.improving_network)

    @property
    def claims(self) -> dict[str, str]:
        names = ["objective", "residual", "stationary", "neurons", "subprogram_optimal"]
        names += ["violated", "globally_optimal"]
        if self.improving_network is not None:
            names.append("improving_network")
        label = {name: "exact" for name in names}
        if self.undecided:
            for name in ("violated", "globally_optimal", "subprogram_optimal"):
                label[name] = "undecided"
        return label

    def _summary(self) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = [("status", self.status)]
        items += [("stationary", self.stationary), ("subprogram_optimal", self.subprogram_optimal)]
        items += [("globally_optimal", self.globally_optimal), ("objective", self.objective)]
        items.append(("violated", len(self.violated)))
        if self.improving_network is not None:
            items += [("improving_objective", self.improving_objective)]
            items += [("improving_width", self.improving_network.width)]
        return items

    def to_json(self) -> dict[str, object]:
        problem = self.problem
        improving = self.improving_network
        form = None
        if self.alpha_form is not None:
            form = {
                "neurons": alpha_form_to_json(self.alpha_form, problem.lam_sum),
                "objective": rational_str(self.objective),
            }
            if self.output_bias is not None:
                form["output_bias"] = rational_str(self.output_bias)
        return {
            "kind": "stationary",
            "version": 1,
            **problem.describe(),
            "network": None if self.network is None else network_to_json(self.network),
            "alpha_form": form,
            "objective": rational_str(self.objective),
            "residual": [rational_str(v) for v in self.residual],
            "stationary": self.stationary,
            "output_bias_gradient": None
            if self.output_bias_gradient is None
            else rational_str(self.output_bias_gradient),
            "neurons": [nu.to_json() for nu in self.neurons],
            "subprogram_patterns": list(self.subprogram_patterns),
            "subprogram": None if self.subprogram is None else self.subprogram.to_json(),
            "subprogram_optimal": self.subprogram_optimal,
            "violated": [v.to_json() for v in self.violated],
            "dual_value": rational_str(self.dual_value),
            "globally_optimal": self.globally_optimal,
            "improving_network": None if improving is None else network_to_json(improving),
            "improving_network_float": None
            if improving is None
            else network_to_float_json(improving),
            "improving_objective": None
            if improving is None
            else rational_str(self.improving_objective),
            "improving_width": None if improving is None else improving.width,
            "undecided": list(self.undecided),
            "status": self.status,
            "claims": self.claims,
            "certificate": problem.certificate_core(self.full_dual),
        }
