"""The classification of mutations without the checker (:mod:`exactrelu.testing.mutation.classify`
and the oracles): the unmutated certificates are true, and known mutations get their known
class."""

from __future__ import annotations

import copy
from fractions import Fraction
from pathlib import Path

import pytest

from exactrelu.testing.mutation import KINDS, Mutation, classify, samples, write_data
from exactrelu.testing.mutation.operators import set_at


@pytest.mark.parametrize("label", [k for k in KINDS if k not in ("prune", "path")])
def test_the_oracle_finds_the_originals_true(label, tmp_path):
    for i, sample in enumerate(samples(label)):
        data = tmp_path / f"data{i}.csv"
        write_data(data, sample.X, sample.y)
        same = Mutation("none", copy.deepcopy(sample.document), sample.X, sample.y, ("n",))
        assert classify(sample, same, data) == "true"


def _classified(sample, path, value, data: Path) -> str:
    document = copy.deepcopy(sample.document)
    set_at(document, path, value)
    return classify(sample, Mutation("test", document, sample.X, sample.y, path), data)


def test_known_mutations_are_classified(tmp_path):
    data = tmp_path / "data.csv"
    (patterns, _) = samples("patterns")
    write_data(data, patterns.X, patterns.y)
    witness = patterns.document["witnesses"][0]
    doubled = [str(2 * int(v)) for v in witness]
    assert _classified(patterns, ("witnesses", 0), doubled, data) == "true"
    assert _classified(patterns, ("count",), patterns.document["count"] + 1, data) == "falsifying"
    flipped = ["1" if c == "0" else "0" for c in patterns.document["patterns"][0]]
    assert _classified(patterns, ("patterns", 0), "".join(flipped), data) == "falsifying"
    assert _classified(patterns, ("certificate", "rank"), 7, data) == "internal"

    optimal, _ = samples("certify")
    write_data(data, optimal.X, optimal.y)
    assert optimal.document["verdict"] == "optimal"
    assert _classified(optimal, ("verdict",), "inconclusive", data) == "falsifying"
    lower = optimal.document["lower_bound"]
    assert _classified(optimal, ("gap",), "0", data) == "falsifying"
    above = str(Fraction(lower) + 1)  # above the optimum, which is within the gap of it
    assert _classified(optimal, ("lower_bound",), above, data) == "falsifying"
    data_changed = Mutation("data", optimal.document, optimal.X, (1,) * len(optimal.y), None)
    assert classify(optimal, data_changed, data) == "falsifying"
