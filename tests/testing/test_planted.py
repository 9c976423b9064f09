"""Planted instances (docs/theory.md §7, "Planted instances"): every generated instance is exactly
valid.

The checks here do not trust the generator: the residual is re-proved dual feasible with a zero
gap by the package's own exact dual bound (``duality.dual_bound``, docs/theory.md §4), the α-form
objective of the planted network is recomputed by ``networks.alpha_form_objective``, and the
listed minimal networks are re-checked as vertices of the polytope (docs/theory.md §6).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactrelu.exact.rationals import fmpq_matrix
from exactrelu.model.networks import alpha_form_objective
from exactrelu.program.duality import dual_bound
from exactrelu.testing.planted import PlantedInstance, certify_planted, planted


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
    # the planted value: P(α) = ½‖r‖² + λ²Σα (networks.alpha_form_objective) = D(r)
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


GENERIC = [
    ({}, (0, 1)),
    ({"neurons": 1}, (0, 1)),
    ({"neurons": 3}, (0, 1)),
    ({"bias": True}, (0, 1)),
    ({"bias": True, "neurons": 3}, (0, 1)),
    ({"d": 3}, (0, 1)),
    ({"d": 1, "bias": True}, (0, 1)),
    ({"faces": 1}, (0, 1)),
    ({"faces": 2, "neurons": 2}, (5, 6)),
    ({"output_bias": True}, (0, 1)),
    ({"output_bias": True, "bias": True}, (0, 1)),
    ({"n": 20, "d": 2, "bias": True, "neurons": 3}, (0,)),
]


@pytest.mark.parametrize(
    "options, seed",
    [(o, s) for o, seeds in GENERIC for s in seeds],
    ids=lambda v: ",".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else str(v),
)
def test_generic_instances_are_valid(options, seed):
    inst = planted(seed=seed, **options)
    assert inst.design == "generic"
    assert len(inst.neurons) == options.get("neurons", 2)
    assert inst.d == options.get("d", 2)
    assert_valid(inst)
    # generic: independent fits, one optimal network (the planted one), all weights positive
    assert inst.minimal_networks == (inst.planted_network,)
    assert inst.unique_network and inst.same_size
    assert inst.min_width == len(inst.neurons)
    assert all(nu.alpha > 0 for nu in inst.neurons)
    assert sum(1 for f in inst.faces if f) >= options.get("faces", 0)
    assert inst.count_minimal_convex == math.prod(inst.cells)


def test_tied_neurons_have_two_cells_per_face_row():
    inst = planted(seed=3, faces=2, neurons=2)
    assert_valid(inst)
    for face, cells in zip(inst.faces, inst.cells, strict=True):
        assert cells == 2 ** len(face)
    assert inst.count_minimal_convex == 2 ** sum(len(f) for f in inst.faces) > 1


@pytest.mark.parametrize(
    "options",
    [{}, {"bias": True}, {"dependent": True, "d": 3}, {"grid": (2, 1)}, {"output_bias": True}],
    ids=str,
)
def test_deterministic_per_seed(options):
    first = planted(seed=11, **options)
    assert planted(seed=11, **options) == first
    assert planted(seed=12, **options) != first


def test_residual_is_certified_only_with_all_its_neurons():
    inst = planted(seed=5, neurons=3)
    neurons = [(nu.direction, nu.sign) for nu in inst.neurons]
    args = (inst.X, inst.bias, inst.residual, inst.lam)
    assert certify_planted(*args, neurons) is not None
    # a neuron left out reaches λ without being planted: rejected
    assert certify_planted(*args, neurons[1:]) is None
    # a larger residual is not dual feasible: rejected
    assert (
        certify_planted(inst.X, inst.bias, [3 * t / 2 for t in inst.residual], inst.lam, neurons)
        is None
    )
    # a larger λ leaves the planted neurons below λ (their blocks are not at the maximum)
    bigger = inst.lam * 2
    scaled = [tuple(2 * t for t in v) for v, _ in neurons]
    assert (
        certify_planted(
            *args[:3], bigger, [(v, s) for v, (_, s) in zip(scaled, neurons, strict=True)]
        )
        is None
    )


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("d", [2, 3])
def test_dependent_instances_have_minimal_networks_of_different_sizes(seed, d):
    inst = planted(seed=seed, dependent=True, d=d)
    assert inst.design == "decoupled"
    assert not inst.bias
    assert_valid(inst)
    assert_vertices(inst)
    assert inst.count_minimal_networks >= 2
    assert not inst.unique_network
    assert not inst.same_size
    sizes = sorted({len(v) for v in inst.minimal_networks})
    assert inst.min_width == sizes[0] < sizes[-1]


def test_dependent_two_doubled_coordinates_in_closed_form():
    """d = 2, both coordinates doubled: 4 neurons (±m1, ±m2), fits f_{++} + f_{−−} = f_{+−} +
    f_{−+}; with α on (+,+) and (−,−) the minimal networks are {(+,+), (−,−)} and
    {(+,−), (−,+), (−,−)} (docs/theory.md §6: vertices of different sizes)."""
    inst = planted(seed=0, dependent=True, d=2)
    assert_valid(inst)
    assert len(inst.neurons) == 4
    f = inst.fits
    assert all(a + b == c + e for a, b, c, e in zip(f[0], f[3], f[1], f[2], strict=True))
    a, b = inst.neurons[0].alpha, inst.neurons[3].alpha
    assert 0 < a < b
    assert inst.minimal_networks == ({0: a, 3: b}, {1: a, 2: a, 3: b - a})


def test_dependent_with_output_bias():
    inst = planted(seed=1, dependent=True, d=2, output_bias=True, n=6)
    assert_valid(inst)
    assert_vertices(inst)
    assert inst.count_minimal_networks >= 2


@pytest.mark.parametrize("grid, expected", [((2, 0), 2), ((2, 2), 4), ((3, 2), None)])
def test_grid_counts_multiply_across_the_two_signs(grid, expected):
    inst = planted(seed=0, grid=grid)
    assert_valid(inst)
    assert_vertices(inst)
    plus, minus = inst.groups if len(inst.groups) == 2 else (inst.groups[0], ())
    assert len(plus) == 2 ** grid[0] and len(minus) == (2 ** grid[1] if grid[1] else 0)
    count = inst.count_minimal_networks
    if expected is not None:
        assert count == expected
    # the polytope is a product: every vertex restricts to a vertex of each group
    per_group = [
        {frozenset(i for i in v if i in group) for v in inst.minimal_networks}
        for group in inst.groups
    ]
    product = 1
    for supports in per_group:
        product *= len(supports)
    assert product == count


def test_grid_has_thousands_of_minimal_networks():
    inst = planted(seed=0, grid=(4, 3))
    assert len(inst.neurons) == 16 + 8
    assert inst.count_minimal_networks >= 1000
    assert not inst.same_size


def test_options_are_validated():
    with pytest.raises(ValueError, match="bias"):
        planted(dependent=True, bias=True)
    with pytest.raises(ValueError, match="bias"):
        planted(grid=2, bias=True)
    with pytest.raises(ValueError, match="parallel"):
        planted(d=1)
    with pytest.raises(ValueError, match="neurons"):
        planted(neurons=0)
    with pytest.raises(ValueError, match="faces"):
        planted(neurons=1, faces=2)
    with pytest.raises(ValueError, match="grid"):
        planted(grid=(0, 0))
    with pytest.raises(ValueError, match="d >= 2"):
        planted(dependent=True, d=1)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    d=st.sampled_from([1, 2, 3]),
    neurons=st.integers(1, 2),
    bias=st.booleans(),
    output_bias=st.booleans(),
    extra=st.integers(0, 4),
)
def test_generic_instances_hypothesis(seed, d, neurons, bias, output_bias, extra):
    if d == 1:
        bias = True
    n = 2 * (d + 1) + 2 * neurons + extra
    inst = planted(n=n, d=d, neurons=neurons, bias=bias, output_bias=output_bias, seed=seed)
    assert (inst.n, inst.d, len(inst.neurons)) == (n, d, neurons)
    assert_valid(inst)
    assert inst.minimal_networks == (inst.planted_network,)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    d=st.integers(2, 4),
    output_bias=st.booleans(),
)
def test_dependent_instances_hypothesis(seed, d, output_bias):
    inst = planted(seed=seed, dependent=True, d=d, output_bias=output_bias, n=2 * d + 2)
    assert_valid(inst)
    assert_vertices(inst)
    assert inst.count_minimal_networks >= 2
    assert output_bias or not inst.same_size
