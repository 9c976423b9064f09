"""``exactrelu selftest``: runs the properties with a budget, reports a table, and reports a
failure with Hypothesis's shrunk counterexample and exit status 1."""

from __future__ import annotations

from hypothesis import strategies as st

from exactrelu.cli import main
from exactrelu.testing import strategies
from exactrelu.testing.properties import PROPERTIES, Property
from exactrelu.testing.selftest import budget, format_table, run_property, run_suite


def claims_every_target_is_zero(problem) -> None:
    """A false statement, to see the failure and its shrunk counterexample."""
    if any(problem.dataset.y):
        raise AssertionError(f"y = {problem.dataset.y} is not zero")


FALSE = Property(
    "false",
    claims_every_target_is_zero,
    lambda: st.tuples(strategies.problems(max_n=3, lam_regions=("free",))),
)


def test_budget_is_shared_by_the_properties():
    shares = budget(100, list(PROPERTIES.values()))
    assert set(shares) == set(PROPERTIES)
    assert shares["training"] < shares["weak_duality"]
    assert all(k >= 1 for k in shares.values())
    assert budget(1, [FALSE]) == {"false": 1}


def test_a_passing_run():
    outcomes = run_suite(6, seed=1, names=["weak_duality", "pruning"])
    assert [o.name for o in outcomes] == ["weak_duality", "pruning"]
    assert all(o.passed and o.examples >= 1 and o.counterexample is None for o in outcomes)
    table = format_table(outcomes)
    assert "weak_duality" in table and "0 failed" in table


def test_a_failure_is_shrunk_and_reported():
    outcome = run_property(FALSE, 20, seed=0)
    assert not outcome.passed and outcome.examples >= 1
    assert "AssertionError: y = (Fraction(1, 1),) is not zero" in outcome.counterexample
    assert "Problem([[0]], [1], 1)" in outcome.counterexample
    assert "false FAILED" in format_table([outcome])


def test_command_line(capsys):
    assert main(["selftest", "--examples", "3", "--property", "splitting"]) == 0
    out = capsys.readouterr().out
    assert "splitting" in out and "0 failed" in out
    assert main(["selftest", "--property", "nonsense"]) == 2
    assert "unknown --property 'nonsense'" in capsys.readouterr().err
    assert main(["selftest", "--examples", "0"]) == 2
