"""The generic design of planted instances (``design="generic"``, the default; docs/theory.md §7):
random integer data, a float optimum of a teacher problem snapped to an exact planted instance with
a unique optimal network.

A float optimum of a random teacher problem on a core of the rows (column generation,
:mod:`exactrelu.program.solver`, λ bisected until it has the requested number of neurons) proposes
natural neurons (signs, active rows, faces) and a residual; the other rows get residuals that leave
every neuron's equation unchanged.  The directions are snapped to rational points of the sphere of
radius λ (stereographic projection; with a hidden bias the bias weight is taken from a circle of
many rational points, see :func:`~exactrelu.testing.planted.exact.rational_direction`), the
residual and the face multipliers γ to a dyadic grid with ``0 < γ_k < −s_ν r_k`` (strict
complementarity, docs/theory.md §8), face rows are moved exactly onto their neuron's hyperplane,
and the equations ``P_ν Z_νᵀ r = v_ν`` (``Z_ν = s_ν D_ν X̃``, ``P_ν`` the projector onto the
face's span) are then made exact by small changes of the active rows' inputs (least change,
rounded) and one "adjuster" row per neuron solved for exactly.  The residual keeps small
denominators, so the engine's rational reconstruction finds it.  Fits are independent: the optimal
network is unique up to permutation and splitting, with ``2^|face|`` blocks per neuron.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from exactrelu.model.alpha_form import AlphaNeuron
from exactrelu.testing.planted.certificate import certify_planted
from exactrelu.testing.planted.exact import (
    CIRCLE_DENOMINATOR,
    dot,
    dyadic_step,
    matrix_rank,
    neuron_fit,
    rational_direction,
    snap,
    solve_square,
)
from exactrelu.testing.planted.instance import PlantedInstance

BIAS_BITS = 12
"""With a hidden bias, λ = H/2^m with m <= BIAS_BITS (the instance is scaled up if needed), so
that the residual's denominators stay below 2^12 and the engine's rational reconstruction of the
dual optimum succeeds."""
MIN_RELATIVE_FIT = 1e-6
"""A generic planted neuron's largest output ``α·max|f_ν|`` is at least this times ``max|r|``:
the teacher's float solve can end at a λ where a neuron has just appeared (α ≈ 1e-17), an exact
instance that no float solver can tell from one without the neuron."""


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


def generic(n, d, k, bias, output_bias, faces, seed, max_tries) -> PlantedInstance:
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
    v_exact = [rational_direction(directions[j], lam, bias) for j in range(k_neurons)]
    # move face rows exactly onto their neurons' hyperplanes (least change in x)
    for t in sorted(used):
        owners = [j for j in range(k_neurons) if t in face[j]]
        Wm = [v_exact[j][:d] for j in owners]
        G = [[dot(a, b) for b in Wm] for a in Wm]
        sol = solve_square(G, [[-dot(row(t), v_exact[j])] for j in owners])
        if sol is None:
            return None
        for j_i, (coef,) in enumerate(sol):
            for c in range(d):
                X[t][c] += coef * Wm[j_i][c]
    # residual on a dyadic grid; face multipliers γ on the same grid
    step = dyadic_step(r0)
    r = [snap(float(v), step) for v in r0]
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
                value = snap(gf, step)
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
                r[t] += snap(float(sum(coef[j] for j in range(k_neurons) if t in active[j])), step)
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
        shift = solve_square(A_rows, rhs)
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
            X[t][c] += snap(float(delta[c]), fine)
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
    Y = solve_square([[Fraction(x) for x in m_row] for m_row in M], remainder)
    if Y is None:
        return None
    for j, t in enumerate(adjusters):
        X[t] = [Y[j][c] / r[t] for c in range(d)]
    # the exact patterns must be the natural ones
    for j in range(k_neurons):
        for t in range(n):
            value = dot(row(t), v_exact[j])
            expected = 1 if t in active[j] else (0 if t in face[j] else -1)
            if (value > 0) - (value < 0) != expected:
                return None
    rows = [row(t) for t in range(n)]
    if _has_parallel(rows):
        return None
    fits = [neuron_fit(rows, v_exact[j], signs[j]) for j in range(k_neurons)]
    check = [list(f) for f in fits] + ([[Fraction(1)] * n] if output_bias else [])
    if matrix_rank([[c[t] for c in check] for t in range(n)]) < len(check):
        return None  # dependent fits: not a unique planted network
    cells = certify_planted(X, bias, r, lam, [(v_exact[j], signs[j]) for j in range(k_neurons)])
    if cells is None:
        return None
    alpha_step = dyadic_step(np.asarray(found.alpha), 6)
    alpha = [max(snap(float(a), alpha_step), alpha_step) for a in found.alpha]
    top = float(max((abs(t) for t in r), default=Fraction(0)))
    for a, f in zip(alpha, fits, strict=True):
        if float(a) * float(max(abs(t) for t in f)) < MIN_RELATIVE_FIT * top:
            return None  # a neuron too weak for a float solver to see
    b_out = None
    if output_bias:
        b_out = snap(scale * float(found.output_bias or 0.0), Fraction(1, 8))
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
        if dot(a, b) ** 2 == dot(a, a) * dot(b, b):
            return True
    return False
