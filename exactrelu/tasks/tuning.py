"""Tuning inside the optimal set: choosing among networks with the same training fit (docs/theory.md
§5).

Every point β of the neuron polytope ``P = {β >= 0 : Σ_ν β_ν f_ν (+ b) = ŷ}`` of an
:class:`~exactrelu.optimum.optimal_set.OptimalSet` is an optimal network with the **same training
fit ŷ** (and the same objective): the choice among them is free, and the paper uses it to tune
generalization (Mishkin & Pilanci 2023, §"tuning"; docs/theory.md §10).  Two choices are offered,
both exact:

* :func:`extreme_point`: the vertex maximizing (or minimizing) a linear function ``c·β``.  HiGHS
  solves the LP in floating point; its optimal basis is then verified in rational arithmetic
  (basis system solved with ``fmpq_mat``; primal feasibility and the signs of the reduced costs
  checked exactly: NOTES-libraries §3.2).  If the basis does not verify, the best of the exactly
  enumerated ``optimal_set.vertices`` is returned instead, and the result says so.
* :func:`best_validation`: the point minimizing the validation error ``½‖f_val(β) − y_val‖²``, a
  convex QP because each neuron's validation output is linear in β.  A float solve proposes the
  support; the exact point solves the KKT equations on it, and optimality is proved by the
  first-order condition ``∇E(β)·(v − β) >= 0`` for every vertex v, i.e. by an exactly verified
  LP (sufficient for a convex objective).  When no proposed support verifies, the best candidate
  is returned with an exact bound on its excess validation error (the Frank–Wolfe gap).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import highspy
import numpy as np
from scipy.optimize import minimize

from exactrelu.data.io import as_dataset
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import (
    fmpq_matrix,
    fraction_of,
    independent_rows,
    rational_str,
    to_fraction,
)
from exactrelu.model.alpha_form import alpha_form_to_json
from exactrelu.model.network import Network, augmented
from exactrelu.model.network_io import network_to_json
from exactrelu.optimum.neuron_polytope import polytope_rows
from exactrelu.optimum.optimal_set import OptimalSet

HIGHS_METHOD = "highs_basis_verified"
VERTEX_METHOD = "vertex_enumeration"
SUPPORT_THRESHOLDS = (1e-9, 1e-7, 1e-5, 1e-11)
"""Relative thresholds below which a float β_ν is taken as zero when proposing a support."""


@dataclass(frozen=True)
class TunedPoint:
    """A point of the optimal set chosen by a criterion; ``value`` is the criterion's exact value.

    ``weights`` maps neuron index -> β > 0 (as ``OptimalSet.vertices``); ``network`` is its
    rational network (``OptimalSet.network``).  ``optimality_gap`` is an exact upper bound on
    ``value − optimum`` of the criterion (0 when optimality is proved).
    """

    optimal_set: OptimalSet = field(repr=False)
    criterion: str
    weights: dict[int, Fraction]
    value: Fraction
    method: str
    optimality_gap: Fraction
    network: Network = field(repr=False)

    @property
    def status(self) -> str:
        return "exact" if self.optimality_gap == 0 else "numeric"

    @property
    def is_vertex(self) -> bool:
        """Whether the point is a listed vertex (a minimal network)."""
        return self.weights in [dict(v) for v in self.optimal_set.vertices]

    @property
    def claims(self) -> dict[str, str]:
        return {
            "weights_in_optimal_set": "exact",
            "training_fit_unchanged": "exact",
            "value": "exact",
            "optimality_gap": "exact",
            "optimal": self.status,
        }

    def to_json(self) -> dict[str, object]:
        opt = self.optimal_set
        lam = opt.problem.lam_sum
        return {
            "kind": "tuning",
            "version": 1,
            "criterion": self.criterion,
            "method": self.method,
            "neurons": sorted(self.weights),
            "weights": {str(i): rational_str(b) for i, b in sorted(self.weights.items())},
            "alpha_form": alpha_form_to_json(opt.alpha_form(self.weights), lam),
            "network": network_to_json(self.network),
            "network_objective": rational_str(opt.problem.objective(self.network)),
            "value": rational_str(self.value),
            "value_float": float(self.value),
            "optimality_gap": rational_str(self.optimality_gap),
            "is_vertex": self.is_vertex,
            "training_fit_unchanged": True,
            "fit": [rational_str(v) for v in opt.fit],
            "status": self.status,
            "claims": self.claims,
        }


# ---------------------------------------------------------------------------------------------
# Extreme points: a float LP, verified exactly
# ---------------------------------------------------------------------------------------------


def extreme_point(
    optimal_set: OptimalSet, c: Sequence[object], maximize: bool = True
) -> TunedPoint:
    """The vertex of the neuron polytope maximizing (or minimizing) ``c·β``, exactly.

    Parameters
    ----------
    optimal_set : an exact :class:`OptimalSet`.
    c : one number per neuron of ``optimal_set.neurons`` (Fractions, ints, strings, floats).
    maximize : maximize (default) or minimize.

    Returns
    -------
    TunedPoint with ``value = c·β`` and ``method`` ``"highs_basis_verified"`` (an exactly
    verified optimal basis) or ``"vertex_enumeration"`` (the fallback over the listed vertices;
    ties go to the first listed).  Either way the value is the exact optimum of the LP.
    """
    p = len(optimal_set.neurons)
    if len(c) != p:
        raise ExactReluInputError(f"c must have one entry per neuron ({p}), got {len(c)}")
    cost = [to_fraction(v, f"c[{j}]") for j, v in enumerate(c)]
    signed = [-v for v in cost] if maximize else cost
    weights, method = _lp_minimum(optimal_set, signed)
    value = sum((cost[j] * b for j, b in weights.items()), Fraction(0))
    criterion = ("max " if maximize else "min ") + "c·β"
    return TunedPoint(
        optimal_set, criterion, weights, value, method, Fraction(0), optimal_set.network(weights)
    )


def _lp_minimum(optimal_set: OptimalSet, cost: Sequence[Fraction]) -> tuple[dict, str]:
    """An exact minimizer of ``cost·β`` over the polytope: a verified HiGHS basis, else the best
    listed vertex."""
    F, target = polytope_rows(optimal_set.neurons, optimal_set.fit, optimal_set.problem.output_bias)
    weights = _verified_basis(F, target, cost)
    if weights is not None:
        return weights, HIGHS_METHOD
    best = min(
        optimal_set.vertices,
        key=lambda v: sum((cost[j] * b for j, b in v.items()), Fraction(0)),
    )
    return dict(best), VERTEX_METHOD


def _verified_basis(F, target, cost) -> dict[int, Fraction] | None:
    """Solve ``min cost·β s.t. Fβ = target, β >= 0`` with HiGHS and verify the optimal basis
    exactly (NOTES-libraries §3.2): with B the basic columns and N the rows whose logical is
    nonbasic, ``F[N, B] β_B = target[N]``, every row satisfied exactly, ``β_B >= 0``, duals
    ``w`` (zero on basic rows) with ``F[N, B]ᵀ w_N = cost_B`` and reduced costs
    ``cost_j − F[:, j]·w >= 0`` off the basis.  Returns the vertex or None."""
    n, p = len(F), len(cost)
    if p == 0:
        return {} if all(t == 0 for t in target) else None
    # the plain binding: highspy.Highs() (1.16) prints its banner on stdout when constructed,
    # before any option can be set, which would corrupt JSON written to stdout
    highs = getattr(highspy, "_Highs", highspy.Highs)()
    highs.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = p, n
    lp.col_cost_ = np.array([float(v) for v in cost])
    lp.col_lower_ = np.zeros(p)
    lp.col_upper_ = np.full(p, highspy.kHighsInf)
    bounds = np.array([float(t) for t in target])
    lp.row_lower_, lp.row_upper_ = bounds, bounds.copy()
    dense = np.array([[float(v) for v in row] for row in F]).reshape(n, p)
    starts, indices, values = [0], [], []
    for j in range(p):
        rows = np.flatnonzero(dense[:, j])
        indices += rows.tolist()
        values += dense[rows, j].tolist()
        starts.append(len(indices))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(values, dtype=np.float64)
    highs.passModel(lp)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    basis = highs.getBasis()
    if not basis.valid:
        return None
    basic = highspy.HighsBasisStatus.kBasic
    columns = [j for j in range(p) if basis.col_status[j] == basic]
    rows = [i for i in range(n) if basis.row_status[i] != basic]
    if len(rows) != len(columns):
        return None
    beta = [Fraction(0)] * p
    w = [Fraction(0)] * n
    if columns:
        B = fmpq_matrix([[F[i][j] for j in columns] for i in rows])
        try:
            x = B.solve(fmpq_matrix([[target[i]] for i in rows]))
            y = B.transpose().solve(fmpq_matrix([[cost[j]] for j in columns]))
        except ZeroDivisionError:
            return None
        for t, j in enumerate(columns):
            beta[j] = fraction_of(x[t, 0])
        for t, i in enumerate(rows):
            w[i] = fraction_of(y[t, 0])
    if any(b < 0 for b in beta):
        return None
    for i in range(n):  # rows with a basic logical are equalities too: check them all
        if sum((F[i][j] * beta[j] for j in columns), Fraction(0)) != target[i]:
            return None
    for j in range(p):
        if j not in columns and cost[j] - sum((F[i][j] * w[i] for i in range(n)), Fraction(0)) < 0:
            return None
    return {j: b for j, b in enumerate(beta) if b != 0}


# ---------------------------------------------------------------------------------------------
# Best validation error: a convex QP on the polytope
# ---------------------------------------------------------------------------------------------


def validation_design(
    optimal_set: OptimalSet, X_val: object, y_val: object
) -> tuple[list[list[Fraction]], list[Fraction]]:
    """``(G, h)`` with ``f_val(β) − y_val = Gβ − h`` exactly for every β of the polytope.

    Column ν of G is the neuron's validation output ``s_ν (X̃_val v_ν)_+``; with an output bias
    the bias of β is ``ŷ_0 − Σ β_ν f_ν[0]`` (``OptimalSet.network``), so ``G[k][ν]`` subtracts
    ``f_ν[0]`` and ``h = y_val − ŷ_0``.
    """
    problem = optimal_set.problem
    data = as_dataset(X_val, y_val)
    if data.y is None:
        raise ExactReluInputError("the validation data has no target y")
    if data.d != problem.dataset.d:
        raise ExactReluInputError(
            f"the validation data has d = {data.d} features but the training data has "
            f"{problem.dataset.d}"
        )
    rows = augmented(data.X, problem.bias)
    G = []
    for row in rows:
        G.append(
            [
                nu.sign * max(sum((a * b for a, b in zip(row, nu.direction, strict=True)), 0), 0)
                for nu in optimal_set.neurons
            ]
        )
    h = list(data.y)
    if problem.output_bias:
        first = [nu.fit[0] for nu in optimal_set.neurons]
        G = [[g - f for g, f in zip(row, first, strict=True)] for row in G]
        h = [v - optimal_set.fit[0] for v in h]
    return [[Fraction(v) for v in row] for row in G], h


def validation_error(
    optimal_set: OptimalSet, weights: dict[int, Fraction], X_val: object, y_val: object
) -> Fraction:
    """``½‖f_val(β) − y_val‖²`` of the network of ``weights``, exactly."""
    G, h = validation_design(optimal_set, X_val, y_val)
    return _error(G, h, weights)


def _error(G, h, weights: dict[int, Fraction]) -> Fraction:
    total = Fraction(0)
    for row, target in zip(G, h, strict=True):
        diff = sum((row[j] * b for j, b in weights.items()), Fraction(0)) - target
        total += diff * diff
    return total / 2


def _gradient(G, h, weights: dict[int, Fraction], p: int) -> list[Fraction]:
    """``Gᵀ(Gβ − h)``."""
    diffs = [
        sum((row[j] * b for j, b in weights.items()), Fraction(0)) - target
        for row, target in zip(G, h, strict=True)
    ]
    return [
        sum((row[j] * d for row, d in zip(G, diffs, strict=True)), Fraction(0)) for j in range(p)
    ]


def best_validation(optimal_set: OptimalSet, X_val: object, y_val: object) -> TunedPoint:
    """The optimal network with the least validation error ``½‖f_val(β) − y_val‖²``.

    The training fit is unchanged: every point of the optimal set has the same fit ŷ and the
    same training objective (docs/theory.md §5); only the behaviour off the training data differs.

    Parameters
    ----------
    optimal_set : an exact :class:`OptimalSet`.
    X_val, y_val : validation data (same features as the training data; read exactly).

    Returns
    -------
    TunedPoint with ``value`` the exact validation error.  ``optimality_gap == 0`` (status
    ``"exact"``) when optimality is proved: ``∇E(β)·β <= min_v ∇E(β)·v`` over the polytope,
    with the minimum from an exactly verified LP (:func:`extreme_point`'s machinery).  Otherwise
    the returned point is the best exact candidate and ``optimality_gap`` the exact Frank–Wolfe
    bound ``∇E(β)·β − min_v ∇E(β)·v >= E(β) − min E`` (status ``"numeric"``).
    """
    G, h = validation_design(optimal_set, X_val, y_val)
    F, target = polytope_rows(optimal_set.neurons, optimal_set.fit, optimal_set.problem.output_bias)
    candidates = [(dict(v), "vertex") for v in optimal_set.vertices]
    if len(optimal_set.vertices) > 1:
        proposed = _kkt_candidates(F, target, G, h, optimal_set.vertices)
        candidates = [(w, "kkt_on_support") for w in proposed] + candidates
        candidates.append((dict(optimal_set.min_norm), "min_norm"))
    best = None
    for weights, origin in candidates:
        gap, method = _frank_wolfe_gap(optimal_set, G, h, weights)
        error = _error(G, h, weights)
        if best is None or (gap == 0) > (best[2] == 0) or (gap != 0 and error < best[1]):
            best = (weights, error, gap, f"{origin}+{method}")
        if gap == 0:
            break
    weights, error, gap, method = best
    return TunedPoint(
        optimal_set,
        "min validation error",
        weights,
        error,
        method,
        gap,
        optimal_set.network(weights),
    )


def _frank_wolfe_gap(optimal_set, G, h, weights) -> tuple[Fraction, str]:
    """``∇E(β)·β − min_{v∈P} ∇E(β)·v`` exactly (0 iff β is optimal, E being convex)."""
    gradient = _gradient(G, h, weights, len(optimal_set.neurons))
    vertex, method = _lp_minimum(optimal_set, gradient)
    at_beta = sum((gradient[j] * b for j, b in weights.items()), Fraction(0))
    at_vertex = sum((gradient[j] * b for j, b in vertex.items()), Fraction(0))
    return at_beta - at_vertex, method


def _kkt_candidates(F, target, G, h, vertices) -> list[dict[int, Fraction]]:
    """Exact points of the polytope from a float QP solution: for each support T proposed by
    :data:`SUPPORT_THRESHOLDS`, the solution of the KKT equations on T
    (``G_TᵀG_T β_T − F_Tᵀ w = G_Tᵀ h``, ``F_T β_T = target``) nearest to the float one, kept
    when ``β_T >= 0``."""
    p = len(F[0])
    # SLSQP fails ("Singular matrix C") on dependent equality rows, which an output bias always
    # creates (centred rows sum to zero): keep an exactly independent subset of the rows
    independent = independent_rows(F)
    Ff = np.array([[float(v) for v in F[i]] for i in independent]).reshape(len(independent), p)
    yf = np.array([float(target[i]) for i in independent])
    rows, rhs = [F[i] for i in independent], [target[i] for i in independent]
    Gf = np.array([[float(v) for v in row] for row in G]).reshape(len(G), p)
    hf = np.array([float(v) for v in h])
    start = np.mean([[float(v.get(j, 0)) for j in range(p)] for v in vertices], axis=0)
    result = minimize(
        lambda b: 0.5 * np.sum((Gf @ b - hf) ** 2),
        start,
        jac=lambda b: Gf.T @ (Gf @ b - hf),
        method="SLSQP",
        bounds=[(0, None)] * p,
        constraints=[{"type": "eq", "fun": lambda b: Ff @ b - yf, "jac": lambda b: Ff}],
        options={"ftol": 1e-15, "maxiter": 500},
    )
    x = np.maximum(result.x, 0.0)
    scale = max(np.abs(x).max(initial=0.0), 1e-300)
    seen, out = [], []
    for threshold in SUPPORT_THRESHOLDS:
        support = [j for j in range(p) if x[j] > threshold * scale]
        if support in seen:
            continue
        seen.append(support)
        weights = _kkt_on_support(rows, rhs, G, h, support, x, Gf, hf, Ff)
        if weights is not None:
            out.append(weights)
    return out


def _kkt_on_support(F, target, G, h, support, x, Gf, hf, Ff) -> dict[int, Fraction] | None:
    n, k = len(F), len(support)
    H = [[sum((row[a] * row[b] for row in G), Fraction(0)) for b in support] for a in support]
    Gh = [sum((row[a] * v for row, v in zip(G, h, strict=True)), Fraction(0)) for a in support]
    equations = []
    rhs = []
    for i, a in enumerate(support):  # stationarity on T (the multipliers of β_T >= 0 vanish)
        equations.append(H[i] + [-F[r][a] for r in range(n)])
        rhs.append(Gh[i])
    for r in range(n):
        equations.append([F[r][a] for a in support] + [Fraction(0)] * n)
        rhs.append(target[r])
    # float multipliers, only to pick the nearest exact solution when it is not unique
    grad = Gf.T @ (Gf @ x - hf)
    w_float = np.linalg.lstsq(Ff[:, support].T, grad[support], rcond=None)[0] if k else np.zeros(n)
    guess = [x[a] for a in support] + list(w_float)
    guess = [Fraction(float(v)).limit_denominator(10**9) for v in guess]
    solution = _nearest_solution(equations, rhs, guess)
    if solution is None:
        return None
    beta = dict(zip(support, solution[:k], strict=True))
    if any(b < 0 for b in beta.values()):
        return None
    return {j: b for j, b in beta.items() if b != 0}


def _nearest_solution(A, b, guess) -> list[Fraction] | None:
    """The solution of the consistent system ``A x = b`` nearest to ``guess`` (exact), or None
    when the system is inconsistent."""
    m = len(guess)
    reduced, rank = fmpq_matrix([list(row) + [v] for row, v in zip(A, b, strict=True)]).rref()
    pivots = []
    for i in range(rank):
        pivot = next(j for j in range(m + 1) if reduced[i, j] != 0)
        if pivot == m:
            return None
        pivots.append(pivot)
    free = [j for j in range(m) if j not in pivots]
    x0 = [Fraction(0)] * m
    for i, j in enumerate(pivots):
        x0[j] = fraction_of(reduced[i, m])
    if not free:
        return x0
    basis = []
    for f in free:
        vector = [Fraction(0)] * m
        vector[f] = Fraction(1)
        for i, j in enumerate(pivots):
            vector[j] = -fraction_of(reduced[i, f])
        basis.append(vector)
    N = fmpq_matrix([[vector[j] for vector in basis] for j in range(m)])
    offset = fmpq_matrix([[g - v] for g, v in zip(guess, x0, strict=True)])
    z = (N.transpose() * N).solve(N.transpose() * offset)
    shift = N * z
    return [v + fraction_of(shift[j, 0]) for j, v in enumerate(x0)]
