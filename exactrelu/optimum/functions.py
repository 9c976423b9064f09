"""The functions the optimal networks compute on all of R^d, exactly (proofs/functions.md).

A point β of the optimal polytope computes ``x ↦ Σ_ν β_ν s_ν (x̃·v_ν)_+ (+ b)`` (ReLU) or
``x ↦ Σ_ν β_ν 1[x̃·g_ν >= 0] x̃·v_ν (+ b)`` (gated, the gates fixed).  :func:`function_map`
writes that function in canonical coordinates, an affine map ``G(β) = G₀ + Σ β_ν G_ν`` that is
injective on functions (proofs/functions.md, Theorem F1 and F2):

* ReLU: ``(t)_+ = ½t + ½|t|``; the coordinates are the affine part (d linear coefficients and a
  constant) and one kink coefficient per hyperplane ``{x : x̃·u = 0}``, u the primitive integer
  direction of v with its first nonzero entry positive (``|x̃·v| = |κ| |x̃·u|`` for ``v = κu``);
  a v whose x-part is 0 (hidden bias) gives the constant ``|v_D|``, part of the affine part.
* gated: per hyperplane pair of gates ``±u``, ``w₊`` (the β-weighted v's gated by ``x̃·u >= 0``)
  and ``w₋`` (by ``x̃·u <= 0``); the coordinates are ``J = w₊ − w₋``, ``w₋`` projected onto
  ``u^⊥`` and the affine part plus ``Σ (w₋·u / u·u) u``.  A gate whose x-part is 0 is constant.

The set of optimal functions is ``G(P) = conv G(vertices)``: its dimension is the rank of the
differences ``G(v_i) − G(v_0)``, and every optimal network computes the same function iff G is
constant on the vertices.  All arithmetic is exact (Fractions; cdd.gmp for extreme points).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from exactrelu.exact.rationals import fmpq_matrix, rational_str


def primitive(v) -> tuple[int, ...]:
    """The primitive integer vector of v's direction with its first nonzero entry positive."""
    den = math.lcm(*(Fraction(t).denominator for t in v))
    ints = [int(Fraction(t) * den) for t in v]
    g = math.gcd(*ints)
    ints = [t // g for t in ints]
    first = next(t for t in ints if t != 0)
    return tuple(-t for t in ints) if first < 0 else tuple(ints)


@dataclass(frozen=True)
class FunctionMap:
    """``G(β) = offset + Σ β_ν columns[ν]`` in the coordinates named by ``labels``."""

    hyperplanes: tuple[tuple[int, ...], ...]
    labels: tuple[str, ...]
    offset: tuple[Fraction, ...]
    columns: tuple[tuple[Fraction, ...], ...]

    def __call__(self, beta: dict[int, Fraction]) -> tuple[Fraction, ...]:
        out = list(self.offset)
        for j, b in beta.items():
            out = [o + b * c for o, c in zip(out, self.columns[j], strict=True)]
        return tuple(out)


def function_map(neurons, d: int, bias: bool, output_bias: bool, fit, model: str) -> FunctionMap:
    """G for the neurons of an optimal set (their fits ``nu.fit`` give the output bias)."""
    lines: dict[tuple[int, ...], int] = {}
    for nu in neurons:
        gate = nu.direction if model == "relu" else nu.gate
        x_part = gate[:d]
        if any(x_part):
            lines.setdefault(primitive(gate), len(lines))
    hyperplanes = tuple(lines)
    D = d + 1  # linear coefficients, then the constant
    width = 1 if model == "relu" else 2 * (d + int(bias))  # per hyperplane
    size = D + width * len(hyperplanes)
    n = len(fit)
    columns = []
    for nu in neurons:
        col = [Fraction(0)] * size
        v = list(nu.direction)
        if model == "relu":
            half = Fraction(nu.sign, 2)
            for j in range(d):
                col[j] += half * v[j]
            if bias:
                col[d] += half * v[d]
            if any(v[:d]):
                u = primitive(v)
                k = next(i for i, t in enumerate(u) if t != 0)
                col[D + lines[u]] += half * abs(v[k] / u[k])
            else:  # (hidden bias) a constant |v_D|
                col[d] += half * abs(v[d])
        else:
            g = list(nu.gate)
            if not any(g[:d]):  # a constant gate: the neuron is affine or zero
                if not bias or g[d] >= 0:
                    for j in range(d):
                        col[j] += v[j]
                    if bias:
                        col[d] += v[d]
            else:
                u = primitive(g)
                start = D + width * lines[u]
                k = next(i for i, t in enumerate(u) if t != 0)
                plus = g[k] * u[k] > 0
                uu = sum(t * t for t in u)
                # J = w₊ − w₋, then P(w₋) = w₋ − (w₋·u/u·u) u, then the affine part + (w₋·u/u·u) u
                half = len(v)
                if plus:
                    for j in range(half):
                        col[start + j] += v[j]
                else:
                    c = sum((a * b for a, b in zip(v, u, strict=True)), Fraction(0)) / uu
                    for j in range(half):
                        col[start + j] -= v[j]
                        col[start + half + j] += v[j] - c * u[j]
                        coordinate = j if j < d else d
                        col[coordinate] += c * u[j]
        if output_bias:  # b = mean(ŷ) − Σ β_ν mean(f_ν) on the polytope
            col[d] -= sum(nu.fit, Fraction(0)) / n
        columns.append(tuple(col))
    offset = [Fraction(0)] * size
    if output_bias:
        offset[d] = sum(fit, Fraction(0)) / n
    labels = [f"x{j}" for j in range(d)] + ["1"]
    for i in range(len(hyperplanes)):
        if model == "relu":
            labels.append(f"|h{i}|")
        else:
            names = [f"x{j}" for j in range(d)] + (["1"] if bias else [])
            labels += [f"J{i}.{t}" for t in names] + [f"P{i}.{t}" for t in names]
    return FunctionMap(hyperplanes, tuple(labels), tuple(offset), tuple(columns))


def rank_of_differences(points) -> int:
    """The dimension of the affine hull of ``points`` (exact)."""
    if len(points) <= 1:
        return 0
    base = points[0]
    rows = [[a - b for a, b in zip(p, base, strict=True)] for p in points[1:]]
    return fmpq_matrix(rows).rank()


def extreme_points(points: list[tuple[Fraction, ...]]) -> list[int]:
    """Indices of the vertices of conv(points), points distinct (exact, cdd.gmp)."""
    if len(points) <= 2:
        return list(range(len(points)))
    import cdd
    import cdd.gmp

    matrix = cdd.gmp.matrix_from_array(
        [[Fraction(1), *p] for p in points], rep_type=cdd.RepType.GENERATOR
    )
    redundant = cdd.gmp.redundant_rows(matrix)
    return [i for i in range(len(points)) if i not in redundant]


EXTREMES_LIMIT = 40  # extreme functions (with their LP certificate) up to this many functions


@dataclass(frozen=True)
class FunctionSet:
    """The optimal functions G(P): unique iff one point; its dimension and extreme points
    (``extremes`` is None when the minimal networks compute more than ``EXTREMES_LIMIT``
    distinct functions: the exact LPs of the hull and its certificate are not run)."""

    gmap: FunctionMap
    values: tuple[tuple[Fraction, ...], ...]  # G(vertex) per vertex, in the vertices' order
    extremes: tuple[tuple[Fraction, ...], ...] | None
    dimension: int

    @property
    def unique(self) -> bool:
        return len(set(self.values)) == 1

    def to_json(self) -> dict[str, object]:
        """The ``functions`` field (docs/formats.md): coordinates, dimension, extreme functions
        with their certificate: a strictly separating vector per extreme function and, for each
        other distinct function of a vertex, convex weights over the extreme ones."""
        distinct = sorted(set(self.values))
        head = {
            "hyperplanes": [list(u) for u in self.gmap.hyperplanes],
            "coordinates": list(self.gmap.labels),
            "dimension": self.dimension,
            "distinct_functions": len(distinct),
        }
        if self.extremes is None:
            return {**head, "extreme_functions": None, "separators": None, "combinations": None}
        others = [q for q in distinct if q not in self.extremes]
        return {
            **head,
            "extreme_functions": [[rational_str(t) for t in p] for p in self.extremes],
            "separators": [
                [rational_str(t) for t in separator(p, [q for q in distinct if q != p])]
                for p in self.extremes
            ],
            "combinations": [
                {
                    "function": [rational_str(t) for t in q],
                    "weights": [rational_str(t) for t in convex_weights(q, self.extremes)],
                }
                for q in others
            ],
        }


def function_set(gmap: FunctionMap, vertices) -> FunctionSet:
    values = tuple(gmap(v) for v in vertices)
    distinct = sorted(set(values))
    extremes = None
    if len(distinct) <= EXTREMES_LIMIT:
        extremes = tuple(distinct[i] for i in extreme_points(distinct))
    return FunctionSet(gmap, values, extremes, rank_of_differences(distinct))


def _lp(rows, lin, objective):
    import cdd
    import cdd.gmp

    matrix = cdd.gmp.matrix_from_array(rows, lin_set=lin, rep_type=cdd.RepType.INEQUALITY)
    matrix.obj_type = cdd.LPObjType.MAX
    matrix.obj_func = objective
    lp = cdd.gmp.linprog_from_matrix(matrix)
    cdd.gmp.linprog_solve(lp)
    if lp.status != cdd.LPStatusType.OPTIMAL:
        raise ArithmeticError("the exact LP of the function set has no optimum")
    return [Fraction(v) for v in lp.primal_solution]


def separator(p, others) -> list[Fraction]:
    """c with ``c·p > c·q`` for every q of ``others`` (p a vertex of conv({p} ∪ others)):
    max t s.t. ``c·(p − q) >= t``, ``−1 <= c <= 1``, ``t <= 1`` (exact LP, cdd.gmp)."""
    k = len(p)
    if not others:
        return [Fraction(0)] * k
    rows = [
        [Fraction(0), *(a - b for a, b in zip(p, q, strict=True)), Fraction(-1)] for q in others
    ]
    for i in range(k):
        unit = [Fraction(int(j == i)) for j in range(k)]
        rows.append([Fraction(1), *(-u for u in unit), Fraction(0)])
        rows.append([Fraction(1), *unit, Fraction(0)])
    rows.append([Fraction(1), *([Fraction(0)] * k), Fraction(-1)])
    solution = _lp(rows, [], [Fraction(0)] * (k + 1) + [Fraction(1)])
    c = solution[:k]
    dots = [
        sum((a * (s - t) for a, s, t in zip(c, p, q, strict=True)), Fraction(0)) for q in others
    ]
    if min(dots) <= 0:
        raise ArithmeticError("a listed extreme function is not strictly separated")
    return c


def convex_weights(q, extremes) -> list[Fraction]:
    """w >= 0, Σw = 1, Σ w_e p_e = q (exact LP feasibility, cdd.gmp)."""
    e = len(extremes)
    rows = [[-q[i], *(p[i] for p in extremes)] for i in range(len(q))]
    rows.append([Fraction(-1), *([Fraction(1)] * e)])
    lin = list(range(len(rows)))
    rows += [[Fraction(0), *(Fraction(int(j == i)) for j in range(e))] for i in range(e)]
    return _lp(rows, lin, [Fraction(0)] * (e + 1))
