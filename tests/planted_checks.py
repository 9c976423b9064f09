"""Test-only checks of planted instances (docs/theory.md §7, "Planted instances"), shared by
tests/testing/planted/: every claim of an instance re-checked exactly, without trusting the
generator.

The residual is re-proved dual feasible with a zero gap by the package's own exact dual bound
(``duality.dual_bound``, docs/theory.md §4), the α-form objective of the planted network is
recomputed by ``alpha_form_objective``, and the listed minimal networks are re-checked as vertices
of the polytope (docs/theory.md §6).
"""

from __future__ import annotations

from fractions import Fraction

from exactrelu.exact.rationals import fmpq_matrix
from exactrelu.model.alpha_form import alpha_form_objective
from exactrelu.program.duality import dual_bound
from exactrelu.testing.planted import PlantedInstance, certify_planted


def dot(a, b) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


def assert_valid(inst: PlantedInstance) -> None:
    """Every claim of a planted instance, checked exactly."""
    lam, n = inst.lam, inst.n
    rows = [list(x) + ([Fraction(1)] if inst.bias else []) for x in inst.X]
    assert all(isinstance(v, Fraction) for row in inst.X for v in row)
    assert all(isinstance(v, Fraction) for v in inst.y)
    assert lam > 0
    for nu, face in zip(inst.neurons, inst.faces, strict=True):
        assert dot(nu.direction, nu.direction) == lam * lam
        assert nu.sign in (1, -1)
        assert nu.alpha >= 0
        assert face == tuple(k for k in range(n) if dot(rows[k], nu.direction) == 0)
    # y = r + Σ α f (+ b), and the fits are s (X̃ v)_+
    bias_value = inst.output_bias_value or Fraction(0)
    for k in range(n):
        fit = sum(
            (nu.alpha * nu.sign * max(dot(rows[k], nu.direction), Fraction(0)))
            for nu in inst.neurons
        )
        assert inst.y[k] == inst.residual[k] + fit + bias_value
    assert inst.fits == tuple(
        tuple(nu.sign * max(dot(row, nu.direction), Fraction(0)) for row in rows)
        for nu in inst.neurons
    )
    if inst.output_bias:
        assert sum(inst.residual) == 0
    else:
        assert inst.output_bias_value is None
    # the planted value: P(α) = ½‖r‖² + λ²Σα (alpha_form_objective) = D(r)
    expected = sum((t * t for t in inst.residual), Fraction(0)) / 2 + lam * lam * sum(
        (nu.alpha for nu in inst.neurons), Fraction(0)
    )
    assert inst.optimum == expected
    value = alpha_form_objective(
        list(inst.neurons),
        [list(x) for x in inst.X],
        list(inst.y),
        lam,
        bias=inst.bias,
        output_bias=inst.output_bias_value,
    )
    assert value == inst.optimum
    assert dot(inst.residual, inst.y) - dot(inst.residual, inst.residual) / 2 == inst.optimum
    # r is dual feasible (θ = 1) for every cell: the package's exact dual bound, a zero gap
    problem = inst.problem()
    bound = dual_bound(
        problem.rows, list(inst.y), lam, problem.blocks, list(inst.residual), exact_tight=True
    )
    assert bound.theta == 1
    assert bound.lower == inst.optimum
    # the exact certificate of E: each neuron's blocks are the cells whose cone contains it
    cells = certify_planted(
        inst.X, inst.bias, inst.residual, lam, [(nu.direction, nu.sign) for nu in inst.neurons]
    )
    assert cells is not None
    assert tuple(len(c) for c in cells) == inst.cells
    assert all(c >= 1 for c in inst.cells)


def assert_vertices(inst: PlantedInstance) -> None:
    """The listed minimal networks are exactly vertices: in the polytope, independent fits."""
    vertices = inst.minimal_networks
    assert vertices, "a planted instance has at least one minimal network"
    fits, target, n = inst.fits, inst.fit, inst.n
    for vertex in vertices:
        assert all(b > 0 for b in vertex.values())
        produced = [sum((b * fits[i][k] for i, b in vertex.items()), Fraction(0)) for k in range(n)]
        gap = [t - p for t, p in zip(target, produced, strict=True)]
        if inst.output_bias:
            assert len(set(gap)) == 1  # the output bias absorbs a constant
        else:
            assert all(g == 0 for g in gap)
        columns = [list(fits[i]) for i in vertex] + ([[1] * n] if inst.output_bias else [])
        matrix = fmpq_matrix([[c[k] for c in columns] for k in range(n)])
        assert matrix.rref()[1] == len(columns)
    supports = [frozenset(v) for v in vertices]
    assert len(set(supports)) == len(supports)  # one vertex per support
    assert inst.planted_network in [dict(v) for v in vertices] or len(vertices) > 1
