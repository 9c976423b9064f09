"""λ_max, the smallest λ at which the zero network is optimal, exactly (docs/theory.md §8 and §4
for the cone projections).

``lam_max(problem)``: ``λ_max = max_b ‖Π_{K_b}(Z_bᵀ y)‖`` (y centred with an output bias), above
which the zero network is optimal.  Every block's projection is computed exactly
(``exact.cones.project_onto_cone``: the exact KKT system of its face), so ``λ_max²`` is an exact
rational, proved when every block's norm is <= ``λ_max²``; a block the exact method could not
decide is bounded by ``‖c‖`` (μ = 0, Moreau).  Otherwise an exact enclosure ``[lower², upper²]``
(:class:`LamMax`).  The regularization path (:mod:`exactrelu.tasks.path`) starts from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import isqrt

import numpy as np

from exactrelu.exact.rationals import rational_str
from exactrelu.program.duality import common_integer_rows, exact_pattern_products
from exactrelu.program.problem import Problem
from exactrelu.program.solver import ColumnGeneration


@dataclass(frozen=True)
class LamMax:
    """``λ_max`` in the problem's scale: ``lower2 <= λ_max² <= upper2`` exactly.

    ``exact`` when ``lower2 == upper2`` (then ``squared`` is λ_max² and ``block`` attains it);
    ``block = (pattern index, sign)`` of the maximizing block, None when y correlates with no block.
    """

    lower2: Fraction
    upper2: Fraction
    block: tuple[int, int] | None
    certificate: dict | None = field(default=None, compare=False, repr=False)
    """The evidence the checker replays (proofs/path.md, R3): Moreau multipliers of the blocks
    whose plain correlation exceeds ``lower2`` and the projection of the maximizing block."""

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
            **({} if self.certificate is None else {"certificate": self.certificate}),
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
    lower2, best, witness = Fraction(0), None, None
    upper2 = Fraction(0)
    mu: list[dict[str, object]] = []
    for flat in order:
        i, j = divmod(int(flat), len(blocks.signs))
        sign = blocks.signs[j]
        if plain2[i] <= lower2:
            continue  # ‖Π(c)‖ <= ‖c‖
        c = [Fraction(sign * int(v), Q) for v in C[i]]
        try:
            found = blocks.project(i, rows, c)
            norm2 = found.norm2
        except ArithmeticError:  # the exact active-set method's safeguard: bounded by μ = 0
            upper2 = max(upper2, plain2[i])
            continue
        if found.multipliers:
            cone = blocks.cone_rows[i]
            entries = sorted((int(cone[t]), m) for t, m in found.multipliers.items() if m)
            mu.append(
                {
                    "pattern": i,
                    "sign": sign,
                    "rows": [k for k, _ in entries],
                    "values": [rational_str(m) for _, m in entries],
                }
            )
        if norm2 > lower2:
            lower2, best, witness = norm2, (i, sign), found.projection
        upper2 = max(upper2, norm2)
    upper2 = max(upper2, lower2)
    factor = Fraction(1, problem.n**2) if problem.scale == "mean" else Fraction(1)
    certificate = {
        "mu": sorted(mu, key=lambda e: (e["pattern"], -e["sign"])),
        "witness": None
        if best is None
        else {"pattern": best[0], "sign": best[1], "u": [rational_str(v) for v in witness]},
    }
    return LamMax(lower2 * factor, upper2 * factor, best, certificate)
