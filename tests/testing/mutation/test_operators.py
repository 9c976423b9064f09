"""The mutation operators (:mod:`exactrelu.testing.mutation.operators`): seeded and
deterministic."""

from __future__ import annotations

import random

from exactrelu.testing.mutation import mutate, samples


def test_mutations_are_deterministic():
    (sample, *_) = samples("solve")
    one, two = random.Random(3), random.Random(3)
    first = [mutate(sample, one, True) for _ in range(20)]
    second = [mutate(sample, two, True) for _ in range(20)]
    assert len({m.description for m in first if m}) > 5
    assert [m and m.description for m in first] == [m and m.description for m in second]
