"""The decoupled design of planted instances (docs/theory.md §6–§7): exactly valid, with minimal
networks of different sizes, and counts that multiply across the two signs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planted_checks import assert_valid, assert_vertices

from exactrelu.testing.planted import planted


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
