"""The regularization path (THEORY §8): λ_max exactly, solves on a grid, bracketed breakpoints.

``lam_max(problem)``: ``λ_max = max_b ‖Π_{K_b}(Z_bᵀ y)‖`` (y centred with an output bias), above
which the zero network is optimal.  The maximizing block's projection is computed exactly (the
exact KKT system of its face), so ``λ_max²`` is an exact rational; every other block gets either
its exact projection norm or an exact upper bound ``‖c + Aᵀμ‖`` (μ >= 0, Moreau), and the max is
proved when all of them are <= ``λ_max²``.  Otherwise an exact enclosure ``[lower², upper²]``.

``path(source, lams)``: a certified solve per grid point; consecutive points whose structure (the
set of used neurons, each a sign, its active rows and its face rows) differs are bracketed by
bisection at exact rational midpoints.  Between breakpoints the structure is only known at the
sampled points (verdict ``"sampled"``); above λ_max the solution is proved zero (``"zero"``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from fractions import Fraction
from math import isqrt

import numpy as np

from exactrelu.duality import common_integer_rows, exact_pattern_products
from exactrelu.errors import ExactReluInputError
from exactrelu.optimal_set import _exact_projection
from exactrelu.problem import Problem, Solution
from exactrelu.rationals import rational_str, to_fraction
from exactrelu.solver import ColumnGeneration

DEFAULT_REL_WIDTH = Fraction(1, 10**4)
DEFAULT_MAX_SOLVES = 200


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
    from exactrelu.cones import project_many

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


# -- the path ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PathPoint:
    """One certified solve on the path."""

    lam: Fraction
    solution: Solution = field(repr=False)

    @property
    def objective_upper(self) -> Fraction:
        return self.solution.objective_upper

    @property
    def objective_lower(self) -> Fraction:
        return self.solution.objective_lower

    @property
    def gap(self) -> Fraction:
        return self.solution.gap

    @property
    def structure(self) -> frozenset:
        """The set of used neurons as (sign, active rows, face rows)."""
        return structure_of(self.solution)

    @property
    def status(self) -> str:
        return "exact" if self.solution.optimum is not None else "bounds"

    def neurons(self) -> list[dict[str, object]]:
        out = []
        for sign, active, face in sorted(self.structure):
            out.append({"sign": sign, "active": list(active), "face": list(face)})
        return out

    def neuron_norms(self) -> dict[tuple, float]:
        """``‖u_ν‖ = λα_ν`` per neuron (sum scale), keyed by (sign, active rows)."""
        found = self.solution.numeric
        lam = float(self.solution.problem.lam_sum)
        out: dict[tuple, float] = {}
        for nu, a in zip(found.neurons, found.alpha, strict=True):
            key = (int(nu.sign), tuple(int(k) for k in np.nonzero(nu.active)[0]))
            out[key] = out.get(key, 0.0) + lam * float(a)
        return out

    def fit_norm(self) -> float:
        problem = self.solution.problem
        return float(np.linalg.norm(problem.y_float - self.solution.numeric.residual))

    def to_json(self) -> dict[str, object]:
        optimum = self.solution.optimum
        return {
            "lam": rational_str(self.lam),
            "objective_upper": rational_str(self.objective_upper),
            "objective_lower": rational_str(self.objective_lower),
            "gap": rational_str(self.gap),
            "optimum": None if optimum is None else rational_str(optimum),
            "active_neurons": {"count": len(self.structure), "neurons": self.neurons()},
            "status": self.status,
        }


def structure_of(solution: Solution) -> frozenset:
    """The structure of a solution: its used neurons as (sign, active rows, face rows)."""
    return frozenset(
        (
            int(nu.sign),
            tuple(int(k) for k in np.nonzero(nu.active)[0]),
            tuple(sorted(int(k) for k in nu.face)),
        )
        for nu in solution.numeric.neurons
    )


@dataclass(frozen=True)
class Breakpoint:
    """The structure changes somewhere in ``[lam_lo, lam_hi]`` (both solved)."""

    lam_lo: Fraction
    lam_hi: Fraction
    resolved: bool  # the bracket reached the requested relative width

    def to_json(self) -> dict[str, object]:
        return {
            "lam_lo": rational_str(self.lam_lo),
            "lam_hi": rational_str(self.lam_hi),
            "lam_lo_float": float(self.lam_lo),
            "lam_hi_float": float(self.lam_hi),
            "resolved": self.resolved,
        }


@dataclass(frozen=True)
class Interval:
    lam_lo: Fraction
    lam_hi: Fraction
    verdict: str  # "sampled" (structure checked at the grid points only) or "zero" (proved)

    def to_json(self) -> dict[str, object]:
        return {
            "lam_lo": rational_str(self.lam_lo),
            "lam_hi": rational_str(self.lam_hi),
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Path:
    lam_max: LamMax
    points: tuple[PathPoint, ...]
    breakpoints: tuple[Breakpoint, ...]
    intervals: tuple[Interval, ...]
    samples: tuple[PathPoint, ...] = field(repr=False)  # every solve (grid and bisection)
    solves_used: int = 0
    max_solves: int = DEFAULT_MAX_SOLVES
    rel_width: Fraction = DEFAULT_REL_WIDTH

    def to_json(self) -> dict[str, object]:
        return {
            "kind": "path",
            "version": 1,
            "lam_max": self.lam_max.to_json(),
            "points": [p.to_json() for p in self.points],
            "breakpoints": [b.to_json() for b in self.breakpoints],
            "intervals": [i.to_json() for i in self.intervals],
            "solves_used": self.solves_used,
            "max_solves": self.max_solves,
            "rel_width": rational_str(self.rel_width),
        }


def with_lam(problem: Problem, lam: object) -> Problem:
    """The same problem (sharing its enumerated blocks) at another λ."""
    value = to_fraction(lam, "lam")
    if value <= 0:
        raise ExactReluInputError(f"lam must be > 0, got {lam}")
    other = copy.copy(problem)
    other.lam = value
    return other


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
) -> Path:
    """Solve on the grid ``lams`` and bracket the structure changes by bisection.

    ``source``: a :class:`Problem` (its λ is ignored), a factory ``lam -> Problem`` or the data X
    (with ``y`` and the model options).  ``max_solves`` bounds the total number of solves (grid
    included); a breakpoint whose bracket could not be narrowed to ``rel_width`` (relative to
    ``lam_hi``) within it is reported with ``resolved = False``.
    """
    grid = sorted({to_fraction(v, "lam") for v in lams})
    if not grid:
        raise ExactReluInputError("the λ grid is empty")
    if grid[0] <= 0:
        raise ExactReluInputError("every λ of the grid must be > 0")
    rel_width = to_fraction(rel_width, "rel_width")
    if isinstance(source, Problem):
        base = source

        def factory(lam):
            return with_lam(base, lam)
    elif callable(source):
        factory = source
    else:
        base = Problem(
            source, y, grid[0], bias=bias, output_bias=output_bias, scale=scale, model=model,
            patterns=patterns,
        )  # fmt: skip

        def factory(lam):
            return with_lam(base, lam)

    samples: list[PathPoint] = []

    def solve(lam: Fraction) -> PathPoint:
        point = PathPoint(lam, factory(lam).solve(tol))
        samples.append(point)
        return point

    points = [solve(lam) for lam in grid]
    top = lam_max(points[0].solution.problem)
    breakpoints = []
    for left, right in zip(points, points[1:], strict=False):
        if left.structure == right.structure:
            continue
        stack = [(left, right)]
        while stack:
            lo, hi = stack.pop()
            if hi.lam - lo.lam <= rel_width * hi.lam or len(samples) >= max_solves:
                resolved = hi.lam - lo.lam <= rel_width * hi.lam
                breakpoints.append(Breakpoint(lo.lam, hi.lam, resolved))
                continue
            mid = solve((lo.lam + hi.lam) / 2)
            if mid.structure != lo.structure:
                stack.append((lo, mid))
            if mid.structure != hi.structure:
                stack.append((mid, hi))
    breakpoints.sort(key=lambda b: b.lam_lo)
    _, lam_max_hi = top.bracket()
    intervals = []
    edges = [grid[0]] + [v for b in breakpoints for v in (b.lam_lo, b.lam_hi)] + [grid[-1]]
    for lo, hi in zip(edges[::2], edges[1::2], strict=True):
        if lo < lam_max_hi < hi:
            intervals.append(Interval(lo, lam_max_hi, "sampled"))
            intervals.append(Interval(lam_max_hi, hi, "zero"))
        else:
            intervals.append(Interval(lo, hi, "zero" if lo >= lam_max_hi else "sampled"))
    return Path(
        top,
        tuple(points),
        tuple(breakpoints),
        tuple(intervals),
        tuple(sorted(samples, key=lambda p: p.lam)),
        len(samples),
        max_solves,
        rel_width,
    )


def plot_path(result: Path, out_png) -> None:
    """Each neuron's ‖u‖ = λα and the fit norm ‖ŷ‖ against λ, breakpoints shaded."""
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
        ax.plot(lams, norms, marker=".", label=label)
    ax.plot(lams, [p.fit_norm() for p in result.samples], "k--", label="‖ŷ‖")
    for b in result.breakpoints:
        ax.axvspan(float(b.lam_lo), float(b.lam_hi), color="red", alpha=0.3)
        ax.axvline(float((b.lam_lo + b.lam_hi) / 2), color="red", lw=0.6, ls=":")
    ax.axvline(float(result.lam_max), color="grey", lw=0.8, label="λ_max")
    ax.set_xlabel("λ")
    ax.set_ylabel("‖u‖ = λα (sum scale), ‖ŷ‖")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)
