"""The regularization path (docs/theory.md §8): λ_max exactly, certified samples with their
structure, bracketed breakpoints with jump verdicts, intervals proved constant.

``lam_max(problem)``: ``λ_max = max_b ‖Π_{K_b}(Z_bᵀ y)‖`` (y centred with an output bias), above
which the zero network is optimal.  The maximizing block's projection is computed exactly (the
exact KKT system of its face), so ``λ_max²`` is an exact rational; every other block gets either
its exact projection norm or an exact upper bound ``‖c + Aᵀμ‖`` (μ >= 0, Moreau), and the max is
proved when all of them are <= ``λ_max²``.  Otherwise an exact enclosure ``[lower², upper²]``.

``path(source, lams)``:

* **Samples.**  Each grid point, and each bisection midpoint, is certified: first by continuation
  (the neighbour's neurons, Newton-polished at the new λ and proved the optimum's by
  :func:`exactrelu.optimum.verified.verify_neurons`), otherwise by a column-generation solve
  followed by
  its exact or verified optimal set (:func:`exactrelu.optimum.optimal_set.optimal_set`).  The
  structure of
  a sample is E as neurons (sign, active rows, face rows) with S marked, read from the exact or
  verified optimal set, with uniqueness and neuron-level LICQ/SCS
  (:mod:`exactrelu.optimum.conditions`);
  a sample whose optimal set is undecided keeps the solver's float structure (``"numeric"``).
* **Breakpoints.**  Consecutive samples with different structures are bracketed by bisection at
  exact rational midpoints to ``rel_width`` (relative), within a budget of samples; two
  undecided samples are not bracketed (their float structures are arbitrary points of a
  non-unique optimal set): the stretch is reported ``"undecided"``.  Each bracket gets a verdict
  on the min-norm network (numeric evidence: the change across the bracket against the rate of
  change on either side): ``continuous`` or ``jump`` (docs/theory.md §8: a jump needs a non-unique
  optimal set at the breakpoint).
* **Intervals** between brackets: ``"proved"`` when
  :func:`exactrelu.optimum.verified.verify_interval`
  (Krawczyk with λ an interval, along the tangent) covers all of it, else ``"sampled"`` (with the
  fraction proved), ``"undecided"``, or ``"zero"`` above λ_max.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from math import isqrt

import numpy as np

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import rational_str, to_fraction
from exactrelu.optimum.conditions import check_conditions
from exactrelu.optimum.optimal_set import (
    OptimalSet,
    VerifiedOptimalSet,
    _exact_projection,
    optimal_set,
)
from exactrelu.optimum.verified import Verification, verify_interval, verify_neurons
from exactrelu.program.duality import common_integer_rows, exact_pattern_products
from exactrelu.program.problem import Problem, Solution
from exactrelu.program.reduced_kkt import Neuron
from exactrelu.program.solver import ColumnGeneration

DEFAULT_REL_WIDTH = Fraction(1, 10**4)
DEFAULT_MAX_SOLVES = 200
DEFAULT_INTERVAL_TESTS = 200
"""Ball-arithmetic tests spent proving intervals constant (λ an interval), per path."""
MIN_PROOF_WIDTH = Fraction(1, 10**5)
"""Pieces of an interval narrower than this (relative) are not tried."""
JUMP_FACTOR = 10
"""A min-norm change over a bracket larger than this many times the smooth rate is a jump."""


# -- λ_max ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LamMax:
    """``λ_max`` in the problem's scale: ``lower2 <= λ_max² <= upper2`` exactly.

    ``exact`` when ``lower2 == upper2`` (then ``squared`` is λ_max² and ``block`` attains it);
    ``block = (pattern index, sign)`` of the maximizing block, None when y correlates with no block.
    """

    lower2: Fraction
    upper2: Fraction
    block: tuple[int, int] | None

    @property
    def exact(self) -> bool:
        return self.lower2 == self.upper2

    @property
    def squared(self) -> Fraction:
        if not self.exact:
            raise ValueError("λ_max² is only enclosed, not exact")
        return self.lower2

    @property
    def value(self) -> Fraction | None:
        """λ_max itself when it is rational (λ_max² a perfect square), else None."""
        if not self.exact:
            return None
        return _exact_sqrt(self.lower2)

    def bracket(self, bits: int = 64) -> tuple[Fraction, Fraction]:
        """Dyadic rationals ``lo <= λ_max <= hi`` (denominator ``2^bits``; tight when exact)."""
        return _sqrt_floor(self.lower2, bits), _sqrt_ceil(self.upper2, bits)

    def __float__(self) -> float:
        return float(self.bracket()[1])

    def to_json(self) -> dict[str, object]:
        lo, hi = self.bracket()
        value = self.value
        return {
            "squared": rational_str(self.lower2) if self.exact else None,
            "squared_lower": rational_str(self.lower2),
            "squared_upper": rational_str(self.upper2),
            "value": rational_str(value) if value is not None else None,
            "float": float(hi),
            "block": None if self.block is None else list(self.block),
            "exact": self.exact,
        }


def _exact_sqrt(q: Fraction) -> Fraction | None:
    a, b = isqrt(q.numerator), isqrt(q.denominator)
    return Fraction(a, b) if a * a == q.numerator and b * b == q.denominator else None


def _sqrt_floor(q: Fraction, bits: int) -> Fraction:
    scale = 1 << bits
    return Fraction(isqrt(q.numerator * scale * scale // q.denominator), scale)


def _sqrt_ceil(q: Fraction, bits: int) -> Fraction:
    lo = _sqrt_floor(q, bits)
    return lo if lo * lo == q else lo + Fraction(1, 1 << bits)


def _target(problem: Problem) -> list[Fraction]:
    y = list(problem.dataset.y)
    if problem.output_bias and y:
        mean = sum(y, Fraction(0)) / len(y)
        y = [v - mean for v in y]
    return y


def lam_max(problem: Problem) -> LamMax:
    """``λ_max = max_b ‖Π_{K_b}(Z_bᵀ y)‖`` exactly (see the module docstring), problem's scale."""
    rows, blocks = problem.rows, problem.blocks
    z = _target(problem)
    n, D = len(rows), len(rows[0])
    X_int, Q_x = common_integer_rows(rows)
    (z_int,), Q_z = common_integer_rows([z])
    W = [[z_int[k] * X_int[k][j] for j in range(D)] for k in range(n)]
    C = exact_pattern_products(blocks.patterns, W)  # c_pattern = C / Q, sign +1
    Q = Q_x * Q_z
    plain2 = [Fraction(int(v), Q * Q) for v in (C * C).sum(axis=1)]
    # Float guess of every block value, to visit the likely maximum first.
    engine = ColumnGeneration(
        problem.rows_float, np.array([float(v) for v in z]), 1.0, blocks, False
    )
    zf = np.array([float(v) for v in z])
    values = engine.block_values(zf) if np.any(zf) else np.zeros((len(C), len(blocks.signs)))
    order = np.argsort(-values.ravel(), kind="stable")
    lower2, best = Fraction(0), None
    upper2 = Fraction(0)
    for flat in order:
        i, j = divmod(int(flat), len(blocks.signs))
        sign = blocks.signs[j]
        if plain2[i] <= lower2:
            continue  # ‖Π(c)‖ <= ‖c‖
        c = [Fraction(sign * int(v), Q) for v in C[i]]
        p = _exact_projection(rows, blocks, i, c)
        if p is not None:
            norm2 = sum((t * t for t in p), Fraction(0))
            if norm2 > lower2:
                lower2, best = norm2, (i, sign)
            upper2 = max(upper2, norm2)
        else:
            upper2 = max(upper2, _projection_bound(engine, rows, blocks, i, c))
    upper2 = max(upper2, lower2)
    factor = Fraction(1, problem.n**2) if problem.scale == "mean" else Fraction(1)
    return LamMax(lower2 * factor, upper2 * factor, best)


def _projection_bound(engine, rows, blocks, i, c) -> Fraction:
    """An exact upper bound ``‖c + Aᵀμ‖²`` with the float multipliers (any μ >= 0 is valid)."""
    from exactrelu.exact.cones import project_many

    A = engine.cone_matrices[i]
    if len(A) == 0:
        return sum((t * t for t in c), Fraction(0))
    _, (mu,) = project_many([A], np.array([[float(v) for v in c]]))
    v = list(c)
    for m, k in zip(mu, blocks.cone_rows[i], strict=True):
        if m > 0:
            orient = 1 if blocks.patterns[i, k] else -1
            mq = Fraction(float(m))
            for t in range(len(v)):
                v[t] += mq * orient * rows[k][t]
    return sum((t * t for t in v), Fraction(0))


# -- the structure at one λ ------------------------------------------------------------------
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
            "status": self.status,
            "source": self.source,
            "objective_lower": rational_str(self.objective_lower),
            "objective_upper": rational_str(self.objective_upper),
            "gap": rational_str(self.gap),
            "E": len(self.neurons),
            "S": sum(nu.used for nu in self.neurons),
            "unique_network": self.unique_network,
            "neurons": [nu.to_json() for nu in sorted(self.neurons, key=lambda nu: nu.key)],
            "conditions": self.conditions,
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
    return PathPoint(
        lam,
        "exact",
        "solve",
        solution.objective_lower,
        solution.objective_upper,
        tuple(neurons),
        found.unique_network,
        float(np.linalg.norm([float(v) for v in found.fit])),
        _conditions_json(found),
        state,
        solution,
        found,
    )


def _verified_point(lam, problem, structure, source, state, solution=None) -> PathPoint:
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
    lower, upper = structure.optimum.lower, structure.optimum.upper
    if solution is not None:  # the solve's exact bounds may be tighter on one side
        lower, upper = max(lower, solution.objective_lower), min(upper, solution.objective_upper)
    fit = problem.y_float - np.array([float(b) for b in structure.residual])
    verified_set = VerifiedOptimalSet(problem, solution, Verification("verified", (), structure))
    return PathPoint(
        lam,
        "verified",
        source,
        lower,
        upper,
        neurons,
        True,
        float(np.linalg.norm(fit)),
        _conditions_json(verified_set),
        state,
        solution,
        verified_set,
    )


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


# -- breakpoints and intervals ----------------------------------------------------------------
@dataclass(frozen=True)
class Breakpoint:
    """The structure changes somewhere in ``[lam_lo, lam_hi]`` (both ends certified).

    ``verdict`` (status ``"numeric"``, docs/theory.md §8): ``"continuous"`` when the min-norm
    networks at the two ends differ by no more than the path's own rate of change over the bracket
    explains (10× margin), ``"jump"`` with ``jump`` = that difference otherwise, ``"unresolved"``
    when the bracket is wider than requested, ``"undetermined"`` without a neighbour to measure the
    rate. A jump needs a non-unique optimal set at the breakpoint itself; ``unique_ends`` records
    whether the optimal network is unique at each end.
    """

    lam_lo: Fraction
    lam_hi: Fraction
    resolved: bool
    verdict: str = "undetermined"
    jump: float = 0.0
    smooth_change: float | None = None
    unique_ends: tuple[bool | None, bool | None] = (None, None)

    def to_json(self) -> dict[str, object]:
        return {
            "lam_lo": rational_str(self.lam_lo),
            "lam_hi": rational_str(self.lam_hi),
            "lam_lo_float": float(self.lam_lo),
            "lam_hi_float": float(self.lam_hi),
            "resolved": self.resolved,
            "verdict": self.verdict,
            "verdict_status": "numeric",
            "min_norm_change": self.jump,
            "smooth_change_estimate": self.smooth_change,
            "unique_network_at_ends": list(self.unique_ends),
        }


@dataclass(frozen=True)
class Interval:
    """Between two breakpoints.  ``verdict``: ``"proved"`` (the structure is proved constant on
    the whole interval by ball arithmetic with λ an interval), ``"sampled"`` (known at the
    samples only; ``proved_fraction`` of its length is proved), ``"undecided"`` (the optimal set
    could not be decided at some sample: structure changes inside are not bracketed), ``"zero"``
    (above λ_max)."""

    lam_lo: Fraction
    lam_hi: Fraction
    verdict: str
    proved_fraction: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "lam_lo": rational_str(self.lam_lo),
            "lam_hi": rational_str(self.lam_hi),
            "verdict": self.verdict,
            "proved_fraction": self.proved_fraction,
        }


@dataclass(frozen=True)
class Path:
    lam_max: LamMax
    points: tuple[PathPoint, ...]
    breakpoints: tuple[Breakpoint, ...]
    intervals: tuple[Interval, ...]
    samples: tuple[PathPoint, ...] = field(repr=False)  # every sample (grid and bisection)
    solves_used: int = 0
    continuations_used: int = 0
    interval_tests_used: int = 0
    interval_proofs: tuple[Verification, ...] = field(default=(), repr=False)
    interval_seconds: float = 0.0  # time spent proving intervals
    max_solves: int = DEFAULT_MAX_SOLVES
    rel_width: Fraction = DEFAULT_REL_WIDTH

    def to_json(self) -> dict[str, object]:
        return {
            "kind": "path",
            "version": 2,
            "lam_max": self.lam_max.to_json(),
            "points": [p.to_json() for p in self.points],
            "breakpoints": [b.to_json() for b in self.breakpoints],
            "intervals": [i.to_json() for i in self.intervals],
            "solves_used": self.solves_used,
            "continuations_used": self.continuations_used,
            "samples_used": len(self.samples),
            "interval_tests_used": self.interval_tests_used,
            "interval_seconds": self.interval_seconds,
            "max_solves": self.max_solves,
            "rel_width": rational_str(self.rel_width),
        }


class _Sampler:
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


def path(
    source,
    lams,
    y=None,
    *,
    bias=False,
    output_bias=False,
    scale="sum",
    model="relu",
    patterns="all",
    tol=1e-9,
    rel_width=DEFAULT_REL_WIDTH,
    max_solves=DEFAULT_MAX_SOLVES,
    interval_tests=DEFAULT_INTERVAL_TESTS,
) -> Path:
    """The regularization path on the grid ``lams`` (docs/theory.md §8; see the module docstring).

    ``source``: a :class:`Problem` (its λ is ignored), a factory ``lam -> Problem`` or the data X
    (with ``y`` and the model options).  ``max_solves`` bounds the number of samples (grid and
    bisection, solves and continuations); a breakpoint whose bracket could not be narrowed to
    ``rel_width`` (relative to ``lam_hi``) within it is reported with ``resolved = False``.
    ``interval_tests`` bounds the ball-arithmetic tests spent proving intervals constant.
    """
    grid = sorted({to_fraction(v, "lam") for v in lams})
    if not grid:
        raise ExactReluInputError("the λ grid is empty")
    if grid[0] <= 0:
        raise ExactReluInputError("every λ of the grid must be > 0")
    rel_width = to_fraction(rel_width, "rel_width")
    factory = _factory(source, grid[0], y, bias, output_bias, scale, model, patterns)
    sampler = _Sampler(factory, tol, max_solves)
    points: list[PathPoint] = []
    for lam in grid:
        previous = points[-1] if points else None
        points.append(sampler.sample(lam, (previous,)))
    top = lam_max(factory(grid[0]))
    brackets: list[tuple[PathPoint, PathPoint]] = []
    for left, right in zip(points, points[1:], strict=False):
        if _changes(left, right):
            brackets += _bisect(sampler, left, right, rel_width)
    samples = sorted(sampler.samples, key=lambda p: p.lam)
    breakpoints = sorted(
        (_verdict(lo, hi, samples, rel_width) for lo, hi in brackets), key=lambda b: b.lam_lo
    )
    prover = _IntervalProver(factory, interval_tests, sampler.cache)
    started = time.perf_counter()
    intervals = _intervals(grid, breakpoints, samples, top, prover)
    interval_seconds = time.perf_counter() - started
    return Path(
        top,
        tuple(points),
        tuple(breakpoints),
        intervals,
        tuple(samples),
        sampler.solves,
        sampler.continuations,
        prover.tests,
        tuple(prover.proofs),
        interval_seconds,
        max_solves,
        rel_width,
    )


def _factory(source, lam0, y, bias, output_bias, scale, model, patterns):
    if isinstance(source, Problem):
        return source.with_lam
    if callable(source):
        return source
    base = Problem(
        source, y, lam0, bias=bias, output_bias=output_bias, scale=scale, model=model,
        patterns=patterns,
    )  # fmt: skip
    return base.with_lam


def _bisect(sampler: _Sampler, left: PathPoint, right: PathPoint, rel_width: Fraction):
    """Brackets ``(lo, hi)`` of every structure change between two samples, by bisection at
    exact rational midpoints; each midpoint is sampled by continuation from its ends first."""
    out, stack = [], [(left, right)]
    while stack:
        lo, hi = stack.pop()
        if hi.lam - lo.lam <= rel_width * hi.lam or sampler.exhausted:
            out.append((lo, hi))
            continue
        mid = sampler.sample((lo.lam + hi.lam) / 2, (lo, hi))
        if _changes(lo, mid):
            stack.append((lo, mid))
        if _changes(mid, hi):
            stack.append((mid, hi))
    return out


def _changes(a: PathPoint, b: PathPoint) -> bool:
    """A structure change worth bracketing: the structures differ and at least one is decided
    (between two undecided samples the float structures are arbitrary points of the optimal
    set, so their difference means nothing; the stretch is reported ``"undecided"``)."""
    return a.structure != b.structure and not a.status == b.status == "numeric"


def network_distance(a: PathPoint, b: PathPoint) -> float:
    """Distance between the min-norm networks of two samples in convex weights: neurons of the
    same sign matched greedily by nearest weight, an unmatched neuron counted whole."""
    left = [(nu.sign, np.array(nu.weight)) for nu in a.neurons if nu.norm > 0]
    right = [(nu.sign, np.array(nu.weight)) for nu in b.neurons if nu.norm > 0]
    pairs = sorted(
        (float(np.linalg.norm(u - w)), i, j)
        for i, (s, u) in enumerate(left)
        for j, (t, w) in enumerate(right)
        if s == t
    )
    seen_left, seen_right, total = set(), set(), 0.0
    for dist, i, j in pairs:
        if i not in seen_left and j not in seen_right:
            seen_left.add(i), seen_right.add(j)
            total += dist * dist
    total += sum(float(u @ u) for i, (_, u) in enumerate(left) if i not in seen_left)
    total += sum(float(w @ w) for j, (_, w) in enumerate(right) if j not in seen_right)
    return total**0.5


def _verdict(lo: PathPoint, hi: PathPoint, samples, rel_width) -> Breakpoint:
    """Jump or continuity at a bracket, from the min-norm networks at its ends against the rate
    of change measured on each side (the nearest other sample with the same structure)."""
    resolved = hi.lam - lo.lam <= rel_width * hi.lam
    unique = (lo.unique_network, hi.unique_network)
    jump = network_distance(lo, hi)
    if "numeric" in (lo.status, hi.status):  # the min-norm network is not known at an end
        return Breakpoint(lo.lam, hi.lam, resolved, "undetermined", jump, None, unique)
    rates = []
    before = [p for p in samples if p.lam < lo.lam and p.structure == lo.structure]
    after = [p for p in samples if p.lam > hi.lam and p.structure == hi.structure]
    if before:
        rates.append(network_distance(before[-1], lo) / float(lo.lam - before[-1].lam))
    if after:
        rates.append(network_distance(hi, after[0]) / float(after[0].lam - hi.lam))
    if not resolved:
        return Breakpoint(lo.lam, hi.lam, False, "unresolved", jump, None, unique)
    if not rates:
        return Breakpoint(lo.lam, hi.lam, True, "undetermined", jump, None, unique)
    smooth = max(rates) * float(hi.lam - lo.lam)
    scale = max(sum(nu.norm for nu in lo.neurons), sum(nu.norm for nu in hi.neurons), 1e-300)
    verdict = "jump" if jump > JUMP_FACTOR * smooth + 1e-9 * scale else "continuous"
    return Breakpoint(lo.lam, hi.lam, True, verdict, jump, smooth, unique)


class _IntervalProver:
    """Proves the structure constant between two samples with the same structure
    (:func:`verify_interval`), marching from the left end: a proved piece doubles the next
    piece's width, a failed one halves it.  Stops at the right end, at a piece narrower than
    ``MIN_PROOF_WIDTH`` (relative: a structure change the samples missed, or a tie), or when
    the budget of tests is spent."""

    def __init__(self, factory, budget: int, cache_of) -> None:
        self.factory, self.budget, self.tests = factory, budget, 0
        self.cache_of = cache_of  # problem -> its neuron matrices (_Sampler.cache)
        self.proofs: list[Verification] = []  # one per proved piece, with its certificate

    def proved_length(self, lo: PathPoint, hi: PathPoint) -> Fraction:
        """The length of the proved part ``[lo.lam, a]`` of ``[lo.lam, hi.lam]``."""
        if lo.structure != hi.structure or lo.state is None or lo.status == "numeric":
            return Fraction(0)
        state = lo.state
        a, width = lo.lam, hi.lam - lo.lam
        while a < hi.lam and self.tests < self.budget and width >= MIN_PROOF_WIDTH * hi.lam:
            b = min(a + width, hi.lam)
            self.tests += 1
            problem = self.factory((a + b) / 2)
            outcome = verify_interval(
                problem, state.neurons, state.residual, state.alpha, state.output_bias, a, b,
                self.cache_of(problem),
            )  # fmt: skip
            if outcome.status == "verified":
                self.proofs.append(outcome)
                a, width = b, 2 * width
            else:
                width /= 2
        return a - lo.lam


def _intervals(grid, breakpoints, samples, top: LamMax, prover: _IntervalProver):
    _, lam_max_hi = top.bracket()
    edges = [grid[0]] + [v for b in breakpoints for v in (b.lam_lo, b.lam_hi)] + [grid[-1]]
    out = []
    for lo, hi in zip(edges[::2], edges[1::2], strict=True):
        if lo >= hi:  # adjacent brackets share an end: nothing between them
            continue
        if lo >= lam_max_hi:
            out.append(Interval(lo, hi, "zero", 1.0))
            continue
        top_end = min(hi, lam_max_hi)
        inside = [p for p in samples if lo <= p.lam <= top_end]
        if any(p.status == "numeric" for p in inside):
            out.append(Interval(lo, top_end, "undecided"))
            if top_end < hi:
                out.append(Interval(top_end, hi, "zero", 1.0))
            continue
        proved = sum(
            (prover.proved_length(a, b) for a, b in zip(inside, inside[1:], strict=False)),
            Fraction(0),
        )
        length = top_end - lo
        fraction = float(proved / length) if length else 0.0
        out.append(Interval(lo, top_end, "proved" if proved == length else "sampled", fraction))
        if top_end < hi:
            out.append(Interval(top_end, hi, "zero", 1.0))
    return tuple(out)


def plot_path(result: Path, out_png) -> None:
    """Each neuron's ‖u‖ (min-norm network) and the fit norm ‖ŷ‖ against λ, breakpoints marked
    (red: jump, orange: continuous or undetermined)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    lams = [float(p.lam) for p in result.samples]
    keys = sorted({k for p in result.samples for k in p.neuron_norms()})
    for key in keys:
        norms = [p.neuron_norms().get(key, 0.0) for p in result.samples]
        sign, active = key
        label = f"{'+' if sign > 0 else '−'} {{{','.join(map(str, active))}}}"
        ax.plot(lams, norms, marker=".", label=label if len(keys) <= 12 else None)
    ax.plot(lams, [p.fit_norm for p in result.samples], "k--", label="‖ŷ‖")
    for b in result.breakpoints:
        color = "red" if b.verdict == "jump" else "orange"
        ax.axvspan(float(b.lam_lo), float(b.lam_hi), color=color, alpha=0.3)
        ax.axvline(float((b.lam_lo + b.lam_hi) / 2), color=color, lw=0.6, ls=":")
    ax.axvline(float(result.lam_max), color="grey", lw=0.8, label="λ_max")
    ax.set_xlabel("λ")
    ax.set_ylabel("‖u‖ of the min-norm network (sum scale), ‖ŷ‖")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)
