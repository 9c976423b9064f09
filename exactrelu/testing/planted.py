"""Planted instances: rational data whose exact optimal set is known by construction (docs/theory.md
§7).

docs/theory.md §7 ("Planted instances"): for a generic rational residual only one neuron reaches the
maximal correlation, so build the neurons first.  A planted instance fixes the exact dual optimum
r, the neurons of the equicorrelation set E (rational directions ``v_ν`` with ``‖v_ν‖ = λ``
exactly, signs, faces) and weights ``α >= 0``, and sets ``y = r + Σ_ν α_ν s_ν (X̃ v_ν)_+``.  The
construction is accepted only after an **exact** proof that r is dual feasible with exactly these
neurons at the maximal correlation (docs/theory.md §4, §5):

* every block ``b = (C, s)`` not tied to a planted neuron has an exact upper bound
  ``‖Π_{K_b}(Z_bᵀ r)‖ <= ‖Z_bᵀ r + A_bᵀ μ‖ < λ`` with ``μ >= 0`` (so ``b ∉ E``);
* every block whose closed cone contains a planted ``v_ν`` (sign ``s_ν``) has
  ``Π_{K_b}(Z_bᵀr) = v_ν`` exactly, proved by the KKT conditions of the projection
  (multipliers ``μ >= 0`` on the rows of the neuron's face; ties on shared faces, docs/theory.md
  §5).

Then ``P(α) = ½‖r‖² + λ²Σα = D(r)`` (a zero gap; with an output bias also ``1ᵀr = 0``), so the
planted α-form network is optimal, E is exactly the planted blocks, and the optimal set is the
polytope ``{β >= 0 : Σ_ν β_ν f_ν (+ b·1) = ŷ}`` (docs/theory.md §5–§6).

Two designs:

``design="generic"`` (the default)
    Random integer data; a float optimum of a random teacher problem on a core of the rows
    (column generation, :mod:`exactrelu.program.solver`, λ bisected until it has the requested
    number
    of neurons) proposes natural neurons (signs, active rows, faces) and a residual; the other
    rows get residuals that leave every neuron's equation unchanged.  The directions are snapped
    to rational points of the sphere of radius λ (stereographic projection; with a hidden bias
    the bias weight is taken from a circle of many rational points, see
    :func:`_rational_direction`), the residual and the face multipliers γ to a dyadic grid with
    ``0 < γ_k < −s_ν r_k`` (strict complementarity, docs/theory.md §8), face rows are moved exactly
    onto their neuron's hyperplane, and the equations ``P_ν Z_νᵀ r = v_ν`` (``Z_ν = s_ν D_ν X̃``,
    ``P_ν`` the projector onto the face's span) are then made exact by small changes of the
    active rows' inputs (least change, rounded) and one "adjuster" row per neuron solved for
    exactly.  The residual keeps small denominators, so the engine's rational reconstruction
    finds it.  Fits are independent: the optimal network is unique up to permutation and
    splitting, with ``2^|face|`` blocks per neuron.

``design="decoupled"`` (``dependent=True`` or ``grid=...``)
    Rows on the coordinate axes (``±c e_i``; rotated by a rational orthogonal matrix), so that
    ``s rᵀ(X̃u)_+ = Σ_i φ_i(u_i)`` with ``φ_i(t) = p_{i,+}(t)_+ + p_{i,−}(−t)_+`` and, by
    Cauchy–Schwarz, ``max_{‖u‖=1} Σ_i φ_i(u_i) = ‖m‖`` (``m_i = max(p_{i,±}, 0)``), attained
    exactly at ``u_i = σ_i m_i/‖m‖`` for every sign choice ``σ_i`` achieving ``m_i``.  A
    coordinate with ``p_{i,+} = p_{i,−}`` ("doubled") gives both choices, so k doubled coordinates
    give 2^k neurons whose fits satisfy marginal constraints: the optimal set in β is a
    multi-marginal transportation polytope (non-unique, with minimal networks of different sizes
    for degenerate margins), and with both signs it is the product of two of them (the count
    multiplies).  Coordinates with ``m_i = 0`` put every neuron on a face (tied blocks).

Why not "a third neuron whose fit is the sum of two others": every neuron of E has
``⟨f_ν, r⟩ = ⟨Z_νᵀ r, v_ν⟩ = λ²``, so a dependence ``Σ c_ν f_ν = 0`` needs ``Σ c_ν = 0``
(e.g. ``f_3 = ½(f_1 + f_2)``, or ``f_1 + f_2 = f_3 + f_4`` as in the decoupled design).  Why only
two independent groups here: for rows in orthogonal coordinate blocks the maximal correlation
``√(Σ_g M_g²)`` is attained by *mixing* the groups' maximizers, so their neurons merge into one
coupled family (the multi-marginal polytope); the two signs are the groups that do not mix.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, cached_property

import numpy as np

from exactrelu.arrangement.patterns import enumerate_patterns
from exactrelu.exact.cones import project_many
from exactrelu.exact.rationals import fmpq_matrix, fraction_of, independent_rows
from exactrelu.model.networks import AlphaNeuron
from exactrelu.program.duality import common_integer_rows, exact_pattern_products

Vector = tuple[Fraction, ...]

DIRECTION_GRID = 1024
"""Denominator of the stereographic parameter of a snapped direction (about 0.05°)."""
RESIDUAL_BITS = 9
"""A snapped residual keeps about this many significant bits (relative to its largest entry)."""
BIAS_BITS = 12
"""With a hidden bias, λ = H/2^m with m <= BIAS_BITS (the instance is scaled up if needed), so
that the residual's denominators stay below 2^12 and the engine's rational reconstruction of the
dual optimum succeeds."""
MIN_RELATIVE_FIT = 1e-6
"""A generic planted neuron's largest output ``α·max|f_ν|`` is at least this times ``max|r|``:
the teacher's float solve can end at a λ where a neuron has just appeared (α ≈ 1e-17), an exact
instance that no float solver can tell from one without the neuron."""
BRUTE_FORCE_LIMIT = 200_000
"""Largest number of candidate supports examined when listing minimal networks by brute force."""


# ---------------------------------------------------------------------------------------------
# The instance
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedInstance:
    """Rational data with a known exact optimum and optimal set (docs/theory.md §7, "Planted
    instances").

    ``neurons`` lists every neuron of the optimal set (the blocks of E grouped by direction and
    sign, docs/theory.md §5) in α-form: direction ``v`` with ``‖v‖ = λ``, sign, and the planted
    weight α (0 for a neuron of E that the planted network does not use).  ``faces[i]`` are the rows
    with ``x̃_k·v_i = 0`` and ``cells[i]`` the number of cells whose closed cone contains ``v_i``
    (its blocks in E).  ``optimum = ½‖r‖² + λ²Σα`` (sum scale).  ``output_bias_value`` is the
    planted output bias (``None`` without one).
    """

    X: tuple[Vector, ...]
    y: Vector
    lam: Fraction
    bias: bool
    output_bias: bool
    neurons: tuple[AlphaNeuron, ...]
    residual: Vector
    faces: tuple[tuple[int, ...], ...]
    cells: tuple[int, ...]
    design: str
    seed: int
    output_bias_value: Fraction | None = None
    groups: tuple[tuple[int, ...], ...] = ()
    """Neuron indices of independent groups: the polytope is the product of the groups' ones."""

    @property
    def optimum(self) -> Fraction:
        """``½‖r‖² + λ²Σα`` (sum scale): the value of the planted optimum."""
        alpha = sum((nu.alpha for nu in self.neurons), Fraction(0))
        return sum((t * t for t in self.residual), Fraction(0)) / 2 + self.lam**2 * alpha

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def d(self) -> int:
        return len(self.X[0])

    @property
    def rows(self) -> list[list[Fraction]]:
        """The rows x̃_k (with a trailing 1 when there is a hidden bias)."""
        return [list(row) + ([Fraction(1)] if self.bias else []) for row in self.X]

    @property
    def fits(self) -> tuple[Vector, ...]:
        """``f_ν = s_ν (X̃ v_ν)_+`` for every neuron."""
        return tuple(_fit(self.rows, nu.direction, nu.sign) for nu in self.neurons)

    @property
    def fit(self) -> Vector:
        """The optimal fit ``ŷ = y − r`` (the same for every optimal network)."""
        return tuple(a - b for a, b in zip(self.y, self.residual, strict=True))

    @property
    def planted_network(self) -> dict[int, Fraction]:
        """The planted point of the polytope: neuron index -> α (α > 0 only)."""
        return {i: nu.alpha for i, nu in enumerate(self.neurons) if nu.alpha > 0}

    def problem(self, **options):
        """The instance as an :class:`exactrelu.Problem` (options are passed on)."""
        from exactrelu.program.problem import Problem

        return Problem(
            [list(row) for row in self.X],
            list(self.y),
            self.lam,
            bias=self.bias,
            output_bias=self.output_bias,
            **options,
        )

    @cached_property
    def minimal_networks(self) -> tuple[dict[int, Fraction], ...] | None:
        """Every minimal network (vertex of the neuron-merged polytope, docs/theory.md §6) as
        neuron index -> β > 0, listed by brute force over supports (independent of cdd); the
        product over ``groups``.  ``None`` when there are too many supports to examine."""
        groups = self.groups or (tuple(range(len(self.neurons))),)
        if len(groups) > 1 and self.output_bias:
            groups = (tuple(range(len(self.neurons))),)
        fits = self.fits
        per_group = []
        for group in groups:
            vertices = _brute_force_vertices(
                [fits[i] for i in group], self.fit, self.output_bias, _group_target(self, group)
            )
            if vertices is None:
                return None
            per_group.append([{group[j]: b for j, b in v.items()} for v in vertices])
        out = []
        for combo in itertools.product(*per_group):
            merged: dict[int, Fraction] = {}
            for part in combo:
                merged.update(part)
            out.append(merged)
        return tuple(sorted(out, key=lambda v: (len(v), sorted(v.items()))))

    @property
    def count_minimal_networks(self) -> int | None:
        vertices = self.minimal_networks
        return None if vertices is None else len(vertices)

    @property
    def count_minimal_convex(self) -> int | None:
        """Vertices of the block-level polytope: each neuron's weight on one of its cells."""
        vertices = self.minimal_networks
        if vertices is None:
            return None
        return sum(math.prod(self.cells[i] for i in v) for v in vertices)

    @property
    def unique_network(self) -> bool | None:
        count = self.count_minimal_networks
        return None if count is None else count == 1

    @property
    def min_width(self) -> int | None:
        vertices = self.minimal_networks
        return None if vertices is None else min(len(v) for v in vertices)

    @property
    def same_size(self) -> bool | None:
        vertices = self.minimal_networks
        return None if vertices is None else len({len(v) for v in vertices}) == 1


def _group_target(instance: PlantedInstance, group: tuple[int, ...]) -> Vector | None:
    """The part of the fit a group of neurons must produce (None: the whole fit)."""
    if len(instance.groups) <= 1 or instance.output_bias:
        return None
    fits = instance.fits
    n = instance.n
    return tuple(
        sum((instance.neurons[i].alpha * fits[i][k] for i in group), Fraction(0)) for k in range(n)
    )


# ---------------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------------


def planted(
    n: int | None = None,
    d: int = 2,
    neurons: int = 2,
    *,
    bias: bool = False,
    output_bias: bool = False,
    seed: int = 0,
    dependent: bool = False,
    grid: tuple[int, int] | int | None = None,
    faces: int = 0,
    rotate: bool = True,
    max_tries: int = 200,
) -> PlantedInstance:
    """A random planted instance with a known exact optimal set (docs/theory.md §7).

    Parameters
    ----------
    n, d : rows and input dimension (generic design; default n = 4 d + 2 neurons).
    neurons : number of neurons of the optimal set (generic design).
    bias : hidden-layer bias (generic design only: the decoupled design needs rows on the axes).
    output_bias : an unregularized output bias (the planted residual has ``1ᵀr = 0``).
    seed : the instance is a deterministic function of all the arguments.
    dependent : decoupled design with dependent fits: ``d >= 2`` coordinates of random kinds, at
        least two of them doubled, so several minimal networks of different sizes (e.g. the
        supports ``{0, 3}`` and ``{1, 2, 3}`` for two doubled coordinates).  ``n`` defaults to
        one row per used side of an axis; more rows are parallel copies.
    grid : ``(k_plus, k_minus)`` (or k for ``(k, 0)``): decoupled design with that many doubled
        coordinates for each sign (d is ignored): ``2^k_plus + 2^k_minus`` neurons and the
        product of two multi-marginal polytopes (``grid=(3, 3)``: 168 minimal networks,
        ``grid=(4, 3)``: about 4,000).
    faces : (generic) how many neurons are moved onto the hyperplane of one row (tied neurons:
        2 blocks each, docs/theory.md §5), beside any face the natural solution has.
    rotate : (decoupled) rotate the axes by a random rational orthogonal matrix.
    max_tries : random restarts before giving up (RuntimeError).

    Fast (well under a second for n <= 30, d <= 3).  The exact checks of the module docstring
    are done before returning; a candidate that fails them is discarded and redrawn.
    """
    if dependent or grid is not None:
        if bias:
            raise ValueError(
                "the decoupled design needs rows on the coordinate axes: no hidden bias "
                "(use the generic design for bias=True)"
            )
        if grid is not None:
            kp, km = (grid, 0) if isinstance(grid, int) else grid
            if kp < 0 or km < 0 or kp + km < 1:
                raise ValueError(f"grid must have at least one doubled coordinate, got {grid!r}")
            spec = ["++"] * kp + ["--"] * km
        else:
            if d < 2:
                raise ValueError("dependent=True needs d >= 2")
            spec = None
        return _decoupled(n, d, spec, output_bias, seed, rotate, max_tries)
    if neurons < 1:
        raise ValueError(f"neurons must be >= 1, got {neurons}")
    if not 0 <= faces <= neurons:
        raise ValueError(f"faces must be between 0 and neurons, got {faces}")
    if n is None:
        n = 4 * d + 2 * neurons
    if n < 2 or d < 1:
        raise ValueError(f"need n >= 2 and d >= 1, got n={n}, d={d}")
    if d == 1 and not bias:
        raise ValueError("d = 1 without a bias has parallel rows only: use bias=True")
    return _generic(n, d, neurons, bias, output_bias, faces, seed, max_tries)


# ---------------------------------------------------------------------------------------------
# Exact helpers
# ---------------------------------------------------------------------------------------------


def _dot(a, b) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


def _fit(rows, v, sign) -> Vector:
    return tuple(sign * max(_dot(row, v), Fraction(0)) for row in rows)


def _solve(A: list[list[Fraction]], b: list[list[Fraction]]) -> list[list[Fraction]] | None:
    """Exact solution of the square system ``A X = b`` (None when singular)."""
    try:
        sol = fmpq_matrix(A).solve(fmpq_matrix(b))
    except ZeroDivisionError:
        return None
    return [[fraction_of(sol[i, j]) for j in range(sol.ncols())] for i in range(sol.nrows())]


def _rank(rows: list[list[Fraction]]) -> int:
    if not rows or not rows[0]:
        return 0
    return fmpq_matrix(rows).rref()[1]


def _rational_unit(target: np.ndarray, q: int = DIRECTION_GRID) -> list[Fraction]:
    """A rational unit vector near ``target`` (inverse stereographic projection of a rational
    point with denominator q)."""
    u = np.asarray(target, dtype=np.float64)
    u = u / np.linalg.norm(u)
    if len(u) == 1:
        return [Fraction(1 if u[0] > 0 else -1)]
    flip = u[-1] < 0
    w = -u[-1] if flip else u[-1]
    t = [Fraction(round(float(x) * q), q) for x in u[:-1] / (1 + w)]
    s = sum((x * x for x in t), Fraction(0))
    out = [2 * x / (1 + s) for x in t] + [(1 - s) / (1 + s)]
    if flip:
        out[-1] = -out[-1]
    return out


CIRCLE_PRIMES = (5, 13, 17, 29)
CIRCLE_DENOMINATOR = math.prod(CIRCLE_PRIMES)
"""With a hidden bias, bias weights of directions are ``λ·a/H`` with ``a² + c² = H²`` and
H = 5·13·17·29 = 32045 (82 such points in a quadrant, at most 3° apart); λ is a dyadic multiple
of H, so every ``λ·a/H`` is dyadic.  (A larger H is finer but needs a larger λ, and the engine's
float solve degrades on data of large magnitude: see tests/test_optimal_set.py.)"""


@cache
def _circle_points() -> tuple[tuple[int, int], ...]:
    """All ``(a, c)``, a, c >= 0, with ``a² + c² = H²``, from products of Gaussian primes."""
    factors = []
    for p in CIRCLE_PRIMES:
        x = next(x for x in range(1, p) if math.isqrt(p - x * x) ** 2 == p - x * x)
        factors.append((x, math.isqrt(p - x * x)))
    points = set()
    for choice in itertools.product(range(3), repeat=len(factors)):
        re, im = 1, 0
        for (x, y), j in zip(factors, choice, strict=True):
            for _ in range(j):
                re, im = re * x - im * y, re * y + im * x
            for _ in range(2 - j):
                re, im = re * x + im * y, im * x - re * y
        points.update({(abs(re), abs(im)), (abs(im), abs(re))})
    return tuple(sorted(points))


def _rational_direction(target: np.ndarray, lam: Fraction, bias: bool) -> list[Fraction]:
    """A rational vector of norm exactly λ near ``target``.  With a hidden bias the bias weight
    (last entry) is ``λ·a/H``, the rest ``λ·(c/H)·u`` with ``a² + c² = H²`` and u a rational
    unit vector (H = CIRCLE_DENOMINATOR): the bias row of ``Z_νᵀ r = v_ν`` (docs/theory.md §7) fixes
    the sum of the residual over the active rows to ``s_ν λ a/H``, dyadic when λ is a dyadic
    multiple of H, so the residual keeps small denominators whatever the neurons."""
    u = np.asarray(target, dtype=np.float64)
    u = u / np.linalg.norm(u)
    if not bias:
        return [lam * c for c in _rational_unit(u)]
    H = CIRCLE_DENOMINATOR
    a, c = min(
        (p for p in _circle_points() if p[1] > 0),
        key=lambda p: abs(p[0] / H - abs(u[-1])),
    )
    beta = Fraction(a if u[-1] >= 0 else -a, H)
    rho = Fraction(c, H)
    assert a * a + c * c == H * H
    if len(u) == 1 or np.linalg.norm(u[:-1]) == 0:
        w = [Fraction(1)] + [Fraction(0)] * (len(u) - 2)
    else:
        w = _rational_unit(u[:-1])
    return [lam * rho * x for x in w] + [lam * beta]


def _snap(value: float, step: Fraction) -> Fraction:
    return round(Fraction(value) / step) * step


def _dyadic_step(values: np.ndarray, bits: int = RESIDUAL_BITS) -> Fraction:
    top = float(np.max(np.abs(values), initial=0.0))
    if top == 0:
        return Fraction(1, 1 << bits)
    exponent = math.floor(math.log2(top)) - bits
    return Fraction(2) ** exponent


# ---------------------------------------------------------------------------------------------
# The exact certificate of a planted residual (docs/theory.md §4, §5)
# ---------------------------------------------------------------------------------------------


def certify_planted(X, bias, r, lam, neurons) -> list[tuple[int, ...]] | None:
    """Prove exactly that r is dual feasible and that the blocks at the maximal correlation λ are
    exactly those whose closed cone contains a planted direction (with that neuron's sign).

    ``neurons``: (direction, sign) pairs with ``‖direction‖ = λ``.  Returns, for each neuron, the
    cells whose closed cone contains it (its blocks of E), or None when the proof fails.
    """
    rows = [list(row) + ([Fraction(1)] if bias else []) for row in X]
    n, D = len(rows), len(rows[0])
    cells = enumerate_patterns([list(row) for row in X], bias=bias)
    P = cells.patterns
    lam2 = lam * lam
    # cells containing each planted direction, and the face rows
    tied: dict[tuple[int, int], int] = {}
    containing = []
    for j, (v, s) in enumerate(neurons):
        values = [_dot(row, v) for row in rows]
        sgn = np.array([(t > 0) - (t < 0) for t in values])
        ok = np.all((sgn == 0) | (P == (sgn > 0)), axis=1)
        found = tuple(int(i) for i in np.nonzero(ok)[0])
        if not found:
            return None
        containing.append(found)
        for i in found:
            if (i, s) in tied:
                return None  # two planted neurons in one block: not a valid planted set
            tied[(i, s)] = j
    # exact plain correlations c_C = X̃ᵀ D_C r for the sign +1, as integers over Q
    W, Q = common_integer_rows([[r[k] * x for x in rows[k]] for k in range(n)])
    C = exact_pattern_products(P, W)
    norms2 = (C * C).sum(axis=1)
    limit = lam2 * Q * Q
    need = {i for i in range(len(P)) if Fraction(int(norms2[i])) >= limit}
    need.update(i for i, _ in tied)
    float_blocks = []
    for i in sorted(need):
        c_plus = [Fraction(int(C[i, t]), Q) for t in range(D)]
        for s in (1, -1):
            c = [s * t for t in c_plus]
            if (i, s) in tied:
                v, _ = neurons[tied[(i, s)]]
                if not _is_projection(rows, P[i], c, v):
                    return None
            elif Fraction(int(norms2[i])) >= limit:
                float_blocks.append((i, s, c))
    if float_blocks:
        cones = []
        for i, _, _ in float_blocks:
            facet_rows = np.asarray(cells.facets[i], dtype=np.int64)
            cones.append(
                np.array(
                    [[float(x) * (1.0 if P[i, k] else -1.0) for x in rows[k]] for k in facet_rows]
                ).reshape(len(facet_rows), D)
            )
        cf = np.array([[float(t) for t in c] for _, _, c in float_blocks])
        _, mus = project_many(cones, cf)
        for (i, _, c), mu in zip(float_blocks, mus, strict=True):
            facet_rows = np.asarray(cells.facets[i], dtype=np.int64)
            A = [[x * (1 if P[i, k] else -1) for x in rows[k]] for k in facet_rows]
            if not _bounded_below(A, c, mu, lam2):
                return None
    return containing


def _is_projection(rows, pattern, c, v) -> bool:
    """``Π_K(c) = v`` exactly for the cone K of the pattern, v in K: ``c − v = −Σ μ_k a_k`` with
    ``μ >= 0`` on the rows through v (KKT of the projection).  Parallel face rows are merged into
    one line whose coefficient is free when both orientations occur, signed otherwise."""
    diff = [a - b for a, b in zip(c, v, strict=True)]
    lines: dict[tuple, list] = {}
    for k, row in enumerate(rows):
        if not any(row) or _dot(row, v) != 0:
            continue
        a = [x * (1 if pattern[k] else -1) for x in row]
        key = _primitive_line(a)
        orient = 1 if _dot(a, list(key)) > 0 else -1
        lines.setdefault(key, [list(key), set()])[1].add(orient)
    if not lines:
        return all(t == 0 for t in diff)
    E = [entry[0] for entry in lines.values()]
    G = [[_dot(a, b) for b in E] for a in E]
    sol = _solve(G, [[-_dot(a, diff)] for a in E])
    if sol is None:
        return False  # dependent face lines: not supported by the generator
    kappa = [row[0] for row in sol]
    for k_val, (_, orients) in zip(kappa, lines.values(), strict=True):
        if k_val > 0 and 1 not in orients or k_val < 0 and -1 not in orients:
            return False
    back = [
        diff[t] + sum((m * a[t] for m, a in zip(kappa, E, strict=True)), Fraction(0))
        for t in range(len(diff))
    ]
    return all(t == 0 for t in back)


def _primitive_line(a) -> tuple[int, ...]:
    """The primitive integer vector of the line through a, first nonzero entry positive."""
    lcm = 1
    for x in a:
        lcm = math.lcm(lcm, Fraction(x).denominator)
    ints = [int(Fraction(x) * lcm) for x in a]
    g = math.gcd(*ints)
    ints = [x // g for x in ints]
    first = next(x for x in ints if x)
    return tuple(-x for x in ints) if first < 0 else tuple(ints)


def _bounded_below(A, c, mu, lam2) -> bool:
    """Exact ``‖c + Aᵀμ‖² < λ²`` for μ from the float projection, or from the exact face."""
    mu_exact = [Fraction(max(float(m), 0.0)) for m in mu]
    if _norm2_with(A, c, mu_exact) < lam2:
        return True
    face = [t for t, m in enumerate(mu) if m > 0]
    if not face:
        return False
    B = [A[t] for t in face]
    G = [[_dot(a, b) for b in B] for a in B]
    sol = _solve(G, [[-_dot(a, c)] for a in B])
    if sol is None:
        return False
    mu_face = [Fraction(0)] * len(A)
    for t, row in zip(face, sol, strict=True):
        mu_face[t] = max(row[0], Fraction(0))
    return _norm2_with(A, c, mu_face) < lam2


def _norm2_with(A, c, mu) -> Fraction:
    vec = list(c)
    for m, a in zip(mu, A, strict=True):
        if m:
            for t in range(len(vec)):
                vec[t] += m * a[t]
    return sum((t * t for t in vec), Fraction(0))


# ---------------------------------------------------------------------------------------------
# Minimal networks by brute force (the test oracle of docs/theory.md §6)
# ---------------------------------------------------------------------------------------------


def _brute_force_vertices(fits, fit, output_bias, target=None):
    """All vertices of ``{β >= 0 : Σ β_ν f_ν (+ b·1) = target}``: the supports S with
    independent columns and a positive solution (basic feasible solutions, each vertex once)."""
    n = len(fit)
    target = list(fit if target is None else target)
    F = [[f[k] for f in fits] for k in range(n)]
    if output_bias:
        means = [sum((F[k][j] for k in range(n)), Fraction(0)) / n for j in range(len(fits))]
        F = [[F[k][j] - means[j] for j in range(len(fits))] for k in range(n)]
        mean_t = sum(target, Fraction(0)) / n
        target = [t - mean_t for t in target]
    if all(t == 0 for t in target):
        return [{}]
    p = len(fits)
    rank = _rank(F) if p else 0
    if sum(math.comb(p, s) for s in range(1, rank + 1)) > BRUTE_FORCE_LIMIT:
        return None
    # reduce the equations to a basis of the row space (rank rows)
    M = fmpq_matrix([[*row, t] for row, t in zip(F, target, strict=True)])
    reduced, _ = M.rref()
    eqs = [
        [fraction_of(reduced[i, j]) for j in range(p + 1)]
        for i in range(reduced.nrows())
        if any(reduced[i, j] != 0 for j in range(p + 1))
    ]
    if any(all(e[j] == 0 for j in range(p)) for e in eqs):
        return []  # inconsistent
    out = []
    for size in range(1, len(eqs) + 1):
        for S in itertools.combinations(range(p), size):
            cols = [[e[j] for j in S] for e in eqs]
            if _rank(cols) < size:
                continue
            # solve the size×size subsystem on independent equation rows, then check all
            chosen = independent_rows(cols)[:size]
            sol = _solve([cols[i] for i in chosen], [[eqs[i][p]] for i in chosen])
            if sol is None:
                continue
            beta = [row[0] for row in sol]
            if any(b <= 0 for b in beta):
                continue
            if all(_dot(col, beta) == e[p] for col, e in zip(cols, eqs, strict=True)):
                out.append(dict(zip(S, beta, strict=True)))
    return out


# ---------------------------------------------------------------------------------------------
# Generic design
# ---------------------------------------------------------------------------------------------


def _random_data(rng, n, d, bias) -> np.ndarray:
    """Integer rows, nonzero, pairwise non-parallel (distinct with a bias)."""
    bound = max(6, n) if d == 1 else 6
    for _ in range(1000):
        X = rng.integers(-bound, bound + 1, size=(n, d))
        rows = np.hstack([X, np.ones((n, 1), dtype=np.int64)]) if bias else X
        if np.any(np.all(rows == 0, axis=1)):
            continue
        unit = rows / np.linalg.norm(rows, axis=1)[:, None]
        G = unit @ unit.T
        np.fill_diagonal(G, 0)
        if np.all(np.abs(np.abs(G) - 1) > 1e-9):
            return X
    raise RuntimeError("could not draw non-parallel data rows")


def _generic(n, d, k, bias, output_bias, faces, seed, max_tries) -> PlantedInstance:
    """Float optimum of a teacher problem on a core of the rows (column generation), snapped to
    an exact planted instance on all rows (the other rows get small residuals)."""
    from exactrelu.program.problem import Problem
    from exactrelu.program.solver import ColumnGeneration

    rng = np.random.default_rng([seed, n, d, k, int(bias), int(output_bias), faces, 7])
    D = d + (1 if bias else 0)
    core = min(n, 2 * D + 3 * k + 2)
    for _ in range(max_tries):
        X0 = _random_data(rng, n, d, bias)
        rows0 = np.hstack([X0, np.ones((n, 1))]) if bias else X0.astype(np.float64)
        W = rng.standard_normal((k, D))
        signs = rng.choice([1, -1], size=k)
        y0 = (np.maximum(rows0 @ W.T, 0) * signs).sum(axis=1) + 0.1 * rng.standard_normal(n)
        y0 = np.round(y0[:core] * 8) / 8
        if not np.any(y0):
            continue
        problem = Problem(
            X0[:core], [Fraction(v) for v in y0], 1, bias=bias, output_bias=output_bias
        )
        scale = float(np.linalg.norm(y0) * np.max(np.linalg.norm(rows0, axis=1)))
        lam_float, low, high = 0.1 * scale, None, None
        for _ in range(8):  # geometric bisection on λ for exactly k neurons
            lam = max(Fraction(round(lam_float * 8), 8), Fraction(1, 8))
            engine = ColumnGeneration(
                problem.rows_float, problem.y_float, float(lam), problem.blocks, output_bias
            )
            found = engine.solve(1e-10)
            count = len(found.neurons)
            if found.polished and count == k:
                inst = _snap_generic(X0, bias, output_bias, lam, found, faces, rng, seed)
                if inst is not None:
                    return inst
                break
            if count < k:
                high = lam_float
            else:
                low = lam_float
            if low is not None and high is not None:
                lam_float = math.sqrt(low * high)
            else:
                lam_float *= 0.4 if count < k else 2.5
    raise RuntimeError(
        f"no planted instance found in {max_tries} tries (n={n}, d={d}, neurons={k}); "
        "try more rows or fewer neurons"
    )


def _snap_generic(X0, bias, output_bias, lam0, found, faces, rng, seed):
    """Exact planted instance near a float optimum (see the module docstring), or None.

    Steps: scale (with a bias, to ``λ = 5525/2^m`` so that every ``λβ_ν`` is dyadic), snap the
    directions, move face rows onto their hyperplanes, round the residual and face multipliers to
    a dyadic grid, fix the bias rows of the neuron equations with one residual per neuron
    (adjusters, plus a balancer row for ``1ᵀr = 0``), spread the remaining discrepancy of the
    other rows of the equations over the active rows' inputs (least change, rounded), and solve
    the adjusters' inputs exactly for the rest."""
    n, d = X0.shape
    D = d + (1 if bias else 0)
    X = [[Fraction(int(v)) for v in row] for row in X0]

    def row(k):
        return X[k] + ([Fraction(1)] if bias else [])

    k_neurons = len(found.neurons)
    signs = [int(nu.sign) for nu in found.neurons]
    face = [set(int(t) for t in nu.face) for nu in found.neurons]
    lam = lam0
    if bias:  # λ = H/2^m, m <= 12: every bias weight λ·a/H is dyadic with denominator <= 4096
        m = min(max(math.floor(math.log2(CIRCLE_DENOMINATOR / lam0)), 0), BIAS_BITS)
        lam = Fraction(CIRCLE_DENOMINATOR, 2**m)
    scale = float(lam / lam0)
    rows0 = np.array([[float(v) for v in row(k)] for k in range(n)])
    directions = scale * np.asarray(found.directions, dtype=np.float64)
    core = len(found.residual)
    # rows beyond the core: small random residuals; their side of each neuron from the float
    # direction (a row too close to a hyperplane is rejected)
    r0 = np.zeros(n)
    r0[:core] = scale * np.asarray(found.residual)
    active = []
    for j, nu in enumerate(found.neurons):
        values = rows0 @ directions[j]
        norms = np.linalg.norm(rows0, axis=1) * np.linalg.norm(directions[j])
        if np.any(np.abs(values[core:]) < 1e-3 * norms[core:]):
            return None
        act = set(np.nonzero(nu.active)[0].tolist())
        act.update(t for t in range(core, n) if values[t] > 0)
        active.append(act)
    if n > core:
        # residuals of the other rows that leave every neuron's equation unchanged
        A = np.array(
            [
                [rows0[t, c] * (t in active[j]) for t in range(core, n)]
                for j in range(k_neurons)
                for c in range(D)
            ]
        )
        null = np.linalg.svd(A)[2][np.linalg.matrix_rank(A) :] if A.size else np.eye(n - core)
        if len(null):
            extra = rng.standard_normal(len(null)) @ null
            r0[core:] = 0.3 * np.max(np.abs(r0[:core])) * extra / np.max(np.abs(extra))
    # extra tied neurons: move the nearest inactive row of the right residual sign onto the
    # hyperplane (its multiplier γ small, strictly inside (0, −s r_k))
    used = set().union(*face)
    candidates = [j for j in range(k_neurons) if not face[j]]
    rng.shuffle(candidates)
    for j in candidates[: max(faces - sum(1 for f in face if f), 0)]:
        options = [
            t
            for t in range(n)
            if t not in used and not any(t in a for a in active) and -signs[j] * r0[t] > 0
        ]
        if not options:
            return None
        t = min(options, key=lambda t: abs(rows0[t] @ directions[j]) / np.linalg.norm(rows0[t]))
        face[j].add(t)
        used.add(t)
    # rational directions of norm λ exactly
    v_exact = [_rational_direction(directions[j], lam, bias) for j in range(k_neurons)]
    # move face rows exactly onto their neurons' hyperplanes (least change in x)
    for t in sorted(used):
        owners = [j for j in range(k_neurons) if t in face[j]]
        Wm = [v_exact[j][:d] for j in owners]
        G = [[_dot(a, b) for b in Wm] for a in Wm]
        sol = _solve(G, [[-_dot(row(t), v_exact[j])] for j in owners])
        if sol is None:
            return None
        for j_i, (coef,) in enumerate(sol):
            for c in range(d):
                X[t][c] += coef * Wm[j_i][c]
    # residual on a dyadic grid; face multipliers γ on the same grid
    step = _dyadic_step(r0)
    r = [_snap(float(v), step) for v in r0]
    gammas = []
    for j in range(k_neurons):
        fr = sorted(face[j])
        g: dict[int, Fraction] = {}
        if fr:
            c = signs[j] * rows0.T @ (np.isin(np.arange(n), sorted(active[j])) * r0)
            g_float = np.linalg.lstsq(rows0[fr].T, c - directions[j], rcond=None)[0]
            for t, gf in zip(fr, g_float, strict=True):
                upper = -signs[j] * r[t]
                if not 0 < gf < float(upper):
                    # an added face row: a small multiplier, strictly inside (0, −s r_k)
                    gf = min(float(upper) / 2, 0.05 * float(lam) / np.linalg.norm(rows0[t]))
                value = _snap(gf, step)
                if not 0 < value < upper:
                    return None
                g[t] = value
        gammas.append(g)
    # adjusters: one active row per neuron, off every face, with an invertible incidence matrix
    adjusters = _choose_adjusters(active, used, r0, r)
    if adjusters is None:
        return None
    M = [[int(adjusters[nu] in active[mu]) for nu in range(k_neurons)] for mu in range(k_neurons)]
    balancer = None
    if output_bias:
        free = [t for t in range(n) if t not in used and t not in adjusters]
        if not free:
            return None
        balancer = max(free, key=lambda t: (not any(t in a for a in active), abs(r0[t])))
    # the bias rows of the equations (Σ_{S_μ} r_k − Σ_F γ_k = s_μ v_μ[D]) and 1ᵀr = 0: shift the
    # adjusters' residuals (and the balancer's)
    if bias:
        # first spread the corrections over every free active row (least change, on the grid)
        spread_rows = [t for t in range(n) if t not in used and t != balancer]
        G = np.array(
            [
                [
                    sum(1.0 for t in spread_rows if t in active[mu] and t in active[nu])
                    for nu in range(k_neurons)
                ]
                for mu in range(k_neurons)
            ]
        )
        wanted = np.array(
            [
                float(
                    signs[mu] * v_exact[mu][D - 1]
                    + sum(gammas[mu].values(), Fraction(0))
                    - sum((r[t] for t in active[mu]), Fraction(0))
                )
                for mu in range(k_neurons)
            ]
        )
        coef = np.linalg.lstsq(G, wanted, rcond=None)[0]
        for t in spread_rows:
            if t not in adjusters:
                r[t] += _snap(float(sum(coef[j] for j in range(k_neurons) if t in active[j])), step)
    if bias or balancer is not None:
        size = k_neurons if bias else 0
        A_rows, rhs = [], []
        if bias:
            for mu in range(k_neurons):
                target = signs[mu] * v_exact[mu][D - 1] + sum(gammas[mu].values(), Fraction(0))
                current = sum((r[t] for t in active[mu]), Fraction(0))
                extra = [int(balancer in active[mu])] if balancer is not None else []
                A_rows.append(M[mu] + extra)
                rhs.append([target - current])
        if balancer is not None:
            A_rows.append([1] * size + [1])
            rhs.append([-sum(r, Fraction(0))])
        shift = _solve(A_rows, rhs)
        if shift is None:
            return None
        for j in range(size):
            t = adjusters[j]
            r[t] += shift[j][0]
            if r[t] == 0 or (r[t] > 0) != (r0[t] > 0) or abs(float(r[t])) < abs(r0[t]) / 4:
                return None
        if balancer is not None:
            r[balancer] += shift[-1][0]
    # the other rows of the equations: Σ_{S_μ} r_k x_k = s_μ v_μ[:d] + Σ_F γ_k x_k
    errors = []
    for mu in range(k_neurons):
        e = [signs[mu] * v_exact[mu][c] for c in range(d)]
        for t, g in gammas[mu].items():
            for c in range(d):
                e[c] += g * X[t][c]
        for t in active[mu]:
            for c in range(d):
                e[c] -= r[t] * X[t][c]
        errors.append(e)
    free_rows = [t for t in range(n) if t not in used]
    G = np.array(
        [
            [
                sum(float(r[t]) ** 2 for t in free_rows if t in active[mu] and t in active[nu])
                for nu in range(k_neurons)
            ]
            for mu in range(k_neurons)
        ]
    )
    E = np.array([[float(x) for x in e] for e in errors])
    Lm = np.linalg.lstsq(G, E, rcond=None)[0]
    fine = Fraction(1, 1 << 20)
    for t in free_rows:
        owners = [j for j in range(k_neurons) if t in active[j]]
        if not owners:
            continue
        delta = float(r[t]) * Lm[owners].sum(axis=0)
        for c in range(d):
            X[t][c] += _snap(float(delta[c]), fine)
    remainder = []
    for mu in range(k_neurons):
        e = [signs[mu] * v_exact[mu][c] for c in range(d)]
        for t, g in gammas[mu].items():
            for c in range(d):
                e[c] += g * X[t][c]
        for t in active[mu]:
            if t not in adjusters:
                for c in range(d):
                    e[c] -= r[t] * X[t][c]
        remainder.append(e)
    Y = _solve([[Fraction(x) for x in m_row] for m_row in M], remainder)
    if Y is None:
        return None
    for j, t in enumerate(adjusters):
        X[t] = [Y[j][c] / r[t] for c in range(d)]
    # the exact patterns must be the natural ones
    for j in range(k_neurons):
        for t in range(n):
            value = _dot(row(t), v_exact[j])
            expected = 1 if t in active[j] else (0 if t in face[j] else -1)
            if (value > 0) - (value < 0) != expected:
                return None
    rows = [row(t) for t in range(n)]
    if _has_parallel(rows):
        return None
    fits = [_fit(rows, v_exact[j], signs[j]) for j in range(k_neurons)]
    check = [list(f) for f in fits] + ([[Fraction(1)] * n] if output_bias else [])
    if _rank([[c[t] for c in check] for t in range(n)]) < len(check):
        return None  # dependent fits: not a unique planted network
    cells = certify_planted(X, bias, r, lam, [(v_exact[j], signs[j]) for j in range(k_neurons)])
    if cells is None:
        return None
    alpha_step = _dyadic_step(np.asarray(found.alpha), 6)
    alpha = [max(_snap(float(a), alpha_step), alpha_step) for a in found.alpha]
    top = float(max((abs(t) for t in r), default=Fraction(0)))
    for a, f in zip(alpha, fits, strict=True):
        if float(a) * float(max(abs(t) for t in f)) < MIN_RELATIVE_FIT * top:
            return None  # a neuron too weak for a float solver to see
    b_out = None
    if output_bias:
        b_out = _snap(scale * float(found.output_bias or 0.0), Fraction(1, 8))
    y = [
        r[t] + sum((alpha[j] * fits[j][t] for j in range(k_neurons)), Fraction(0)) + (b_out or 0)
        for t in range(n)
    ]
    neurons = tuple(AlphaNeuron(tuple(v_exact[j]), signs[j], alpha[j]) for j in range(k_neurons))
    return PlantedInstance(
        X=tuple(tuple(x) for x in X),
        y=tuple(y),
        lam=lam,
        bias=bias,
        output_bias=output_bias,
        neurons=neurons,
        residual=tuple(r),
        faces=tuple(tuple(sorted(f)) for f in face),
        cells=tuple(len(c) for c in cells),
        design="generic",
        seed=seed,
        output_bias_value=b_out,
    )


def _choose_adjusters(active, used, r0, r) -> list[int] | None:
    """One active row per neuron (not a face row, nonzero residual), distinct, with an
    invertible 0/1 incidence matrix ``M[μ][ν] = [j_ν active in μ]``: in some order of the
    neurons, each takes a row inactive in the earlier ones (M triangular), the largest residual
    first."""
    k = len(active)
    for order in itertools.islice(itertools.permutations(range(k)), 720):
        chosen: dict[int, int] = {}
        seen: set[int] = set()
        for j in order:
            options = [t for t in active[j] - seen if t not in used and r[t] != 0]
            if not options:
                break
            chosen[j] = max(options, key=lambda t: abs(r0[t]))
            seen |= active[j]
        if len(chosen) == k:
            return [chosen[j] for j in range(k)]
    return None


def _has_parallel(rows) -> bool:
    for a, b in itertools.combinations(rows, 2):
        if _dot(a, b) ** 2 == _dot(a, a) * _dot(b, b):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Decoupled design
# ---------------------------------------------------------------------------------------------


def _integer_norm_vector(rng, k: int) -> list[int]:
    """A vector of k positive integers whose Euclidean norm is an integer."""
    if k == 1:
        return [int(rng.integers(1, 4))]
    for _ in range(100_000):
        v = [int(x) for x in rng.integers(1, 10, size=k)]
        s = sum(x * x for x in v)
        if math.isqrt(s) ** 2 == s:
            return v
    raise RuntimeError("no integer vector with an integer norm found")


def _rational_orthogonal(rng, d: int) -> list[list[Fraction]]:
    """A random rational orthogonal matrix: the Cayley transform ``(I − A)(I + A)^{-1}`` of a
    small integer skew-symmetric A."""
    A = [[Fraction(0)] * d for _ in range(d)]
    for i in range(d):
        for j in range(i + 1, d):
            a = Fraction(int(rng.integers(-2, 3)), int(rng.integers(1, 3)))
            A[i][j], A[j][i] = a, -a
    ident = [[Fraction(int(i == j)) for j in range(d)] for i in range(d)]
    plus = fmpq_matrix([[ident[i][j] + A[i][j] for j in range(d)] for i in range(d)])
    minus = fmpq_matrix([[ident[i][j] - A[i][j] for j in range(d)] for i in range(d)])
    Qm = minus * plus.inv()
    return [[fraction_of(Qm[i, j]) for j in range(d)] for i in range(d)]


def _decoupled(n, d, spec, output_bias, seed, rotate, max_tries) -> PlantedInstance:
    """Rows ``c·τ·e_i`` (rotated); residuals with axis sums ``p_{i,τ} = Σ r_k c_k`` chosen so
    that the neurons are known in closed form (module docstring)."""
    tag = [ord(c) for c in "|".join(spec)] if spec is not None else [0]
    rng = np.random.default_rng([seed, n or 0, d, int(output_bias), int(rotate), 11, *tag])
    for _ in range(max_tries):
        inst = _try_decoupled(rng, n, d, spec, output_bias, seed, rotate)
        if inst is not None:
            return inst
    raise RuntimeError("no decoupled planted instance found")


def _try_decoupled(rng, n, d, spec, output_bias, seed, rotate):
    dependent = spec is None
    if dependent:
        # at least two doubled coordinates of the + sign; the others random kinds
        kinds = ["++", "++"] + [
            str(rng.choice(["++", "+", "-", "--", "0", "+-"])) for _ in range(d - 2)
        ]
        rng.shuffle(kinds)
    else:
        kinds = list(spec)
    d = len(kinds)
    plus_coords = [i for i, t in enumerate(kinds) if t in ("++", "+", "+-")]
    minus_coords = [i for i, t in enumerate(kinds) if t in ("--", "-", "+-")]
    if not plus_coords and not minus_coords:
        return None
    m_base = _integer_norm_vector(rng, len(plus_coords)) if plus_coords else []
    n_base = _integer_norm_vector(rng, len(minus_coords)) if minus_coords else []
    L1 = math.isqrt(sum(x * x for x in m_base)) if m_base else 1
    L2 = math.isqrt(sum(x * x for x in n_base)) if n_base else 1
    m = [Fraction(0)] * d
    q = [Fraction(0)] * d  # the − sign's maxima n_i
    for i, x in zip(plus_coords, m_base, strict=True):
        m[i] = Fraction(x * L2)
    for i, x in zip(minus_coords, n_base, strict=True):
        q[i] = Fraction(x * L1)
    lam = Fraction(L1 * L2)
    # axis sums p[(i, τ)] and the side each sign uses on a single coordinate
    p: dict[tuple[int, int], Fraction] = {}
    plus_choices: list[tuple[int, ...]] = []
    minus_choices: list[tuple[int, ...]] = []
    for i, kind in enumerate(kinds):
        tau = int(rng.choice([1, -1]))
        if kind == "++":
            p[(i, 1)] = p[(i, -1)] = m[i]
            plus_choices.append((1, -1))
            minus_choices.append((0,))
        elif kind == "+":
            p[(i, tau)] = m[i]
            other = Fraction(int(rng.integers(0, 4)), 4) * m[i]
            if other:
                p[(i, -tau)] = other
            plus_choices.append((tau,))
            minus_choices.append((0,))
        elif kind == "--":
            p[(i, 1)] = p[(i, -1)] = -q[i]
            plus_choices.append((0,))
            minus_choices.append((1, -1))
        elif kind == "-":
            p[(i, tau)] = -q[i]
            other = Fraction(int(rng.integers(0, 4)), 4) * q[i]
            if other:
                p[(i, -tau)] = -other
            plus_choices.append((0,))
            minus_choices.append((tau,))
        elif kind == "+-":
            p[(i, tau)] = m[i]
            p[(i, -tau)] = -q[i]
            plus_choices.append((tau,))
            minus_choices.append((-tau,))
        else:  # "0": rows with zero residual on both sides: every neuron on their hyperplane
            p[(i, 1)] = p[(i, -1)] = Fraction(0)
            plus_choices.append((0,))
            minus_choices.append((0,))
    sides = sorted(p)
    if n is None:
        n = len(sides) + (1 if output_bias else 0)
    if n < len(sides) + (1 if output_bias else 0):
        raise ValueError(
            f"the decoupled design needs n >= {len(sides) + (1 if output_bias else 0)} rows here"
        )
    # rows: one per side, then extra parallel rows; residuals share each side's sum
    side_of = list(sides) + [sides[int(rng.integers(0, len(sides)))] for _ in range(n - len(sides))]
    scale = [Fraction(int(rng.integers(1, 4))) for _ in range(n)]
    r = [Fraction(0)] * n
    by_side: dict[tuple[int, int], list[int]] = {}
    for k, s in enumerate(side_of):
        by_side.setdefault(s, []).append(k)
    for s, ks in by_side.items():
        for k in ks[1:]:
            r[k] = Fraction(int(rng.integers(-4, 5)), 2)
        rest = p[s] - sum((r[k] * scale[k] for k in ks[1:]), Fraction(0))
        r[ks[0]] = rest / scale[ks[0]]
    if output_bias:
        # a side with two rows of different scales absorbs Σ r = 0 without changing its sum
        pairs = [ks for ks in by_side.values() if len(ks) >= 2]
        if not pairs:
            return None
        ks = pairs[int(rng.integers(0, len(pairs)))]
        a, b = ks[0], ks[1]
        P_ab = r[a] * scale[a] + r[b] * scale[b]  # their share of the side's sum, kept
        if scale[a] == scale[b]:
            scale[b] += 1
        total_other = sum((r[k] for k in range(n) if k not in (a, b)), Fraction(0))
        # r_a + r_b = −total_other, r_a c_a + r_b c_b = P_ab
        r[b] = (P_ab + total_other * scale[a]) / (scale[b] - scale[a])
        r[a] = -total_other - r[b]
    base_rows = []
    for k in range(n):
        i, tau = side_of[k]
        base_rows.append([scale[k] * tau if c == i else Fraction(0) for c in range(d)])
    # neurons in closed form
    neurons_base: list[tuple[list[Fraction], int]] = []
    groups = []
    for sign, choices, mags in ((1, plus_choices, m), (-1, minus_choices, q)):
        if not any(mags):
            continue
        group = []
        for sigma in itertools.product(*choices):
            v = [sigma[i] * mags[i] for i in range(d)]
            group.append(len(neurons_base))
            neurons_base.append((v, sign))
        groups.append(tuple(group))
    Qm = _rational_orthogonal(rng, d) if rotate and d > 1 else None

    def rot(v):
        if Qm is None:
            return list(v)
        return [_dot(Qm[i], v) for i in range(d)]

    X = [rot(row) for row in base_rows]
    directions = [rot(v) for v, _ in neurons_base]
    rows = X
    fits = [_fit(rows, v, s) for v, (_, s) in zip(directions, neurons_base, strict=True)]
    # planted weights: the dependent design puts them on two "opposite" neurons (degenerate
    # margins: minimal networks of different sizes); the grid spreads them on all neurons
    alpha = [Fraction(0)] * len(neurons_base)
    for group in groups:
        if dependent and len(group) >= 2:
            first, last = group[0], group[-1]
            alpha[first] = Fraction(int(rng.integers(1, 5)))
            alpha[last] = alpha[first] + Fraction(int(rng.integers(1, 5)))
        else:
            for j in group:
                alpha[j] = Fraction(int(rng.integers(1, 8)))
    b_out = Fraction(int(rng.integers(-4, 5)), 2) if output_bias else None
    y = [
        r[k] + sum((alpha[j] * fits[j][k] for j in range(len(fits))), Fraction(0)) + (b_out or 0)
        for k in range(n)
    ]
    cells = certify_planted(
        X, False, r, lam, [(v, s) for v, (_, s) in zip(directions, neurons_base, strict=True)]
    )
    if cells is None:
        return None
    neurons = tuple(
        AlphaNeuron(tuple(v), s, a)
        for v, (_, s), a in zip(directions, neurons_base, alpha, strict=True)
    )
    faces = tuple(tuple(k for k in range(n) if _dot(rows[k], v) == 0) for v in directions)
    return PlantedInstance(
        X=tuple(tuple(x) for x in X),
        y=tuple(y),
        lam=lam,
        bias=False,
        output_bias=output_bias,
        neurons=neurons,
        residual=tuple(r),
        faces=faces,
        cells=tuple(len(c) for c in cells),
        design="decoupled",
        seed=seed,
        output_bias_value=b_out,
        groups=tuple(groups),
    )
