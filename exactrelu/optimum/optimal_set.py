"""The set of all optimal networks, exactly (docs/theory.md §5, §6, §8).

With the exact dual optimum r (rational, proved by a zero gap in α-form): the correlation vector
of every block is ``v_b = Π_{K_b}(Z_bᵀ r)``; the equicorrelation set is ``E = {b : ‖v_b‖ = λ}``.
Blocks of E with the same sign and the same v are one **neuron** (ties on shared faces), with fit
``f_ν = s (X̃ v)_+``.  Every optimal network is, up to permutation and splitting, given by
``β >= 0`` with ``Σ_ν β_ν f_ν (+ b·1) = ŷ``: a polytope whose vertices are the minimal networks
(docs/theory.md §6).  Decisions are exact:

* a block is outside E when an exact upper bound ``‖Z_bᵀr + A_bᵀμ‖ < λ`` holds (any μ >= 0);
* a block is in E when its exact projection (``exact.cones.project_onto_cone``: a face of the
  cone with multipliers μ_S >= 0, the projected point in the cone, the KKT conditions checked
  exactly; docs/theory.md §4) has norm exactly λ;
* vertices are enumerated exactly by ``cdd.gmp``; the min-norm point (the strictly convex QP
  ``min ‖β‖²`` on the polytope) is found by Wolfe's algorithm on the vertices, exactly.

Gated ReLU (``model="gated"``): blocks are patterns b (one sign), unconstrained, so
``v_b = X̃ᵀ D_b r`` (no projection) and ``E = {b : ‖v_b‖² = λ²}`` is decided exactly; every
block of E is its own neuron (a gated neuron is its gate pattern plus its weight, so there are no
face ties) with fit ``D_b X̃ v_b`` and the cell's exact witness as its gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.display import Summarized
from exactrelu.exact.rationals import rational_str
from exactrelu.model.alpha_form import AlphaNeuron, alpha_form_network, alpha_form_to_json
from exactrelu.model.network import Network
from exactrelu.model.network_io import network_to_float_json, network_to_json
from exactrelu.optimum.functions import FunctionSet, function_map, function_set
from exactrelu.optimum.mirror_ties import (
    MirrorStructure,
    proposes_mirror_ties,
    verify_mirror_ties,
)
from exactrelu.optimum.neuron_polytope import min_norm_point, polytope_vertices
from exactrelu.optimum.undecided_report import (
    mirror_tie_reason,
    numeric_structure,
    undecided_reason,
)
from exactrelu.optimum.verified import Verification, VerifiedStructure, verify
from exactrelu.program.exact_optimum import (
    exact_gate,
    gated_alpha_form_to_json,
    gated_alpha_network,
)
from exactrelu.program.problem import Problem, Solution

MAX_NETWORKS = 10_000  # minimal networks written out by default
COUNT_LIMIT = 10**6  # beyond this many vertices the count is reported as a lower bound


@dataclass(frozen=True)
class OptimalNeuron:
    """A neuron of the optimal set: direction v (‖v‖ = λ), sign, face rows, its cells, its fit."""

    direction: tuple[Fraction, ...]
    sign: int
    face: tuple[int, ...]
    cells: tuple[int, ...]
    fit: tuple[Fraction, ...]
    gate: tuple[Fraction, ...] | None = None  # gated: an exact gate of the neuron's pattern


@dataclass(frozen=True, repr=False)
class OptimalSet(Summarized):
    """All optimal networks of a problem (exact when ``status == "exact"``).

    ``vertices``: the minimal networks, each a dict neuron index -> β > 0 (vertices of the
    neuron-merged polytope); ``min_norm``: the point of the polytope with the least ‖β‖.
    """

    problem: Problem = field(repr=False)
    solution: Solution = field(repr=False)
    status: str
    residual: tuple[Fraction, ...]
    fit: tuple[Fraction, ...]
    neurons: tuple[OptimalNeuron, ...]
    vertices: tuple[dict[int, Fraction], ...]
    min_norm: dict[int, Fraction]
    undecided_blocks: tuple[tuple[int, int], ...] = ()
    max_networks: int = MAX_NETWORKS

    @property
    def decided(self) -> bool:
        return self.status == "exact"

    @cached_property
    def functions(self) -> FunctionSet | None:
        """The optimal functions on R^d (proofs/functions.md); None when E is undecided."""
        if not self.decided:
            return None
        problem = self.problem
        gmap = function_map(
            self.neurons,
            problem.dataset.d,
            problem.bias,
            problem.output_bias,
            self.fit,
            problem.model,
        )
        return function_set(gmap, self.vertices)

    @property
    def unique_function(self) -> bool | None:
        """Every optimal network computes the same function on all of R^d (None: unknown)."""
        return None if self.functions is None else self.functions.unique

    @property
    def count_is_lower_bound(self) -> bool:
        return len(self.vertices) > COUNT_LIMIT

    @property
    def listed_vertices(self) -> tuple[dict[int, Fraction], ...]:
        """The minimal networks written out: the first ``max_networks`` vertices."""
        return self.vertices[: self.max_networks]

    @property
    def used_neurons(self) -> tuple[int, ...]:
        """S at the neuron level: neurons with β > 0 in some optimal network."""
        return tuple(sorted({i for vertex in self.vertices for i in vertex}))

    @property
    def unique_network(self) -> bool:
        """One optimal network up to permutation and splitting (the polytope is a point)."""
        return len(self.vertices) == 1

    @property
    def count_minimal_convex(self) -> int:
        """Vertices of the block-level polytope: each neuron's weight on one of its cells."""
        total = 0
        for vertex in self.vertices:
            product = 1
            for i in vertex:
                product *= len(self.neurons[i].cells)
            total += product
        return total

    @property
    def unique_convex(self) -> bool:
        return self.count_minimal_convex == 1

    @property
    def min_width(self) -> int:
        """m*: the fewest neurons of any optimal network (the smallest vertex support)."""
        return min(len(v) for v in self.vertices)

    @property
    def same_size(self) -> bool:
        return len({len(v) for v in self.vertices}) == 1

    def alpha_form(self, weights: dict[int, Fraction]) -> list[AlphaNeuron]:
        return [
            AlphaNeuron(self.neurons[i].direction, self.neurons[i].sign, beta)
            for i, beta in sorted(weights.items())
        ]

    @property
    def gated(self) -> bool:
        return self.problem.model == "gated"

    def _gates(self, weights: dict[int, Fraction]) -> list[tuple[Fraction, ...]]:
        return [self.neurons[i].gate for i in sorted(weights)]

    def alpha_form_json(self, weights: dict[int, Fraction]) -> list[dict]:
        lam = self.problem.lam_sum
        if self.gated:
            return gated_alpha_form_to_json(self.alpha_form(weights), self._gates(weights), lam)
        return alpha_form_to_json(self.alpha_form(weights), lam)

    def network(self, weights: dict[int, Fraction]) -> Network:
        """The rational network of a point of the polytope (rational scales, exact excess)."""
        if self.gated:
            return gated_alpha_network(
                self.alpha_form(weights),
                self._gates(weights),
                self.problem.lam_sum,
                self.problem.bias,
                self._output_bias(weights),
            )
        return alpha_form_network(
            self.alpha_form(weights),
            self.problem.lam_sum,
            bias=self.problem.bias,
            output_bias=self._output_bias(weights),
        )

    def _output_bias(self, weights: dict[int, Fraction]) -> Fraction | None:
        if not self.problem.output_bias:
            return None
        fit = [
            sum((b * self.neurons[i].fit[k] for i, b in weights.items()), Fraction(0))
            for k in range(len(self.fit))
        ]
        return self.fit[0] - fit[0]

    def _summary(self) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = [("status", self.status)]
        if self.solution.optimum is not None:
            items.append(("optimum", self.solution.optimum))
        items += [("neurons", len(self.neurons)), ("minimal_networks", len(self.vertices))]
        items += [("unique_network", self.unique_network), ("min_width", self.min_width)]
        if self.undecided_blocks:
            items.append(("undecided_blocks", len(self.undecided_blocks)))
        return items

    def to_json(self) -> dict[str, object]:
        from exactrelu.optimum.optimal_set_certificate import optimal_set_certificate

        def point(weights):
            net = self.network(weights)
            return {
                "neurons": sorted(weights),
                "alpha_form": self.alpha_form_json(weights),
                "network": network_to_json(net),
                "network_float": network_to_float_json(net),
                "network_objective": rational_str(self.problem.objective(net)),
            }

        head = {
            "kind": "optimal_set",
            "version": 1,
            **self.problem.describe(),
            "status": self.status,
        }
        base = {
            "optimum": None
            if self.solution.optimum is None
            else rational_str(self.solution.optimum),
            "residual": [rational_str(v) for v in self.residual],
            "fit": [rational_str(v) for v in self.fit],
        }
        if not self.decided:  # E is not known: no claim about the set (docs/formats.md)
            return {
                **head,
                "claims": {name: "exact" for name in ("optimum", "residual", "fit")},
                "reason": undecided_reason(self.problem, self.undecided_blocks),
                **base,
                "objective_lower": rational_str(self.solution.objective_lower),
                "objective_upper": rational_str(self.solution.objective_upper),
                **_UNKNOWN,
                "undecided_blocks": [list(b) for b in self.undecided_blocks],
                "numeric": numeric_structure(self.problem, self.solution),
                "certificate": optimal_set_certificate(self),
            }
        functions = self.functions
        return {
            **head,
            "claims": {
                name: self.status
                for name in (
                    "optimum",
                    "residual",
                    "neurons",
                    "unique_network",
                    "unique_function",
                    "functions",
                    "unique_convex",
                    "minimal_networks",
                    "count_minimal_networks",
                    "count_minimal_convex",
                    "min_width",
                    "min_norm_network",
                )
            },
            **base,
            "neurons": [
                {
                    "direction": [rational_str(v) for v in nu.direction],
                    "sign": nu.sign,
                    "face": list(nu.face),
                    "cells": list(nu.cells),
                    **({} if nu.gate is None else {"gate": [rational_str(v) for v in nu.gate]}),
                }
                for nu in self.neurons
            ],
            "used_neurons": list(self.used_neurons),
            "unique_network": self.unique_network,
            "unique_function": functions.unique,
            "functions": functions.to_json(),
            "unique_convex": self.unique_convex,
            "max_networks": self.max_networks,
            "minimal_networks": [point(v) for v in self.listed_vertices],
            "count_minimal_networks": len(self.vertices),
            "count_minimal_networks_is_lower_bound": self.count_is_lower_bound,
            "count_minimal_convex": self.count_minimal_convex,
            "min_width": self.min_width,
            "same_size": self.same_size,
            "min_norm_network": point(self.min_norm),
            "undecided_blocks": [],
            "certificate": optimal_set_certificate(self),
        }


# The set-level fields of an undecided file: unknown, so null (never 0 or false).
_UNKNOWN: dict[str, object] = {
    "neurons": None,
    "used_neurons": None,
    "unique_network": None,
    "unique_function": None,
    "functions": None,
    "unique_convex": None,
    "minimal_networks": [],
    "count_minimal_networks": None,
    "count_minimal_networks_is_lower_bound": None,
    "count_minimal_convex": None,
    "min_width": None,
    "same_size": None,
    "min_norm_network": None,
}


def optimal_set(
    problem: Problem, solution: Solution | None = None, max_networks: int = MAX_NETWORKS
) -> OptimalSet:
    """Compute the optimal set of ``problem`` (docs/theory.md §5–§6).

    Exact when the dual optimum is rational (``solution.optimum`` is not None); blocks whose
    membership in E the exact projection cannot decide are listed (status ``"undecided"``).
    When the optimum is irrational, the structure is proved in ball arithmetic
    (:class:`VerifiedOptimalSet`, status ``"verified"``) or reported ``"undecided"`` with the
    checks that could not be decided.  ``max_networks``: at most this many minimal networks are
    written out by ``to_json`` (all are counted).
    """
    if type(max_networks) is not int or max_networks < 0:
        raise ExactReluInputError(f"max_networks must be an integer >= 0, got {max_networks!r}")
    solution = solution or problem.solve()
    exact = solution.exact_optimum
    if exact is None:
        return VerifiedOptimalSet(
            problem, solution, _verify(problem, solution, max_networks), max_networks
        )
    r = list(exact.residual)
    y = list(problem.dataset.y)
    if problem.model == "gated":
        neurons, undecided = _gated_neurons(problem, r)
    else:
        neurons, undecided = _equicorrelation_neurons(problem, solution, r)
    fit = tuple(a - b for a, b in zip(y, r, strict=True))
    vertices = polytope_vertices(neurons, fit, problem.output_bias)
    min_norm = min_norm_point(vertices, len(neurons))
    status = "undecided" if undecided else "exact"
    return OptimalSet(
        problem,
        solution,
        status,
        tuple(r),
        fit,
        tuple(neurons),
        tuple(vertices),
        min_norm,
        tuple(undecided),
        max_networks,
    )


def _verify(problem: Problem, solution: Solution, max_networks: int) -> Verification:
    """The verified route (independent fits), then, when the float solution proposes it
    (``X̃ᵀr ≈ 0``), the route with mirror ties (:mod:`exactrelu.optimum.mirror_ties`)."""
    verification = verify(problem, solution)
    if verification.status == "verified" or not proposes_mirror_ties(problem, solution.numeric):
        return verification
    mirrored = verify_mirror_ties(problem, solution, max_networks=max(max_networks, 1))
    if mirrored.status == "verified":
        return mirrored
    failures = tuple(f"with mirror ties: {f}" for f in mirrored.failures)
    return Verification(verification.status, verification.failures + failures)


@dataclass(frozen=True, repr=False)
class VerifiedOptimalSet(Summarized):
    """The optimal set when the optimum is irrational (docs/theory.md §7, "verified").

    A verified structure has independent neuron fits, so the optimal network is unique up to
    permutation and splitting: one minimal network, whose weights are certified enclosures.
    Otherwise ``status`` is ``"undecided"`` and ``failures`` says what could not be decided.
    """

    problem: Problem = field(repr=False)
    solution: Solution | None = field(repr=False)  # None when proved by continuation (path.py)
    verification: Verification
    max_networks: int = MAX_NETWORKS

    @property
    def status(self) -> str:
        return "verified" if self.verification.status == "verified" else "undecided"

    @property
    def structure(self) -> VerifiedStructure | None:
        return self.verification.structure

    @property
    def neurons(self) -> tuple:
        return self.structure.neurons if self.structure else ()

    @property
    def mirror_ties(self) -> bool:
        """The set was proved with mirror ties (E holds the neurons' mirrors too)."""
        return isinstance(self.structure, MirrorStructure)

    @property
    def vertices(self) -> tuple[dict, ...]:
        if self.structure is None or self.mirror_ties:
            return ()
        return ({i: nu.alpha for i, nu in enumerate(self.neurons)},)

    @property
    def unique_network(self) -> bool | None:
        return self.structure.unique_network if self.structure else None

    @property
    def unique_function(self) -> bool | None:
        """Every optimal network computes the same function on R^d (None: unknown, or not
        stated by the structure).  A structure with independent fits has one network."""
        if self.structure is None:
            return None
        stated = getattr(self.structure, "unique_function", None)
        if stated is not None:
            return stated
        return True if self.structure.unique_network is True else None

    @property
    def count_minimal_convex(self) -> int | None:
        if self.mirror_ties:
            return None
        product = 1
        for nu in self.neurons:
            product *= len(nu.cells)
        return product if self.structure else 0

    @property
    def min_width(self) -> int | None:
        if self.mirror_ties:
            return self.structure.min_width
        return len(self.neurons) if self.structure else None

    def _summary(self) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = [("status", self.status)]
        structure = self.structure
        if structure is None:
            return items + [("failures", len(self.verification.failures))]
        items += [("optimum", structure.optimum), ("neurons", len(self.neurons))]
        return items + [("unique_network", self.unique_network), ("min_width", self.min_width)]

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": "optimal_set", "version": 1, **self.problem.describe()}
        if self.structure is None:
            solution = self.solution
            out.update(
                {
                    "status": "undecided",
                    "claims": {},
                    "reason": mirror_tie_reason(self.problem, solution, self.verification.failures),
                    "failures": list(self.verification.failures),
                    "optimum": None,
                    "objective_lower": None
                    if solution is None
                    else rational_str(solution.objective_lower),
                    "objective_upper": None
                    if solution is None
                    else rational_str(solution.objective_upper),
                    **_UNKNOWN,
                    "numeric": numeric_structure(self.problem, solution),
                    # the solve's certificate: the checker verifies the bracket from it
                    "solve": None if solution is None else solution.to_json(),
                }
            )
            return out
        out.update(self.structure.to_json())
        # The program's pattern list with its completeness certificate (as in every exact file):
        # the checker needs it to know that the blocks bounded below λ are all the blocks.
        out["certificate"] = {**out["certificate"], **self.problem.pattern_core()}
        if self.mirror_ties:
            out["count_minimal_convex"] = None
            out["same_size"] = True if self.structure.complete else None
            return out
        out.update(
            {
                "count_minimal_networks": 1,
                "count_minimal_convex": self.count_minimal_convex,
                "min_width": self.min_width,
                "same_size": True,
            }
        )
        return out


def _equicorrelation_neurons(problem: Problem, solution: Solution, r):
    """E grouped into neurons, and the blocks whose membership could not be decided."""
    lam2 = problem.lam_sum**2
    rows = problem.rows
    blocks = problem.blocks
    bounded = solution.exact_optimum.dual.bounded
    groups: dict[tuple, list[int]] = {}
    undecided = []
    for i in range(len(blocks.patterns)):
        pattern = blocks.patterns[i]
        plain = [
            sum((r[k] * rows[k][j] for k in range(len(rows)) if pattern[k]), Fraction(0))
            for j in range(len(rows[0]))
        ]
        for sign in blocks.signs:
            c = [sign * v for v in plain]
            bound = bounded.get((i, sign), tuple(c))
            if sum((v * v for v in bound), Fraction(0)) < lam2:
                continue  # ‖Π(c)‖ <= ‖c + Aᵀμ‖ < λ
            try:
                found = blocks.project(i, rows, c)
            except ArithmeticError:  # the exact active-set method's safeguard
                undecided.append((i, sign))
                continue
            if found.norm2 == lam2:
                groups.setdefault((sign, found.projection), []).append(i)
    neurons = []
    for (sign, v), cells in groups.items():
        values = [sum((a * b for a, b in zip(row, v, strict=True)), Fraction(0)) for row in rows]
        face = tuple(k for k, t in enumerate(values) if t == 0 and any(rows[k]))
        fit = tuple(sign * max(t, Fraction(0)) for t in values)
        neurons.append(OptimalNeuron(v, sign, face, tuple(cells), fit))
    return neurons, undecided


def _gated_neurons(problem: Problem, r):
    """Gated E: ``v_b = X̃ᵀ D_b r`` unprojected, in E iff ``‖v_b‖² = λ²`` exactly; one neuron
    per block (its pattern and gate).  A block of E without an exact gate of its pattern (a
    sampled float gate whose exact pattern differs) is undecided."""
    lam2 = problem.lam_sum**2
    rows, blocks = problem.rows, problem.blocks
    neurons, undecided = [], []
    for i, pattern in enumerate(blocks.patterns):
        v = tuple(
            sum((r[k] * rows[k][j] for k in range(len(rows)) if pattern[k]), Fraction(0))
            for j in range(len(rows[0]))
        )
        if sum((t * t for t in v), Fraction(0)) != lam2:
            continue
        gate = exact_gate(rows, blocks, i)
        if gate is None:
            undecided.append((i, 1))
            continue
        fit = tuple(
            sum((a * b for a, b in zip(row, v, strict=True)), Fraction(0))
            if pattern[k]
            else Fraction(0)
            for k, row in enumerate(rows)
        )
        neurons.append(OptimalNeuron(v, 1, (), (i,), fit, gate))
    return neurons, undecided
