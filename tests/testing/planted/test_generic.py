"""The generic design of planted instances (docs/theory.md §7): every instance is exactly valid,
with one optimal network (the planted one)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planted_checks import assert_valid

from exactrelu.testing.planted import planted

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
