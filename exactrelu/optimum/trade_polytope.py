"""The vertices of a trade polytope, proved in ball arithmetic (proofs/mirror_ties.md §2–§3).

The polytope is ``T = {(t, b) : 0 <= t_j <= a_j, V t + b·e = c}`` with ``V`` (q × m), ``c`` and
``a > 0`` known only as balls, and an optional free variable b (column e, e.g. an output bias).
A vertex is given by a *basis* (q columns: b when present, and q or q − 1 coordinates of t) and
the bound (0 or a_j) of every other coordinate; it is **proved** when the basic coordinates,
``V_B⁻¹(c − V_N t_N)``, are enclosed strictly inside their bounds (nondegenerate).

Enumeration walks the vertex graph: from a proved vertex, moving one nonbasic coordinate off
its bound, the first basic coordinate to reach a bound (or the moving one reaching its other
bound) is found by a ratio test decided in ball arithmetic; a tie that the balls cannot break
stops the walk as undecided.  When every vertex reached is proved and every pivot decided, the
vertices found are all of T (a simple polytope's graph is connected, Balinski 1961), so the
count is exact; a walk stopped by its budget gives a certified lower bound.  The first vertex
is proposed by a float LP (HiGHS through scipy) on the midpoints and then proved.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from flint import arb, arb_mat
from scipy.optimize import linprog

Vertex = tuple[tuple[int, ...], tuple[int, ...]]
"""(basic coordinates of t in increasing order, coordinates of t at their upper bound a_j)."""


@dataclass(frozen=True)
class ProvedVertex:
    """A proved vertex: its key, the enclosure of every t_j and of b (None without b)."""

    key: Vertex
    t: tuple[arb, ...]
    b: arb | None


@dataclass(frozen=True)
class TradePolytope:
    """The outcome of an enumeration.

    ``vertices``: the proved vertices found (at most ``limit``); ``complete``: the walk closed
    (every vertex of T is listed, the count is exact); ``failure``: why the walk could not
    prove a vertex or decide a pivot (then the list is not known to be complete)."""

    vertices: tuple[ProvedVertex, ...]
    complete: bool
    failure: str | None


ZeroSlope = Callable[[tuple[int, ...], int], bool]
"""``zero_slope(others, j)``: True if column j is proved, exactly, to lie in the span of the
columns ``others`` (and of e when there is a free variable): a slope that is exactly zero."""


class _Walk:
    def __init__(
        self,
        V: arb_mat,
        c: list[arb],
        a: list[arb],
        e: list[arb] | None,
        zero_slope: ZeroSlope | None,
    ) -> None:
        self.V, self.c, self.a, self.e = V, c, a, e
        self.zero_slope = zero_slope
        self.q, self.m = V.nrows(), V.ncols()
        self.free = e is not None

    def columns(self, basis: tuple[int, ...]) -> arb_mat:
        cols = [[self.V[i, j] for j in basis] for i in range(self.q)]
        if self.free:
            cols = [row + [self.e[i]] for i, row in enumerate(cols)]
        return arb_mat(cols)

    def solve(self, key: Vertex) -> tuple[list[arb], arb_mat] | None:
        """The basic values and ``V_B⁻¹`` of a vertex, or None if ``V_B`` is not proved
        nonsingular."""
        basis, upper = key
        rhs = [
            self.c[i] - sum((self.V[i, j] * self.a[j] for j in upper), arb(0))
            for i in range(self.q)
        ]
        try:
            inverse = self.columns(basis).inv()
        except ZeroDivisionError:
            return None
        values = inverse * arb_mat([[v] for v in rhs])
        return [values[i, 0] for i in range(self.q)], inverse

    def prove(self, key: Vertex) -> tuple[ProvedVertex, arb_mat] | str:
        solved = self.solve(key)
        if solved is None:
            return f"basis {list(key[0])}: V_B not proved nonsingular"
        values, inverse = solved
        basis, upper = key
        for j, v in zip(basis, values, strict=False):
            if not (v > 0 and self.a[j] - v > 0):
                return f"basis {list(basis)}: t_{j} not proved strictly inside (0, a_{j})"
        t = [arb(0)] * self.m
        for j in upper:
            t[j] = self.a[j]
        for j, v in zip(basis, values, strict=False):
            t[j] = v
        b = values[-1] if self.free else None
        return ProvedVertex(key, tuple(t), b), inverse

    def proved_zero(self, basis: tuple[int, ...], i: int, j: int) -> bool:
        """The slope of basic t_i when t_j moves is exactly 0 (an identity, never a ball)."""
        others = tuple(b for b in basis if b != i)
        return self.zero_slope is not None and self.zero_slope(others, j)

    def neighbours(self, vertex: ProvedVertex, inverse: arb_mat) -> list[Vertex] | str:
        """The vertices one pivot away, every ratio test decided strictly."""
        basis, upper = vertex.key
        out = []
        for j in range(self.m):
            if j in basis:
                continue
            direction = 1 if j not in upper else -1  # t_j leaves 0 upwards or a_j downwards
            column = arb_mat([[self.V[i, j]] for i in range(self.q)])
            d = inverse * column  # basic values change by −direction·d per unit step
            steps = [(self.a[j], None)]  # t_j reaches its other bound
            for pos, i in enumerate(basis):
                slope = -direction * d[pos, 0]
                if slope < 0:
                    steps.append((vertex.t[i] / (-slope), (i, 0)))
                elif slope > 0:
                    steps.append(((self.a[i] - vertex.t[i]) / slope, (i, 1)))
                elif not self.proved_zero(basis, i, j):
                    return f"pivot on t_{j} at basis {list(basis)}: a slope's sign is undecided"
            best = min(range(len(steps)), key=lambda s: float(steps[s][0].mid()))
            if any(s != best and not (steps[s][0] > steps[best][0]) for s in range(len(steps))):
                return f"pivot on t_{j} at basis {list(basis)}: tied ratio test"
            leaving = steps[best][1]
            new_upper = set(upper)
            if leaving is None:  # t_j moves to its other bound, the basis stays
                new_upper ^= {j}
                out.append((basis, tuple(sorted(new_upper))))
                continue
            i, at_upper = leaving
            new_basis = tuple(sorted((set(basis) - {i}) | {j}))
            new_upper.discard(j)
            if at_upper:
                new_upper.add(i)
            out.append((new_basis, tuple(sorted(new_upper))))
        return out


def first_vertex(
    V: np.ndarray, c: np.ndarray, a: np.ndarray, e: np.ndarray | None
) -> Vertex | None:
    """A vertex of T proposed by a float LP on midpoints (a random objective avoids ties)."""
    q, m = V.shape
    A = V if e is None else np.hstack([V, e[:, None]])
    bounds = [(0.0, float(v)) for v in a] + ([(None, None)] if e is not None else [])
    cost = np.random.default_rng(0).standard_normal(A.shape[1])
    result = linprog(cost, A_eq=A, b_eq=c, bounds=bounds, method="highs-ds")
    if result.status != 0:
        return None
    t = result.x[:m]
    tol = 1e-9 * max(1.0, float(np.max(a)))
    upper = tuple(j for j in range(m) if t[j] > a[j] - tol)
    inside = [j for j in range(m) if tol < t[j] < a[j] - tol]
    need = q - (1 if e is not None else 0)
    if len(inside) != need:
        return None
    return tuple(inside), upper


def enumerate_vertices(
    V: arb_mat,
    c: list[arb],
    a: list[arb],
    e: list[arb] | None,
    limit: int,
    zero_slope: ZeroSlope | None = None,
) -> TradePolytope:
    """The proved vertices of T, walking its graph from a float LP's vertex (module doc)."""
    walk = _Walk(V, c, a, e, zero_slope)
    mid = np.array([[float(V[i, j].mid()) for j in range(walk.m)] for i in range(walk.q)])
    start = first_vertex(
        mid,
        np.array([float(v.mid()) for v in c]),
        np.array([float(v.mid()) for v in a]),
        None if e is None else np.array([float(v.mid()) for v in e]),
    )
    if start is None:
        return TradePolytope((), False, "no nondegenerate vertex proposed by the float LP")
    seen, queue, found = {start}, deque([start]), []
    while queue:
        key = queue.popleft()
        proved = walk.prove(key)
        if isinstance(proved, str):
            return TradePolytope(tuple(found), False, proved)
        vertex, inverse = proved
        found.append(vertex)
        if len(found) >= limit:
            return TradePolytope(tuple(found), False, None)
        nxt = walk.neighbours(vertex, inverse)
        if isinstance(nxt, str):
            return TradePolytope(tuple(found), False, nxt)
        for other in nxt:
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return TradePolytope(tuple(found), True, None)
