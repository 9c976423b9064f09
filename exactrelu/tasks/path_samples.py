"""Samples of the regularization path: the certified optimum at one λ and its structure
(docs/theory.md §5 for E and S, §7 for verified optima, §8 for the path).

Each grid point, and each bisection midpoint, is certified (:class:`Sampler`): first by
continuation (the neighbour's neurons, Newton-polished at the new λ and proved the optimum's by
:func:`exactrelu.optimum.verified.verify_neurons`, :func:`continue_point`), otherwise by a
column-generation solve followed by its exact or verified optimal set
(:func:`exactrelu.optimum.optimal_set.optimal_set`, :func:`solve_point`).  The structure of a
sample (:class:`PathPoint`) is E as neurons (sign, active rows, face rows) with S marked, read from
the exact or verified optimal set, with uniqueness and neuron-level LICQ/SCS
(:mod:`exactrelu.optimum.conditions`); a sample whose optimal set is undecided keeps the solver's
float structure (``"numeric"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import rational_str
from exactrelu.optimum.conditions import check_conditions
from exactrelu.optimum.mirror_ties import MirrorStructure
from exactrelu.optimum.optimal_set import OptimalSet, VerifiedOptimalSet, optimal_set
from exactrelu.optimum.verified import Verification, verify_neurons
from exactrelu.program.problem import Problem, Solution
from exactrelu.program.reduced_kkt import Neuron


@dataclass(frozen=True)
class PathNeuron:
    """A neuron of E at one λ (docs/theory.md §5): sign, rows with ``x̃_k·v > 0`` (``active``), rows
    with ``x̃_k·v = 0`` and ``x̃_k ≠ 0`` (``face``), whether it is in S (``used``: positive in some
    optimal solution), and its convex weight ``u = β v`` in the min-norm optimal network (floats,
    for plots and jump sizes; zero when unused)."""

    sign: int
    active: tuple[int, ...]
    face: tuple[int, ...]
    used: bool
    weight: tuple[float, ...]

    @property
    def key(self) -> tuple:
        return (self.sign, self.active, self.face, self.used)

    @property
    def norm(self) -> float:
        return float(np.linalg.norm(self.weight))

    def to_json(self) -> dict[str, object]:
        return {
            "sign": self.sign,
            "active": list(self.active),
            "face": list(self.face),
            "used": self.used,
            "min_norm_weight": list(self.weight),
        }


@dataclass(frozen=True)
class _FloatState:
    """A float point of the reduced KKT system with its neurons: the start of a continuation."""

    neurons: list[Neuron]
    residual: np.ndarray
    alpha: np.ndarray
    output_bias: float | None


@dataclass(frozen=True)
class PathPoint:
    """The certified optimum at one λ and its structure (docs/theory.md §5, §8).

    ``status``: ``"exact"`` (rational optimum, exact optimal set), ``"verified"`` (structure
    proved in ball arithmetic, unique network) or ``"numeric"`` (the optimal set could not be
    decided: the structure is the float solver's, the objective bounds are still exact).
    ``source``: ``"solve"`` (column generation) or ``"continuation"`` (the neighbour's structure,
    Newton-polished at this λ and proved by :func:`exactrelu.optimum.verified.verify_neurons`).
    """

    lam: Fraction
    status: str
    source: str
    objective_lower: Fraction
    objective_upper: Fraction
    neurons: tuple[PathNeuron, ...]
    unique_network: bool | None
    fit_norm: float
    conditions: dict | None = field(default=None, repr=False)
    state: _FloatState | None = field(default=None, repr=False)
    solution: Solution | None = field(default=None, repr=False)
    optimal_set: OptimalSet | VerifiedOptimalSet | None = field(default=None, repr=False)

    @property
    def gap(self) -> Fraction:
        return self.objective_upper - self.objective_lower

    @cached_property
    def structure(self) -> frozenset:
        """The neurons of E as (sign, active rows, face rows, in S)."""
        return frozenset(nu.key for nu in self.neurons)

    def neuron_norms(self) -> dict[tuple, float]:
        """``‖u_ν‖`` of the min-norm network per neuron, keyed by (sign, active rows)."""
        out: dict[tuple, float] = {}
        for nu in self.neurons:
            out[(nu.sign, nu.active)] = out.get((nu.sign, nu.active), 0.0) + nu.norm
        return out

    @property
    def label(self) -> str:
        """The status the path file states (proofs/path.md, R4): a verified sample whose optimal
        network is not proved unique (mirror ties) has a certificate that does not list the
        structure neuron by neuron, so only its bounds are claimed: ``numeric``."""
        if self.status == "verified" and self.unique_network is not True:
            return "numeric"
        return self.status

    def certificate(self) -> dict[str, object]:
        """The point's certificate for the independent checker: its exact or verified optimal
        set (kind ``optimal_set``), or the solve's certificate (kind ``solve``) when the optimal
        set is undecided."""
        if self.optimal_set is not None:
            return self.optimal_set.to_json()
        return self.solution.to_json()

    def to_json(self) -> dict[str, object]:
        return {
            "lam": rational_str(self.lam),
            "status": self.label,
            "source": self.source,
            "objective_lower": rational_str(self.objective_lower),
            "objective_upper": rational_str(self.objective_upper),
            "gap": rational_str(self.gap),
            "E": len(self.neurons),
            "S": sum(nu.used for nu in self.neurons),
            "unique_network": None if self.label == "numeric" else self.unique_network,
            "neurons": [nu.to_json() for nu in sorted(self.neurons, key=lambda nu: nu.key)],
            "conditions": self.conditions,
            "certificate": self.certificate(),
        }


def _signs_of(rows, direction) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Exact active rows and face rows of a rational direction."""
    active, face = [], []
    for k, row in enumerate(rows):
        if not any(row):
            continue
        value = sum((a * b for a, b in zip(row, direction, strict=True)), Fraction(0))
        if value > 0:
            active.append(k)
        elif value == 0:
            face.append(k)
    return tuple(active), tuple(face)


def _exact_point(lam, solution, found: OptimalSet, state) -> PathPoint:
    rows = found.problem.rows
    used = {i for vertex in found.vertices for i in vertex}
    neurons = []
    for i, nu in enumerate(found.neurons):
        active, face = _signs_of(rows, nu.direction)
        beta = found.min_norm.get(i, Fraction(0))
        weight = tuple(float(beta * v) for v in nu.direction)
        neurons.append(PathNeuron(nu.sign, active, face, i in used, weight))
    # the exact optimum when known: the optimal set's certificate states it (proofs/path.md)
    lower = upper = found.solution.optimum if found.solution.optimum is not None else None
    if lower is None:
        lower, upper = solution.objective_lower, solution.objective_upper
    return PathPoint(
        lam,
        "exact",
        "solve",
        lower,
        upper,
        tuple(neurons),
        found.unique_network,
        float(np.linalg.norm([float(v) for v in found.fit])),
        _conditions_json(found),
        state,
        solution,
        found,
    )


def _verified_point(lam, problem, structure, source, state, solution=None) -> PathPoint:
    if isinstance(structure, MirrorStructure):
        neurons = _mirror_neurons(structure)
    else:
        neurons = tuple(
            PathNeuron(
                nu.sign,
                tuple(nu.active),
                tuple(nu.face),
                True,
                tuple(float(nu.alpha) * float(v) for v in nu.direction),
            )
            for nu in structure.neurons
        )
    # the ends of the certified enclosure, which the optimal set's certificate states
    lower, upper = structure.optimum.lower, structure.optimum.upper
    fit = problem.y_float - np.array([float(b) for b in structure.residual])
    verified_set = VerifiedOptimalSet(problem, solution, Verification("verified", (), structure))
    return PathPoint(
        lam,
        "verified",
        source,
        lower,
        upper,
        neurons,
        verified_set.unique_network,  # the certificate's (False with mirror ties)
        float(np.linalg.norm(fit)),
        _conditions_json(verified_set),
        state,
        solution,
        verified_set,
    )


def _mirror_neurons(structure: MirrorStructure) -> tuple[PathNeuron, ...]:
    """E with mirror ties: every neuron and its mirror, each in S when some listed minimal
    network uses it; the weights are those of the first minimal network (floats, for plots:
    the min-norm point of a verified non-unique set is not computed)."""
    first = {
        (i, m): float(b.mid()) for i, m, b in structure.weights(structure.polytope.vertices[0])
    }
    used = {
        (i, m) for vertex in structure.polytope.vertices for i, m, _ in structure.weights(vertex)
    }
    out = []
    for i, nu in enumerate(structure.neurons):
        for mirror in (False, True):
            active = structure.mirror_active[i] if mirror else tuple(nu.active)
            sign = -1.0 if mirror else 1.0
            beta = first.get((i, mirror), 0.0)
            weight = tuple(beta * sign * float(v) for v in nu.direction)
            out.append(
                PathNeuron(nu.sign, tuple(active), tuple(nu.face), (i, mirror) in used, weight)
            )
    return tuple(out)


def _numeric_point(lam, solution: Solution) -> PathPoint:
    found = solution.numeric
    neurons = []
    for nu, a, v in zip(found.neurons, found.alpha, found.directions, strict=True):
        face = tuple(sorted(int(k) for k in nu.face))
        active = tuple(int(k) for k in np.nonzero(nu.active)[0] if k not in face)
        weight = tuple(float(a) * float(t) for t in v)
        neurons.append(PathNeuron(int(nu.sign), active, face, True, weight))
    return PathPoint(
        lam,
        "numeric",
        "solve",
        solution.objective_lower,
        solution.objective_upper,
        tuple(neurons),
        None,
        float(np.linalg.norm(solution.problem.y_float - found.residual)),
        None,
        _state_of_solution(solution),
        solution,
    )


def _conditions_json(found) -> dict | None:
    """Neuron-level LICQ and SCS (:mod:`exactrelu.optimum.conditions`): verdicts, their status and
    the
    reasons of failures."""
    try:
        conditions = check_conditions(found).to_json()
    except ExactReluInputError as error:
        return {"status": "undecided", "failures": [str(error)]}
    keys = ("status", "claims", "licq", "scs", "failures")
    return {key: conditions[key] for key in keys if key in conditions}


def _state_of_solution(solution: Solution) -> _FloatState | None:
    found = solution.numeric
    if not found.polished or not found.neurons:
        return None
    return _FloatState(list(found.neurons), found.residual, found.alpha, found.output_bias)


def _state_of_structure(neurons: list[Neuron], structure) -> _FloatState:
    return _FloatState(
        neurons,
        np.array([float(b) for b in structure.residual]),
        np.array([float(nu.alpha) for nu in structure.neurons]),
        None if structure.output_bias is None else float(structure.output_bias),
    )


def solve_point(problem: Problem, tol=1e-9) -> PathPoint:
    """A certified solve at the problem's λ with its exact or verified structure."""
    solution = problem.solve(tol)
    found = optimal_set(problem, solution)
    state = _state_of_solution(solution)
    if isinstance(found, OptimalSet):
        if found.status == "exact":
            return _exact_point(problem.lam, solution, found, state)
        return _numeric_point(problem.lam, solution)
    if found.status == "verified":
        return _verified_point(problem.lam, problem, found.structure, "solve", state, solution)
    return _numeric_point(problem.lam, solution)


def continue_point(problem: Problem, start: _FloatState, cache=None) -> PathPoint | None:
    """The structure of ``start`` proved at the problem's λ (Newton from ``start``), or None.
    ``cache``: see :func:`exactrelu.optimum.verified.verify_neurons`."""
    outcome = verify_neurons(
        problem, start.neurons, start.residual, start.alpha, start.output_bias, True, cache
    )
    if outcome.status != "verified":
        return None
    state = _state_of_structure(start.neurons, outcome.structure)
    return _verified_point(problem.lam, problem, outcome.structure, "continuation", state)


class Sampler:
    """Samples of the path: continuation from a neighbour's structure first, a solve otherwise."""

    def __init__(self, factory, tol, max_samples: int) -> None:
        self.factory, self.tol, self.max_samples = factory, tol, max_samples
        self.samples: list[PathPoint] = []
        self.solves = self.continuations = 0
        self.caches: dict[int, tuple] = {}  # id(block set) -> (block set, its neuron matrices)

    def cache(self, problem: Problem) -> dict:
        """The exact neuron matrices of verifications on ``problem``'s data and block set: shared
        by the problems of one block set (``Problem.with_lam``), never across block sets (a
        factory may build new ones; the block set is kept alive so its id is not reused)."""
        blocks = problem.blocks
        if id(blocks) not in self.caches:
            self.caches[id(blocks)] = (blocks, {})
        return self.caches[id(blocks)][1]

    @property
    def exhausted(self) -> bool:
        return len(self.samples) >= self.max_samples

    def sample(self, lam: Fraction, neighbours=()) -> PathPoint:
        problem = self.factory(lam)
        point = None
        for other in neighbours:
            if other is not None and other.state is not None:
                point = continue_point(problem, other.state, self.cache(problem))
                if point is not None:
                    self.continuations += 1
                    break
        if point is None:
            point = solve_point(problem, self.tol)
            self.solves += 1
        self.samples.append(point)
        return point
