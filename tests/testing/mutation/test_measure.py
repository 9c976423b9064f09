"""Mutation testing of the checker (bounded, seeded; :mod:`exactrelu.testing.mutation.measure`):
every mutation that makes a claim false is rejected, and the checker never raises anything but
CheckFailure."""

from __future__ import annotations

import pytest

from exactrelu.testing.mutation import KINDS, measure


@pytest.fixture(scope="module")
def rows():
    return measure(40, seed=0)


def test_every_falsifying_mutation_is_rejected_and_nothing_crashes(rows):
    assert [row.label for row in rows] == list(KINDS)
    for row in rows:
        assert row.tried == 40
        assert row.failures == [], row.failures
        assert row.crashes == 0
        assert row.accepted["falsifying"] == 0
    checked = [row for row in rows if row.label not in ("prune", "path")]
    assert all(row.originals_accepted == row.samples for row in checked)
    assert sum(row.counts["falsifying"] for row in checked) >= 150
    assert sum(row.counts["internal"] for row in checked) >= 50
