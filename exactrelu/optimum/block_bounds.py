"""The blocks not tied to a neuron are strictly below λ on the Krawczyk box: ``‖Π_{K_b}(Z_bᵀ r)‖
< λ`` for every such block b (docs/theory.md §4 and §7 "Verified"; proofs/verified.md).

The bound is ``‖Z_bᵀ r + A_bᵀ μ_b‖ < λ`` with ``μ_b >= 0`` (Moreau: any ``μ >= 0`` bounds the
projection's norm from above, docs/theory.md §4; μ_b = 0 for most blocks).  A block ``(C, s)``
is *tied* to a neuron ν when ``s = s_ν`` and the pattern of C agrees with ν's active rows off the
face: its cone contains v_ν and the SCS multipliers (:mod:`exactrelu.optimum.structure_checks`)
give ``Π_{K_b}(Z_bᵀ r) = v_ν``, so tied blocks sit exactly at λ and are not bounded here.

The engine bounds the blocks with exact integers rather than balls (all blocks at once): with a
dyadic ``r₀`` near the box, ``‖c_b(r) + A_bᵀμ‖ <= ‖c_b(r₀) + A_bᵀμ‖ + ‖e‖`` for every r in the
box, ``e_j = Σ_k |r_k − r₀_k| |x̃_kj|``, and the first norm is an exact integer computation over
the common denominator (μ are multiples of ``2^-K``).  Blocks are tried with μ = 0, then one
multiplier on the best facet, then the float projection's multipliers.  The multipliers used
are the certificate's ``"block_multipliers"`` (rendered lazily).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache

import numpy as np
from flint import arb

from exactrelu.exact.balls import fraction_of_arb
from exactrelu.exact.cones import project_many
from exactrelu.optimum.reduced_system import ReducedSystem, short_list
from exactrelu.program.duality import common_integer_rows, exact_pattern_products

BLOCK_BITS = 120
"""Bits of the rational reference residual r₀ used to bound every block with integer arithmetic."""


class BlockBounds(ReducedSystem):
    """The bounds of the blocks not tied to a neuron, at one end (a box) or at both ends of a
    tube, with the same multipliers."""

    def tied_data(self) -> list:
        """The neurons whose tied blocks sit exactly at λ (here: the proposed neurons; mirror
        ties add the mirrors, :mod:`exactrelu.optimum.mirror_ties`)."""
        return self.data

    def check_blocks(self, r_mid: list[arb], r_rad: float) -> list[dict]:
        """Every block not tied to a neuron has ``‖Z_bᵀ r + A_bᵀ μ_b‖ < λ`` on the box."""
        return self.bound_blocks([([fraction_of_arb(v) for v in r_mid], self.lam_low)], r_rad)

    def bound_blocks(self, ends: list[tuple[list[Fraction], Fraction]], r_rad: float) -> list:
        """Every block not tied to a neuron has ``‖Z_bᵀ r + A_bᵀ μ_b‖ < λ_e`` for every r
        within ``r_rad`` (componentwise) of ``r_e``, at every end ``(r_e, λ_e)`` of ``ends``,
        with the same μ_b at every end (so that, on a tube between two ends, convexity in t of
        ``‖Z_bᵀ(r̃ + tṙ + z) + A_bᵀμ_b‖ − λ(t)`` extends the bound to the whole tube).

        Exact integer arithmetic, all blocks at once: with a reference ``r₀ = z / 2^K`` near
        ``r_e`` and ``X̃ = X_int / Q``, ``c_b(r₀) + A_bᵀμ = V_b / (2^K Q)`` with integer V_b when
        ``μ = m / 2^K``; and for every r in the box
        ``‖c_b(r) − c_b(r₀)‖ <= ‖e‖``, ``e_j = Σ_k |r_k − r₀_k| |x̃_kj|`` (the same for all blocks).
        Returns the multiplier tables of the first end (the certificate's, in point mode).
        """
        blocks = self.blocks
        patterns, signs = blocks.patterns, blocks.signs
        tied = np.zeros((len(patterns), len(signs)), dtype=bool)
        for data in self.tied_data():
            tied[data.cells, signs.index(data.neuron.sign)] = True
        top = max(abs(v) for mids, _ in ends for v in mids)
        K = max(BLOCK_BITS - (top.numerator.bit_length() - top.denominator.bit_length()), 0)
        X_int, Q = common_integer_rows(self.rows)
        self.X_int, self.K = np.array(X_int, dtype=object), K
        bounds = []
        for mids, lam in ends:
            bound = self.end_bound(mids, lam, r_rad, X_int, Q, K)
            if bound is None:
                self.failures.append("the box is too wide to bound the blocks")
                return []
            bounds.append(bound)
        below = np.ones(len(patterns), dtype=bool)
        for Cint, (num2, den2) in bounds:
            norms2 = (Cint * Cint).sum(axis=1)
            below &= np.array([v * den2 < num2 for v in norms2], dtype=bool)
        need = np.argwhere(~below[:, None] & ~tied)  # (pattern, sign index) pairs
        entries = []
        for propose in (self.single_facet_multipliers, self.projection_multipliers):
            if not len(need) or self.gated:
                break
            owner, rows, mu = propose(need)
            proved = np.ones(len(need), dtype=bool)
            for e, bound in enumerate(bounds):
                self.Cint, self.bound2 = bound
                table, ok = self.exact_bounds(need, owner, rows, mu)
                proved &= ok
                if e == 0:
                    first = table
            entries.append(first.restricted(proved))
            need = need[~proved]
        if len(need):
            shown = [f"(pattern {i}, sign {signs[j]})" for i, j in need]
            self.failures.append(
                f"{len(need)} block(s) not tied to a neuron not proved to have "
                f"‖Π_K(Z_bᵀ r)‖ < λ: {short_list(shown)}"
            )
        return entries

    def end_bound(self, mids, lam, r_rad, X_int, Q, K):
        """``(c_C(r₀)·2^K Q for the sign +1, (num², den²) of the threshold)`` at one end, or None
        when the box is too wide (threshold <= 0)."""
        z = [round(v * (1 << K)) for v in mids]
        deviation = [
            abs(m - Fraction(zk, 1 << K)) + Fraction(r_rad) for m, zk in zip(mids, z, strict=True)
        ]
        e = [
            sum((d * abs(row[j]) for d, row in zip(deviation, self.rows, strict=True)), Fraction(0))
            for j in range(self.D)
        ]
        spread = _sqrt_upper(sum((v * v for v in e), Fraction(0)))
        threshold = (lam - spread) * (1 << K) * Q
        if threshold <= 0:
            return None
        W = [[z[k] * X_int[k][j] for j in range(self.D)] for k in range(self.n)]
        Cint = exact_pattern_products(self.blocks.patterns, W)
        # ‖V‖ < threshold  ⇔  ‖V‖² · den² < num² (exact)
        return Cint, (threshold.numerator**2, threshold.denominator**2)

    def float_correlations(self, need: np.ndarray) -> np.ndarray:
        """``Z_bᵀ r`` in floating point for the blocks ``need`` (to propose multipliers)."""
        signs = np.array(self.blocks.signs, dtype=np.float64)[need[:, 1]]
        X, r = self.problem.rows_float, np.array(self.r_float)
        return (
            self.blocks.patterns[need[:, 0]].astype(np.float64) @ (X * r[:, None]) * signs[:, None]
        )

    def single_facet_multipliers(self, need: np.ndarray):
        """One multiplier per block, on its best facet: ``μ_k = −a_k·c / ‖a_k‖²`` for the k that
        maximizes ``(a_k·c)² / ‖a_k‖²`` over ``a_k·c < 0`` (float proposal, exact check)."""
        blocks = self.blocks
        c = self.float_correlations(need)
        lengths = np.array([len(blocks.cone_rows[i]) for i in need[:, 0]], dtype=np.int64)
        owner = np.repeat(np.arange(len(need)), lengths)
        rows = np.concatenate([np.asarray(blocks.cone_rows[i]) for i in need[:, 0]])
        sigma = np.where(blocks.patterns[need[owner, 0], rows], 1.0, -1.0)
        A = self.problem.rows_float[rows] * sigma[:, None]
        norm2 = np.maximum(np.einsum("kd,kd->k", A, A), 1e-300)
        dots = np.einsum("kd,kd->k", A, c[owner])
        gain = np.where(dots < 0, dots * dots / norm2, 0.0)
        best = np.zeros(len(need))
        np.maximum.at(best, owner, gain)
        candidates = np.nonzero((gain == best[owner]) & (gain > 0))[0]
        _, first = np.unique(owner[candidates], return_index=True)
        chosen = candidates[first]
        return owner[chosen], rows[chosen], -dots[chosen] / norm2[chosen]

    def projection_multipliers(self, need: np.ndarray):
        """μ from the float projection onto each block's cone (``cones.project_many``)."""
        blocks = self.blocks
        c = self.float_correlations(need)
        X = self.problem.rows_float
        cones = []
        for i in need[:, 0]:
            rows = blocks.cone_rows[i]
            cones.append(X[rows] * np.where(blocks.patterns[i, rows], 1.0, -1.0)[:, None])
        _, mus = project_many(cones, c)
        lengths = np.array([len(blocks.cone_rows[i]) for i in need[:, 0]], dtype=np.int64)
        owner = np.repeat(np.arange(len(need)), lengths)
        rows = np.concatenate([np.asarray(blocks.cone_rows[i]) for i in need[:, 0]])
        mu = np.concatenate(mus) if mus else np.zeros(0)
        return owner, rows, mu

    def exact_bounds(self, need, owner, rows, mu):
        """Exact check of ``‖V_b‖ < threshold`` with ``V_b = s C_int + Σ_k m_k σ_k X_int_k``,
        ``m = floor(μ 2^K)`` (so the multipliers used are ``m / 2^K >= 0``), for all blocks at
        once with Python-int object arrays.  Returns the multipliers of the blocks proved and
        the mask of the blocks of ``need`` proved."""
        blocks, K = self.blocks, self.K
        signs = np.array(blocks.signs, dtype=np.int64)[need[:, 1]]
        numerators, exact = _floor_scaled(mu, K)
        keep = numerators > 0
        owner, rows, mu = owner[keep], rows[keep], mu[keep]
        numerators, exact = numerators[keep], exact[keep]
        V = self.Cint[need[:, 0]] * signs[:, None].astype(object)
        if len(owner):
            sigma = np.where(blocks.patterns[need[owner, 0], rows], 1, -1).astype(object)
            terms = (numerators * sigma)[:, None] * self.X_int[rows]
            if len(np.unique(owner)) == len(owner):
                V[owner] += terms  # one multiplier per block: no repeated index
            else:
                np.add.at(V, owner, terms)
        num2, den2 = self.bound2
        ok = (V * V).sum(axis=1) * den2 < num2
        proved = ok[owner]  # keep the multipliers of the blocks proved
        table = _Multipliers(
            need[:, 0],
            signs,
            owner[proved],
            rows[proved],
            mu[proved],
            numerators[proved],
            exact[proved],
            K,
        )
        return table, ok


@dataclass(frozen=True)
class _Multipliers:
    """The multipliers ``μ = m / 2^K`` used for a batch of blocks (rendered lazily: there can be
    a hundred thousand of them)."""

    patterns: np.ndarray
    signs: np.ndarray
    owner: np.ndarray
    rows: np.ndarray
    mu: np.ndarray
    numerators: np.ndarray
    exact: np.ndarray
    K: int

    def restricted(self, proved: np.ndarray) -> _Multipliers:
        """The multipliers of the blocks ``proved`` (a mask over ``patterns``) only."""
        keep = proved[self.owner]
        return replace(
            self,
            owner=self.owner[keep],
            rows=self.rows[keep],
            mu=self.mu[keep],
            numerators=self.numerators[keep],
            exact=self.exact[keep],
        )

    def entries(self) -> list[dict]:
        order = np.argsort(self.owner, kind="stable")
        owner, rows = self.owner[order], self.rows[order]
        values = [
            _float_str(v) if e else _dyadic_str(int(m), self.K)
            for v, m, e in zip(
                self.mu[order].tolist(), self.numerators[order], self.exact[order], strict=True
            )
        ]
        starts = np.searchsorted(owner, np.arange(len(self.patterns) + 1)).tolist()
        return [
            {
                "pattern": int(self.patterns[t]),
                "sign": int(self.signs[t]),
                "rows": rows[starts[t] : starts[t + 1]].tolist(),
                "values": values[starts[t] : starts[t + 1]],
            }
            for t in range(len(self.patterns))
            if starts[t + 1] > starts[t]
        ]


def _sqrt_upper(value: Fraction, bits: int = 128) -> Fraction:
    """A rational upper bound on √value (value >= 0), within 2^-bits relative."""
    if value == 0:
        return Fraction(0)
    shift = 2 * bits
    scaled = value.numerator * (1 << shift) // value.denominator + 1
    root = math.isqrt(scaled)
    if root * root < scaled:
        root += 1
    return Fraction(root, 1 << bits)


def _floor_scaled(values: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """``floor(v · 2^K)`` exactly for floats v >= 0 (0 for v <= 0), as Python ints, and whether
    it is exact (``v · 2^K`` an integer)."""
    values = np.where(values > 0, values, 0.0)
    mantissa, exponent = np.frexp(values)  # v = mantissa · 2^exponent, mantissa in [0.5, 1)
    integer = np.ldexp(mantissa, 53).astype(np.int64).astype(object)  # exact
    shift = exponent.astype(np.int64) - 53 + K
    out = np.empty(len(values), dtype=object)
    left = shift >= 0
    out[left] = integer[left] << shift[left].astype(object)
    out[~left] = integer[~left] >> (-shift[~left]).astype(object)
    return out, left | (values == 0)


def _float_str(value: float) -> str:
    """A float as an exact JSON rational."""
    numerator, denominator = float(value).as_integer_ratio()
    return str(numerator) if denominator == 1 else f"{numerator}/{denominator}"


@lru_cache(maxsize=256)
def _power_of_two_str(exponent: int) -> str:
    return str(1 << exponent)


def _dyadic_str(m: int, K: int) -> str:
    """``m / 2^K`` in lowest terms, as a JSON rational."""
    shift = min((m & -m).bit_length() - 1, K)
    return str(m >> shift) if shift == K else f"{m >> shift}/{_power_of_two_str(K - shift)}"
