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

import cdd
import cdd.gmp
import numpy as np

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.display import Summarized
from exactrelu.exact.rationals import fmpq_matrix, fraction_of, rational_str
from exactrelu.model.alpha_form import AlphaNeuron, alpha_form_network, alpha_form_to_json
from exactrelu.model.network import Network
from exactrelu.model.network_io import network_to_float_json, network_to_json
from exactrelu.optimum.functions import FunctionSet, function_map, function_set
from exactrelu.optimum.mirror_ties import (
    MirrorStructure,
    proposes_mirror_ties,
    verify_mirror_ties,
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
                "reason": _undecided_reason(self.problem, self.undecided_blocks),
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


def _undecided_reason(problem: Problem, blocks) -> str:
    """Plain words for an exact optimum whose equicorrelation set E is not decided."""
    shown = ", ".join(f"(pattern {i}, sign {s})" for i, s in list(blocks)[:5])
    more = "" if len(blocks) <= 5 else f" and {len(blocks) - 5} more"
    if problem.model == "gated":
        return (
            f"the dual optimum is exact, but blocks {shown}{more} at the dual bound λ have no "
            "exact gate of their pattern (a sampled float gate whose exact pattern differs), so "
            "E and the polytope of optimal networks are not known"
        )
    return (
        f"the dual optimum is exact, but the exact projection could not decide whether blocks "
        f"{shown}{more} reach λ (the active-set method's safeguard), so E and the polytope of "
        "optimal networks are not known"
    )


def numeric_structure(problem: Problem, solution: Solution | None) -> dict[str, object] | None:
    """The float solution's structure, labelled numeric (nothing here is certified): its
    neurons (sign, direction, α, active and face rows, a cell), the mirror pairs among them
    (directions ≈ opposite, same sign), ‖X̃ᵀr‖ relative to λ, and an estimate of the optimal
    polytope's dimension (the nullity of the neurons' float fits, centred with an output bias,
    at a tolerance ``1e-8·max‖f‖``)."""
    if solution is None:
        return None
    found = solution.numeric
    rows = problem.rows_float
    r = np.asarray(found.residual, dtype=float)
    lam = float(problem.lam_sum)
    directions = np.asarray(found.directions, dtype=float).reshape(len(found.neurons), -1)
    neurons = []
    fits = []
    for i, nu in enumerate(found.neurons):
        v = directions[i]
        neurons.append(
            {
                "sign": int(nu.sign),
                "direction": [float(t) for t in v],
                "alpha": float(found.alpha[i]),
                "active": [int(k) for k in np.flatnonzero(np.asarray(nu.active))],
                "face": [int(k) for k in np.asarray(nu.face)],
                "cell": int(found.cells[i]),
            }
        )
        values = rows @ v
        if problem.model == "gated":  # the block's pattern gates the rows
            fit = np.where(np.asarray(nu.active, dtype=bool), values, 0.0)
        else:
            fit = nu.sign * np.maximum(values, 0)
        fits.append(fit)
    pairs = []
    for i in range(len(neurons)):
        for j in range(i + 1, len(neurons)):
            same = found.neurons[i].sign == found.neurons[j].sign
            if same and np.linalg.norm(directions[i] + directions[j]) <= 1e-6 * lam:
                pairs.append([i, j])
    dimension = None
    if fits:
        F = np.array(fits).T
        if problem.output_bias:
            F = F - F.mean(axis=0)
        scale = max(float(np.abs(F).max()), 1e-300)
        rank = int(np.linalg.matrix_rank(F, tol=1e-8 * scale * max(F.shape)))
        dimension = len(fits) - rank
    g = rows.T @ r
    return {
        "label": "numeric",
        "objective_estimate": float(solution.objective_upper),
        "neurons": neurons,
        "mirror_pairs": pairs,
        "xtr_over_lam": float(np.linalg.norm(g)) / lam,
        "polytope_dimension_estimate": dimension,
    }


def mirror_tie_reason(problem: Problem, solution: Solution | None, failures) -> str:
    """Plain words for a verified-route undecided outcome (from the float structure and the
    checks that failed)."""
    first = "; ".join(list(failures)[:3]) or "no reason recorded"
    numeric = numeric_structure(problem, solution)
    if numeric and numeric["mirror_pairs"] and numeric["xtr_over_lam"] <= 1e-6:
        return (
            f"X̃ᵀr ≈ 0 (‖X̃ᵀr‖/λ ≈ {numeric['xtr_over_lam']:.1e}): the neurons' mirrors tie at λ "
            f"(mirror ties, {len(numeric['mirror_pairs'])} pairs in the float solution), so the "
            "fits are dependent and the structure could not be proved; failed checks: " + first
        )
    if numeric and numeric["polytope_dimension_estimate"]:
        return (
            "the float solution's neuron fits look linearly dependent (estimated polytope "
            f"dimension {numeric['polytope_dimension_estimate']}), so the optimum is not "
            "isolated and the structure could not be proved; failed checks: " + first
        )
    return "the structure of the irrational optimum could not be proved: " + first


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
    vertices = _vertices(neurons, fit, problem.output_bias)
    min_norm = _min_norm(vertices, len(neurons))
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


def polytope_rows(neurons, fit, output_bias: bool) -> tuple[list[list[Fraction]], list[Fraction]]:
    """The optimal polytope ``{β >= 0 : Σ_ν β_ν f_ν (+ b) = ŷ}`` (docs/theory.md §5–§6) as rows of
    its equations: ``(F, target)`` with ``F[k][ν] = f_ν[k]`` (the fit of ``neurons[ν]`` at row k)
    and ``target[k] = ŷ_k``, so that the polytope is ``{β >= 0 : F β = target}``.  With an output
    bias the free b is eliminated by centring both sides (every column and the target minus its
    mean over the rows); b is then ``mean(ŷ) − Σ_ν β_ν mean(f_ν)``."""
    n = len(fit)
    F = [[nu.fit[k] for nu in neurons] for k in range(n)]
    target = list(fit)
    if output_bias:
        mean_F = [sum((F[k][j] for k in range(n)), Fraction(0)) / n for j in range(len(neurons))]
        mean_y = sum(target, Fraction(0)) / n
        F = [[F[k][j] - mean_F[j] for j in range(len(neurons))] for k in range(n)]
        target = [t - mean_y for t in target]
    return F, target


def _vertices(neurons, fit, output_bias) -> list[dict[int, Fraction]]:
    """All vertices of ``{β >= 0 : Σ β_ν f_ν = ŷ}`` (exact, cdd.gmp)."""
    F, target = polytope_rows(neurons, fit, output_bias)
    p = len(neurons)
    if all(t == 0 for t in target):
        return [{}]
    rows = [[-t] + F[k] for k, t in enumerate(target)]
    rows += [[0] + [1 if j == i else 0 for j in range(p)] for i in range(p)]
    matrix = cdd.gmp.matrix_from_array(
        rows, lin_set=range(len(target)), rep_type=cdd.RepType.INEQUALITY
    )
    generators = cdd.gmp.copy_generators(cdd.gmp.polyhedron_from_matrix(matrix))
    out = []
    for row in generators.array:
        if row[0] == 1:
            out.append({j: Fraction(v) for j, v in enumerate(row[1:]) if v != 0})
    return sorted(out, key=lambda v: (len(v), sorted(v.items())))


def _min_norm(vertices: list[dict[int, Fraction]], p: int) -> dict[int, Fraction]:
    """argmin ‖β‖² on the polytope = the min-norm point of the convex hull of its vertices,
    by Wolfe's algorithm (1976) in exact arithmetic: finite, and optimal when
    ``x·x <= x·v`` for every vertex v."""
    points = [[v.get(j, Fraction(0)) for j in range(p)] for v in vertices]

    def dot(a, b):
        return sum((s * t for s, t in zip(a, b, strict=True)), Fraction(0))

    corral = [min(range(len(points)), key=lambda i: dot(points[i], points[i]))]
    weights = [Fraction(1)]
    x = points[corral[0]]
    while True:
        j = min(range(len(points)), key=lambda i: dot(x, points[i]))
        if dot(x, x) <= dot(x, points[j]) or j in corral:
            return {i: v for i, v in enumerate(x) if v != 0}
        corral.append(j)
        weights.append(Fraction(0))
        while True:  # minor cycle: the affine min-norm point of the corral
            mu = _affine_min_norm([points[i] for i in corral])
            if all(m > 0 for m in mu):
                weights = mu
                break
            theta = min(w / (w - m) for w, m in zip(weights, mu, strict=True) if m <= 0)
            weights = [(1 - theta) * w + theta * m for w, m in zip(weights, mu, strict=True)]
            kept = [t for t, w in enumerate(weights) if w > 0]
            corral = [corral[t] for t in kept]
            weights = [weights[t] for t in kept]
        x = [
            sum((w * points[i][k] for w, i in zip(weights, corral, strict=True)), Fraction(0))
            for k in range(p)
        ]


def _affine_min_norm(points: list[list[Fraction]]) -> list[Fraction]:
    """Weights μ (Σμ = 1) of the min-norm point of the affine hull of affinely independent
    points: ``[[PPᵀ, 1], [1ᵀ, 0]] (μ, −ν) = (0, 1)``."""
    q = len(points)
    gram = [
        [
            sum((a * b for a, b in zip(points[i], points[j], strict=True)), Fraction(0))
            for j in range(q)
        ]
        + [Fraction(1)]
        for i in range(q)
    ]
    system = fmpq_matrix(gram + [[Fraction(1)] * q + [Fraction(0)]])
    rhs = fmpq_matrix([[Fraction(0)]] * q + [[Fraction(1)]])
    solution = system.solve(rhs)
    return [fraction_of(solution[i, 0]) for i in range(q)]
