"""The decoupled design of planted instances (``design="decoupled"``: ``dependent=True`` or
``grid=...``; docs/theory.md §7): rows on the coordinate axes, the neurons in closed form,
dependent fits and many minimal networks.

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
from fractions import Fraction

import numpy as np

from exactrelu.exact.rationals import fmpq_matrix, fraction_of
from exactrelu.model.alpha_form import AlphaNeuron
from exactrelu.testing.planted.certificate import certify_planted
from exactrelu.testing.planted.exact import dot, neuron_fit
from exactrelu.testing.planted.instance import PlantedInstance


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


def decoupled(n, d, spec, output_bias, seed, rotate, max_tries) -> PlantedInstance:
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
        return [dot(Qm[i], v) for i in range(d)]

    X = [rot(row) for row in base_rows]
    directions = [rot(v) for v, _ in neurons_base]
    rows = X
    fits = [neuron_fit(rows, v, s) for v, (_, s) in zip(directions, neurons_base, strict=True)]
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
    faces = tuple(tuple(k for k in range(n) if dot(rows[k], v) == 0) for v in directions)
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
