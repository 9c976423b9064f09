"""Limits on the numbers given (docs/formats.md, "Numbers you give" and "Data"), in the Python API.

Every number given has at most 4300 digits (Python's int-text limit, which the checker keeps);
numbers given as text lie in 10^-308 <= |x| <= 10^308 (or are 0), judged from the text before it
is expanded, so that ``1e999999999`` is refused at once instead of hanging; λ and the data of a
``Problem`` lie in that range whatever their type (the solver works with their float values);
``round_digits`` is at most MAX_ROUND; ``0 < tol < 1``.  Each is an ExactReluInputError with a
one-line message.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import pytest

import exactrelu
from exactrelu import ExactReluInputError, Problem, as_dataset, read_data
from exactrelu.data.io import MAX_ROUND
from exactrelu.exact.rationals import MAX_DIGITS, parse_rational, rational_str

F = Fraction
LONG = "7" * (MAX_DIGITS + 1)


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(ExactReluInputError) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert message and "\n" not in message and len(message) < 400, message
    return message


@pytest.mark.parametrize(
    "text",
    [
        "1e999999999",
        "-1e999999999",
        "1e-999999999",
        "1e400",
        "1e-400",
        "1e309",
        "1.5e308",
        "1" + "0" * 400,
        "0." + "0" * 400 + "1",
        "3/" + "1" + "0" * 400,
        "1e99999999999999999999999999",
    ],
)
def test_text_beyond_the_float_range_is_refused_at_once(text: str) -> None:
    """Before: ``1e999999999`` expanded 10^999999999 (a hang), ``1e400`` was accepted."""
    start = time.perf_counter()
    assert "outside the range" in error_of(parse_rational, text, "x")
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize("text", ["1e308", "-1e308", "1e-308", "0e999999999", "0", "12.5e-3"])
def test_text_inside_the_range_is_exact(text: str) -> None:
    assert parse_rational(text) == F(text.replace("999999999", "0"))


@pytest.mark.parametrize(
    "text",
    [LONG, "0." + LONG, "1/" + LONG, "-" + LONG + "e-4000"],
    ids=["integer", "decimal", "fraction", "exponent"],
)
def test_text_over_4300_digits_is_refused(text: str) -> None:
    """Before: a ValueError of Python's int-text limit, or a traceback on writing."""
    assert str(MAX_DIGITS) in error_of(parse_rational, text, "x")


@pytest.mark.parametrize(
    "value",
    [10 ** (MAX_DIGITS + 1), F(1, 10 ** (MAX_DIGITS + 1)), -(10**MAX_DIGITS)],
    ids=["int", "fraction", "negative"],
)
def test_api_numbers_over_4300_digits_are_refused(value) -> None:
    assert str(MAX_DIGITS) in error_of(as_dataset, [[value, 1]], [1])


def test_csv_cell_over_4300_digits_is_refused_not_taken_for_a_header(tmp_path: Path) -> None:
    """Before: the over-long number was not a number to Fraction, so its row became a header."""
    path = tmp_path / "d.csv"
    path.write_text(f"{LONG},1,2\n1,2,3\n")
    assert "line 1" in error_of(read_data, path)


@pytest.mark.parametrize("digits", [MAX_ROUND + 1, 1_000_000_000, -1])
def test_round_beyond_max_round_is_refused(tmp_path: Path, digits: int) -> None:
    """Before: ``round(v, 10**9)`` of every entry (a hang)."""
    path = tmp_path / "d.csv"
    path.write_text("0.5,1,2\n1,2,3\n")
    assert "--round" in error_of(read_data, path, round_digits=digits)
    assert "--round" in error_of(as_dataset, [[1, 2]], [1], round_digits=digits)
    assert read_data(path, round_digits=MAX_ROUND).X[0][0] == F(1, 2)


@pytest.mark.parametrize("lam", [F(10**400), F(1, 10**400), "1e400", 10**309])
def test_lam_beyond_the_float_range_is_refused(lam) -> None:
    """Before: ``float(lam)`` raised OverflowError (exit 1) or underflowed to 0."""
    assert "lam" in error_of(Problem, [[1, 2]], [1], lam=lam)
    problem = Problem([[1, 2]], [1], lam=1)
    assert "lam" in error_of(problem.with_lam, lam)


def test_problem_data_beyond_the_float_range_is_refused() -> None:
    """The solver works with float data: 10^400 is refused by Problem, still enumerated exactly by
    enumerate_patterns (tests/arrangement)."""
    assert "X[0][0]" in error_of(Problem, [[10**400, 1]], [1], lam=1)
    assert "y[0]" in error_of(Problem, [[1, 1]], [F(1, 10**400)], lam=1)
    assert exactrelu.enumerate_patterns([[10**400, 1], [1, 2]]).count == 4


@pytest.mark.parametrize("tol", [1, 2, "1", F(27, 10), 0, -1])
def test_tol_outside_zero_one_is_refused(tol) -> None:
    """Before: tol >= 1 made a network 2.7 times above the bound 'optimal' (even the zero
    network passes at tol = 1: the threshold is tol·½‖y‖²)."""
    problem = Problem([[3, 4]], [10], lam=1)
    assert "tol" in error_of(problem.solve, tol)
    zero = exactrelu.network_from_json({"W1": [], "w2": []}, d=2)
    assert "tol" in error_of(exactrelu.certify, problem, zero, tol)


def test_results_over_4300_digits_are_refused_not_crashed() -> None:
    """Before: ``str`` of a longer int raised Python's ValueError while writing a certificate."""
    assert "4300" in error_of(rational_str, F(10**MAX_DIGITS))
    assert rational_str(F(10**MAX_DIGITS - 1, 7)) == f"{10**MAX_DIGITS - 1}/7"
