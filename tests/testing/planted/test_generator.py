"""The generator of planted instances (docs/theory.md §7): deterministic per seed, options
validated."""

from __future__ import annotations

import pytest

from exactrelu.testing.planted import planted


@pytest.mark.parametrize(
    "options",
    [{}, {"bias": True}, {"dependent": True, "d": 3}, {"grid": (2, 1)}, {"output_bias": True}],
    ids=str,
)
def test_deterministic_per_seed(options):
    first = planted(seed=11, **options)
    assert planted(seed=11, **options) == first
    assert planted(seed=12, **options) != first


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
