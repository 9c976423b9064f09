"""The regularization path (docs/theory.md §8): λ_max exactly, certified samples with their
structure, bracketed breakpoints with jump verdicts, intervals proved constant.

``lam_max(problem)`` (:mod:`exactrelu.tasks.lam_max`): ``λ_max = max_b ‖Π_{K_b}(Z_bᵀ y)‖`` (y
centred with an output bias), above which the zero network is optimal, exactly: ``λ_max²`` is an
exact rational when the max is proved, otherwise an exact enclosure ``[lower², upper²]``.

``path(source, lams)``:

* **Samples** (:mod:`exactrelu.tasks.path_samples`).  Each grid point, and each bisection
  midpoint, is certified: first by continuation (the neighbour's neurons, Newton-polished at the
  new λ and proved the optimum's by :func:`exactrelu.optimum.verified.verify_neurons`), otherwise
  by a column-generation solve followed by its exact or verified optimal set
  (:func:`exactrelu.optimum.optimal_set.optimal_set`).  The structure of a sample is E as neurons
  (sign, active rows, face rows) with S marked, read from the exact or verified optimal set, with
  uniqueness and neuron-level LICQ/SCS (:mod:`exactrelu.optimum.conditions`); a sample whose
  optimal set is undecided keeps the solver's float structure (``"numeric"``).
* **Breakpoints** (:mod:`exactrelu.tasks.breakpoints`).  Consecutive samples with different
  structures are bracketed by bisection at exact rational midpoints to ``rel_width`` (relative),
  within a budget of samples; two undecided samples are not bracketed (their float structures are
  arbitrary points of a non-unique optimal set): the stretch is reported ``"undecided"``.  Each
  bracket gets a verdict on the min-norm network (numeric evidence: the change across the bracket
  against the rate of change on either side): ``continuous`` or ``jump`` (docs/theory.md §8: a
  jump needs a non-unique optimal set at the breakpoint).
* **Intervals** between brackets (:mod:`exactrelu.tasks.path_intervals`): ``"proved"`` when
  :func:`exactrelu.optimum.verified_interval.verify_interval` (Krawczyk with λ an interval, along
  the tangent) covers all of it, else ``"sampled"`` (with the fraction proved), ``"undecided"``,
  or ``"zero"`` above λ_max.

:func:`plot_path` (:mod:`exactrelu.tasks.path_plot`) draws a path.  This module re-exports the
public names of the path's modules, so ``from exactrelu.tasks.path import lam_max, path, ...``
keeps working.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.display import Summarized
from exactrelu.exact.progress import Progress, step
from exactrelu.exact.rationals import rational_str, to_fraction
from exactrelu.optimum.verified import Verification
from exactrelu.program.problem import Problem
from exactrelu.tasks.breakpoints import (
    JUMP_FACTOR,
    Breakpoint,
    bisect_changes,
    breakpoint_verdict,
    network_distance,
    structure_changes,
)
from exactrelu.tasks.lam_max import LamMax, lam_max
from exactrelu.tasks.path_intervals import (
    DEFAULT_INTERVAL_TESTS,
    MIN_PROOF_WIDTH,
    Interval,
    IntervalProver,
    path_intervals,
)
from exactrelu.tasks.path_plot import plot_path
from exactrelu.tasks.path_samples import (
    PathNeuron,
    PathPoint,
    Sampler,
    continue_point,
    solve_point,
)

__all__ = [
    "DEFAULT_INTERVAL_TESTS",
    "DEFAULT_MAX_SOLVES",
    "DEFAULT_REL_WIDTH",
    "JUMP_FACTOR",
    "MIN_PROOF_WIDTH",
    "Breakpoint",
    "Interval",
    "LamMax",
    "Path",
    "PathNeuron",
    "PathPoint",
    "continue_point",
    "lam_max",
    "network_distance",
    "path",
    "plot_path",
    "solve_point",
]

DEFAULT_REL_WIDTH = Fraction(1, 10**4)
DEFAULT_MAX_SOLVES = 200


# -- the path -------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Path(Summarized):
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
    problem: Problem | None = field(default=None, repr=False)  # the problem at the first λ

    def claims(self) -> dict[str, str]:
        """Each kind of claim with its label (proofs/path.md, R8): the weakest label of its
        items; breakpoints and intervals whose claims are numeric are no claims."""
        order = ("exact", "verified", "numeric")
        out = {"lam_max": "exact", "points": max((p.label for p in self.points), key=order.index)}
        for name, items in (("breakpoints", self.breakpoints), ("intervals", self.intervals)):
            labels = [i.status for i in items if i.status != "numeric"]
            if labels:
                out[name] = max(labels, key=order.index)
        return out

    def _summary(self) -> list[tuple[str, object]]:
        bound = self.lam_max
        value = bound.value if bound.exact else math.sqrt(float(bound.upper2))
        items: list[tuple[str, object]] = [("points", len(self.points))]
        items += [("breakpoints", len(self.breakpoints)), ("intervals", len(self.intervals))]
        return items + [("lam_max", value), ("solves_used", self.solves_used)]

    def to_json(self) -> dict[str, object]:
        claims = self.claims()
        order = ("exact", "verified", "numeric")
        header: dict[str, object] = {}
        core: dict[str, object] = {}
        if self.problem is not None:
            header = {k: v for k, v in self.problem.describe().items() if k != "lam"}
            core = self.problem.pattern_core()
        return {
            "kind": "path",
            "version": 3,
            **header,
            "status": max(claims.values(), key=order.index),
            "claims": claims,
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
            "certificate": core,
        }


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
    progress: Progress | None = None,
) -> Path:
    """The regularization path on the grid ``lams`` (docs/theory.md §8; see the module docstring).

    ``source``: a :class:`Problem` (its λ is ignored), a factory ``lam -> Problem`` or the data X
    (with ``y`` and the model options).  ``max_solves`` bounds the number of samples (grid and
    bisection, solves and continuations); a breakpoint whose bracket could not be narrowed to
    ``rel_width`` (relative to ``lam_hi``) within it is reported with ``resolved = False``.
    ``interval_tests`` bounds the ball-arithmetic tests spent proving intervals constant.
    ``progress`` (``exactrelu.exact.progress``) hears of the grid points, the bisections of
    each structure change and the interval tests; default quiet.
    """
    grid = sorted({to_fraction(v, "lam") for v in lams})
    if not grid:
        raise ExactReluInputError("the λ grid is empty")
    if grid[0] <= 0:
        raise ExactReluInputError("every λ of the grid must be > 0")
    rel_width = to_fraction(rel_width, "rel_width")
    factory = _factory(source, grid[0], y, bias, output_bias, scale, model, patterns)
    sampler = Sampler(factory, tol, max_solves)
    points: list[PathPoint] = []
    for i, lam in enumerate(grid):
        step(progress, "path: grid points", i, len(grid))
        previous = points[-1] if points else None
        points.append(sampler.sample(lam, (previous,)))
    step(progress, "path: grid points", len(grid), len(grid))
    top = lam_max(factory(grid[0]))
    brackets: list[tuple[PathPoint, PathPoint]] = []
    for i, (left, right) in enumerate(zip(points, points[1:], strict=False)):
        step(progress, "path: bisecting structure changes (grid steps)", i, len(points) - 1)
        if structure_changes(left, right):
            brackets += bisect_changes(sampler, left, right, rel_width)
    step(progress, "path: proving intervals", 0, None)
    samples = sorted(sampler.samples, key=lambda p: p.lam)
    breakpoints = sorted(
        (
            replace(breakpoint_verdict(lo, hi, samples, rel_width), ends=(lo, hi))
            for lo, hi in brackets
        ),
        key=lambda b: b.lam_lo,
    )
    prover = IntervalProver(factory, interval_tests, sampler.cache)
    started = time.perf_counter()
    intervals = path_intervals(grid, breakpoints, samples, top, prover)
    interval_seconds = time.perf_counter() - started
    step(progress, "path: proving intervals", 1, 1)
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
        factory(grid[0]),
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
