"""One neuron's Clarke stationarity conditions, decided exactly (docs/theory.md §9;
proofs/stationary.md, Lemma 2).

For a neuron ``W1 = a v``, ``w2 = s a ρ`` at the residual r: the w2-derivative
``λsρ − (X̃v)_+ᵀr`` must vanish, and ``λv = sρ X̃ᵀ D_σ r`` for σ in the convex hull of the
patterns of the neuron's adjacent cells (enumerated exactly on its face rows), an exact LP whose
alternative (Farkas) is a descent direction in W1.
"""

from __future__ import annotations

from fractions import Fraction

import cdd
import cdd.gmp

from exactrelu.arrangement.cells import primitive
from exactrelu.arrangement.patterns import enumerate_patterns
from exactrelu.program.exact_optimum import nonnegative_solution
from exactrelu.tasks.stationary.result import NeuronStationarity, Vector


def rational_neuron(weights: Vector, out: Fraction) -> tuple[Vector, int, Fraction]:
    """``(v, s, ρ)`` of a rational neuron: ``v = W1``, ``s = sign(w2)``, ``ρ = |w2|``."""
    return weights, (out > 0) - (out < 0), abs(out)


def neuron_conditions(rows, lam, r, index: int, v, sign: int, rho) -> NeuronStationarity:
    """The Clarke conditions of the neuron ``(v, s, ρ)`` at the residual r."""
    nonzero_v = any(v)
    if not nonzero_v and sign == 0:
        return NeuronStationarity(index, "zero")
    kind = "active" if nonzero_v and sign != 0 else "degenerate"
    values = [dot(row, v) for row in rows]
    w2_gradient = lam * sign * rho - sum(
        (t * rk for t, rk in zip(values, r, strict=True) if t > 0), Fraction(0)
    )
    face = tuple(k for k, t in enumerate(values) if t == 0 and any(rows[k]))
    cells, witnesses = _adjacent_cells(rows, values, face)
    gradients = [_w1_gradient(rows, lam, r, v, sign, rho, cell) for cell in cells]
    direction = _separating_direction(gradients)
    weights = None
    if direction is None:
        columns = [g + [Fraction(1)] for g in gradients]
        target = [Fraction(0)] * len(v) + [Fraction(1)]
        found = nonnegative_solution(columns, target, False)
        if found is None:  # pragma: no cover - the two exact LPs are alternatives (Farkas)
            raise ArithmeticError("neither a Clarke multiplier nor a separating direction")
        weights = tuple(found)
    return NeuronStationarity(index, kind, face, cells, witnesses, w2_gradient, weights, direction)


def _w1_gradient(rows, lam, r, v, sign, rho, cell: str) -> list[Fraction]:
    """``λv − sρ X̃ᵀ D_C r``: the neuron's W1-gradient (divided by a > 0) in the cell C."""
    gradient = [lam * t for t in v]
    for k, row in enumerate(rows):
        if cell[k] == "1" and r[k]:
            gradient = [g - sign * rho * r[k] * x for g, x in zip(gradient, row, strict=True)]
    return gradient


def _adjacent_cells(rows, values, face):
    """The cells whose closure contains the neuron: every cell of the face rows' arrangement,
    the other rows at their sign (zero rows '1').  Returns the pattern strings and integer
    witnesses of the face part."""
    off = ["1" if t >= 0 else "0" for t in values]
    if not face:
        return ("".join(off),), ((0,) * len(rows[0]),)
    local = enumerate_patterns([list(rows[k]) for k in face], bias=False)
    cells, witnesses = [], []
    for pattern, witness in zip(local.patterns, local.witnesses, strict=True):
        chars = list(off)
        for k, p in zip(face, pattern, strict=True):
            chars[k] = "1" if p else "0"
        cells.append("".join(chars))
        witnesses.append(tuple(primitive([int(w) for w in witness])))
    return tuple(cells), tuple(witnesses)


def _separating_direction(vectors: list[list[Fraction]]) -> Vector | None:
    """A d with ``⟨a, d⟩ < 0`` for every a of ``vectors``, or None when 0 is in their convex
    hull: the exact LP ``min e`` s.t. ``⟨a, d⟩ <= e``, ``−1 <= d <= 1`` (cdd.gmp)."""
    D = len(vectors[0])
    rows = [[0] + [-x for x in a] + [1] for a in vectors]
    for i in range(D):
        unit = [1 if j == i else 0 for j in range(D)]
        rows += [[1] + [-u for u in unit] + [0], [1] + unit + [0]]
    rows.append([0] * (D + 1) + [1])
    lp = cdd.gmp.linprog_from_array(rows, cdd.LPObjType.MIN)
    cdd.gmp.linprog_solve(lp)
    if lp.status != cdd.LPStatusType.OPTIMAL or Fraction(lp.obj_value) >= 0:
        return None
    return tuple(Fraction(x) for x in lp.primal_solution[:D])


def dot(a, b) -> Fraction:
    """The exact inner product ``Σ a_i b_i``."""
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))
