"""Issue 13 (the checker's part): no crash, no hang, no misleading accepted file.

Huge numbers, huge exponents and roundings, duplicate JSON keys, tol >= 1, float copies, unknown
claim names and the summary line, each through ``python -m exactrelu.checker`` as a user runs
it: exit status 1 with one line ``invalid: <reason>`` naming the field, never a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from exactrelu.checker import CheckFailure, check_file
from exactrelu.checker.data import read_data
from exactrelu.checker.fields import MAX_DIGITS, MAX_ROUND, check_float_copies, short
from exactrelu.cli import main as exactrelu_main

DATA = "x1,x2,y\n1,0,2\n0,1,-5\n1.25,1,1\n"


@pytest.fixture(scope="module")
def solve(tmp_path_factory) -> tuple[dict, Path, Path]:
    folder = tmp_path_factory.mktemp("hardening")
    data = folder / "data.csv"
    data.write_text(DATA)
    out = folder / "solve.json"
    options = ["--lam", "1/2", "--bias", "--round", "1"]
    assert exactrelu_main(["solve", str(data), *options, "--json", str(out)]) == 0
    return json.loads(out.read_text()), data, folder


def run(cert: Path, data: Path) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "exactrelu.checker", str(cert), "--data", str(data)]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)


def invalid(result: subprocess.CompletedProcess, reason: str) -> None:
    assert result.returncode == 1, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("invalid: ")
    assert reason in result.stderr, result.stderr


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_the_engine_file_is_valid_and_its_summary_names_the_problem(solve) -> None:
    doc, data, folder = solve
    result = run(write(folder, "ok.json", json.dumps(doc)), data)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "valid: solve (λ = 1/2 sum scale, bias, no output bias, relu, tol 1/1000000000, "
        "data rounded to 1 decimals): gap "
    )


@pytest.mark.parametrize("where", ["objective_upper", "lam", "denominator", "weight"])
def test_a_number_of_5000_digits_is_invalid_and_named(solve, where: str) -> None:
    doc, data, folder = solve
    huge = "7" * 5000
    if where == "denominator":
        doc = {**doc, "gap": "1/" + huge}
        name = "gap"
    elif where == "weight":
        doc = json.loads(json.dumps(doc))
        doc["network"]["w2"][0] = huge
        name = "network w2 entry"
    else:
        doc = {**doc, where: huge}
        name = where
    invalid(run(write(folder, "huge.json", json.dumps(doc)), data), f"{name} has more than")


def test_a_json_integer_of_5000_digits_is_invalid_and_named(solve) -> None:
    doc, data, folder = solve
    text = json.dumps(doc).replace('"n": 3', '"n": ' + "9" * 5000, 1)
    invalid(run(write(folder, "long_int.json", text), data), "field 'n' must be of type int")


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1" * 5000, "more than 4300 digits"),
        ("1e999999999", "decimal exponent beyond ±308"),
        ("-2.5E-400", "decimal exponent beyond ±308"),
    ],
)
@pytest.mark.parametrize("row", [0, 1])
def test_data_cells_beyond_the_limits_are_invalid(solve, cell: str, reason: str, row) -> None:
    doc, _, folder = solve
    lines = DATA.splitlines()
    lines[1 + row] = f"{cell},0,2"
    if row == 0:  # the first row of a headerless file: still data, never a header
        lines = lines[1:]
    data = write(folder, "big.csv", "\n".join(lines) + "\n")
    invalid(run(write(folder, "cert.json", json.dumps(doc)), data), reason)


def test_numbers_within_the_limits_are_read(tmp_path: Path) -> None:
    data = write(tmp_path, "ok.csv", f"1e308,{'9' * MAX_DIGITS},1e-308\n")
    X, y = read_data(data)
    assert X[0][0] == 10**308 and y[0] * 10**308 == 1


def test_a_huge_round_is_invalid_at_once(solve) -> None:
    doc, data, folder = solve
    for digits in (MAX_ROUND + 1, 10**9):
        forged = {**doc, "input": {**doc["input"], "round": digits}}
        invalid(run(write(folder, "round.json", json.dumps(forged)), data), "input.round")


def test_a_duplicate_key_anywhere_is_invalid(solve) -> None:
    doc, data, folder = solve
    text = json.dumps(doc).replace('"theta": ', '"theta": "0", "theta": ', 1)
    invalid(run(write(folder, "dup.json", text), data), "'theta' appears twice")


@pytest.mark.parametrize("tol", ["1", "3/2", "7"])
def test_tol_of_one_or_more_is_invalid(solve, tol: str) -> None:
    doc, data, folder = solve
    invalid(run(write(folder, "tol.json", json.dumps({**doc, "tol": tol})), data), "tol must be")


def test_float_copies_are_the_correctly_rounded_floats() -> None:
    exact = {"W1": [["1/3", "2"]], "w2": ["-1/10"], "bias": True, "output_bias": None}
    copy = {"W1": [[1 / 3, 2.0]], "w2": [-0.1], "bias": True, "output_bias": None}
    doc = {"x": "1/3", "x_float": 1 / 3, "network": exact, "network_float": copy}
    check_float_copies(doc)
    check_float_copies({**doc, "x_float": None, "y_float": None})  # null: absent
    check_float_copies({"gap": "1", "gap_relative_float": 0.5}, {"gap_relative": Fraction(1, 2)})
    for forged in (
        {**doc, "x_float": 0.3333333333333333 + 2**-54 * 4},
        {**doc, "x_float": "0.333"},
        {**doc, "network_float": {**copy, "w2": [-0.1, 0.0]}},
        {**doc, "network_float": {**copy, "bias": False}},
        {**doc, "y_float": 1.0},
        {"x": {"mid": "1", "rad": "0"}, "x_float": 1.0},
    ):
        with pytest.raises(CheckFailure, match="_float"):
            check_float_copies(forged)


def test_short_never_converts_a_huge_number_to_text() -> None:
    assert short(Fraction(10**6000 + 1, 3)) == "~3.33333e5999"


def test_check_file_refuses_a_duplicate_key_in_a_nested_object(solve) -> None:
    doc, data, folder = solve
    text = json.dumps(doc).replace('"cells": {', '"cells": {"n": 1, ', 1)
    with pytest.raises(CheckFailure, match="'n' appears twice"):
        check_file(write(folder, "nested.json", text), data)
