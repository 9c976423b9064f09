"""The command line: ``patterns`` then ``check``, exit statuses 0/1/2, messages, the Iris data.

Exit status 0 success, 1 a certificate that does not check (reason on stderr), 2 bad input (one
line on stderr, no traceback).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from cli_run import assert_one_line_error, run
from strategies_data import planar_bias_cell_count

import exactrelu

IRIS = Path(exactrelu.__file__).parent / "data" / "bundled" / "iris_petals.csv"

DATA = {
    "generic_header": ("a,b,y\n3,1,1\n1,2,-1\n-2,5,1\n4,-1,0\n1,-3,2\n", []),
    "generic_bias": ("3,1,1\n1,2,-1\n-2,5,1\n4,-1,0\n1,-3,2\n", ["--bias"]),
    "target_by_name": ("y,a,b\n1,3,1\n-1,1,2\n1,-2,5\n0,4,-1\n", ["--target", "y", "--bias"]),
    "target_none": ("3,1,1\n1,2,-1\n-2,5,1\n0,0,0\n", ["--target", "none"]),
    "degenerate_p_over_q": (
        "x1,x2,y\n1/2,1,0\n1,2,1\n-1,-2,1\n0,0,1\n0.5,1,0\n1/3,0,1\n",
        ["--bias"],
    ),
    "rounded": ("0.123,0.456,1\n0.789,-0.5,2\n1.015,2.2,3\n", ["--round", "2", "--bias"]),
    "rank_deficient": ("1,2,3,0\n2,4,6,1\n1,0,1,1\n3,2,5,0\n", []),
}


@pytest.fixture
def data_file(tmp_path: Path):
    def make(text: str, name: str = "data.csv") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return make


@pytest.mark.parametrize("name", sorted(DATA))
def test_patterns_then_check(capsys, tmp_path: Path, data_file, name: str) -> None:
    text, options = DATA[name]
    data, out = data_file(text), tmp_path / "out.json"
    code, stdout, _err = run(capsys, "patterns", data, "--json", out, *options)
    assert code == 0
    assert "cells" in stdout and "exact" in stdout
    if "--round" in options:
        assert "rounded" in stdout
    cert = json.loads(out.read_text())
    target = options[options.index("--target") + 1] if "--target" in options else None
    digits = int(options[options.index("--round") + 1]) if "--round" in options else None
    dataset = exactrelu.read_data(data, target, digits)
    cells = exactrelu.enumerate_patterns(dataset, bias="--bias" in options)
    assert cert["count"] == cells.count == len(cert["patterns"])
    assert cert["data_sha256"] == dataset.sha256()
    assert cert["input"] == {"target": target, "round": digits}
    code, stdout, err = run(capsys, "check", out, "--data", data)
    assert (code, err) == (0, "")
    assert stdout.strip()  # the checker's one-line summary


def test_npz_patterns_then_check(capsys, tmp_path: Path) -> None:
    data, out = tmp_path / "data.npz", tmp_path / "out.json"
    np.savez(data, X=np.array([[0.1, 1.0], [0.2, -1.5], [-0.3, 0.25], [0.0, 0.0]]), y=np.ones(4))
    assert run(capsys, "patterns", data, "--bias", "--json", out)[0] == 0
    assert json.loads(out.read_text())["data_sha256"] == exactrelu.read_data(data).sha256()
    assert run(capsys, "check", out, "--data", data)[0] == 0


def test_json_to_stdout(capsys, data_file) -> None:
    code, stdout, err = run(capsys, "patterns", data_file(DATA["generic_bias"][0]), "--json", "-")
    assert code == 0
    assert json.loads(stdout)["count"] == 10  # 5 lines through the origin of the plane
    assert "10 cells" in err


@pytest.mark.parametrize(
    "tamper",
    [
        lambda cert: cert["patterns"].__setitem__(
            0, ("1" if cert["patterns"][0][0] == "0" else "0") + cert["patterns"][0][1:]
        ),
        lambda cert: cert.update(count=cert["count"] + 1),
        lambda cert: [cert[key].pop() for key in ("patterns", "witnesses", "facets")],
        lambda cert: cert["claims"].update(count="numeric"),
    ],
    ids=["flipped_sign", "count", "dropped_cell", "claim"],
)
def test_tampered_certificate_exits_1(capsys, tmp_path: Path, data_file, tamper) -> None:
    data, out = data_file(DATA["degenerate_p_over_q"][0]), tmp_path / "out.json"
    assert run(capsys, "patterns", data, "--bias", "--json", out)[0] == 0
    cert = json.loads(out.read_text())
    tamper(cert)
    out.write_text(json.dumps(cert))
    code, _stdout, err = run(capsys, "check", out, "--data", data)
    assert code == 1
    assert err.startswith("invalid: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_certificate_for_other_data_exits_1(capsys, tmp_path: Path, data_file) -> None:
    out = tmp_path / "out.json"
    assert run(capsys, "patterns", data_file("1,2,3\n4,5,6\n"), "--json", out)[0] == 0
    other = data_file("1,2,3\n4,5,7\n", "other.csv")  # same X, another y: another hash
    code, _stdout, err = run(capsys, "check", out, "--data", other)
    assert code == 1 and err.startswith("invalid: ")


def test_certificate_that_is_not_json_exits_1(capsys, tmp_path: Path, data_file) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _stdout, err = run(capsys, "check", bad, "--data", data_file("1,2\n"))
    assert code == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (None, "not found"),
        ("1,2,3\n4,5\n", "fields"),
        ("1,2,3\n4,x,6\n", "'x'"),
        ("1,2,3\n4,nan,6\n", "non-finite"),
        ("1,2,3\ninf,5,6\n", "non-finite"),
        ("", "no data rows"),
        ("a,b\n", "no data rows"),
        ("nan,1,2\n1,2,3\n", "line 1 has a non-finite value"),
        ("-Infinity,1,2\n1,2,3\n", "line 1 has a non-finite value"),
    ],
    ids=[
        "missing",
        "ragged",
        "non_numeric",
        "nan",
        "inf",
        "empty",
        "header_only",
        "nan_first_row",
        "inf_first_row",
    ],
)
def test_bad_data_exits_2_with_one_line(capsys, tmp_path: Path, data_file, text, words) -> None:
    data = tmp_path / "absent.csv" if text is None else data_file(text)
    code, stdout, err = run(capsys, "patterns", data, "--json", tmp_path / "out.json")
    assert code == 2 and stdout == ""
    assert_one_line_error(err)
    assert words in err
    assert not (tmp_path / "out.json").exists()


def test_bad_options_exit_2(capsys, data_file) -> None:
    data = data_file("1,2,3\n")
    for options in (["--round", "-1"], ["--target", "q"], ["--target=--1"], ["--target", "²"]):
        code, _stdout, err = run(capsys, "patterns", data, *options)
        assert code == 2
        assert_one_line_error(err)


def test_missing_certificate_exits_2(capsys, tmp_path: Path, data_file) -> None:
    data = data_file("1,2\n")
    code, _stdout, err = run(capsys, "check", tmp_path / "absent.json", "--data", data)
    assert code == 2
    assert_one_line_error(err)
    assert "absent.json" in err


def test_check_with_missing_data_exits_2(capsys, tmp_path: Path, data_file) -> None:
    out = tmp_path / "out.json"
    assert run(capsys, "patterns", data_file("1,2,3\n4,5,6\n"), "--json", out)[0] == 0
    code, _stdout, err = run(capsys, "check", out, "--data", tmp_path / "absent.csv")
    assert code == 2
    assert_one_line_error(err)


def test_bad_npz_exits_2_with_one_line(capsys, tmp_path: Path) -> None:
    no_x, text, npy = tmp_path / "no_x.npz", tmp_path / "text.npz", tmp_path / "npy.npz"
    np.savez(no_x, Z=np.ones((2, 2)))
    text.write_text("1,2,3\n4,5,6\n")
    with npy.open("wb") as handle:
        np.save(handle, np.ones((2, 2)))
    for path, words in ((no_x, "'X'"), (text, "not a valid .npz"), (npy, "not a valid .npz")):
        code, stdout, err = run(capsys, "patterns", path)
        assert code == 2 and stdout == ""
        assert_one_line_error(err)
        assert words in err and err.count(path.name) == 1 and "pickle" not in err


def test_byte_order_mark_and_huge_values_then_check(capsys, tmp_path: Path) -> None:
    """Excel's 'CSV UTF-8' (a byte-order mark) and values at the ends of the accepted range
    (1e308, 1e-308; beyond it is refused, tests/cli/test_cli_input.py): read exactly by both
    readers, enumerated, and checked."""
    data, out = tmp_path / "bom.csv", tmp_path / "out.json"
    data.write_bytes(b"\xef\xbb\xbf1e308,1,0\n1,2,1\n-3,1e-308,1\n")
    code, _stdout, _err = run(capsys, "patterns", data, "--bias", "--json", out)
    assert code == 0
    cert = json.loads(out.read_text())
    assert cert["n"] == 3 and cert["count"] == 2 * (1 + 2 + 1)
    assert run(capsys, "check", out, "--data", data)[0] == 0


def test_max_cells_refuses_with_the_predicted_count(capsys, tmp_path: Path, data_file) -> None:
    # Six points in general position in the plane, with a bias: 2·(1 + 5 + 10) = 32 cells.
    data = data_file("0,0,1\n3,1,1\n1,4,1\n5,5,1\n-2,3,1\n4,-3,1\n")
    out = tmp_path / "out.json"
    code, stdout, err = run(capsys, "patterns", data, "--bias", "--max-cells", "10", "--json", out)
    assert code == 2 and stdout == ""
    assert_one_line_error(err)
    assert "32" in err and "--max-cells" in err
    assert not out.exists()
    code, _out, _err = run(capsys, "patterns", data, "--bias", "--max-cells", "32", "--json", out)
    assert code == 0 and json.loads(out.read_text())["count"] == 32


def test_python_dash_m_exactrelu(tmp_path: Path, data_file) -> None:
    data, out = data_file(DATA["degenerate_p_over_q"][0]), tmp_path / "out.json"

    def exactrelu_command(*args: Path | str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "exactrelu", *map(str, args)]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    made = exactrelu_command("patterns", data, "--bias", "--json", out)
    assert made.returncode == 0, made.stderr
    checked = exactrelu_command("check", out, "--data", data)
    assert checked.returncode == 0 and checked.stdout.strip()
    bad = exactrelu_command("patterns", tmp_path / "absent.csv")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_iris_with_bias_matches_the_rank_three_line_formula(capsys, tmp_path: Path) -> None:
    """The bundled Iris petals with a bias: planes [x, 1] in R^3, so the count is
    2 + 2·Σ_lines (m_L − 1) over the lines where at least two of the merged planes meet,
    i.e. the affine lines through at least two distinct flowers (computed here from the file
    read with the csv module, independently of exactrelu)."""
    with IRIS.open(newline="") as handle:
        records = list(csv.reader(handle))
    assert records[0] == ["petal_length", "petal_width", "label"]
    points = [[Fraction(length), Fraction(width)] for length, width, _label in records[1:]]
    expected = planar_bias_cell_count(points)
    out = tmp_path / "iris.json"
    code, stdout, _err = run(capsys, "patterns", IRIS, "--bias", "--json", out)
    assert code == 0
    cert = json.loads(out.read_text())
    assert cert["count"] == expected
    assert cert["n"] == 100 and cert["d"] == 2 and cert["bias"] is True
    assert cert["certificate"]["general_position"] is False
    assert f"{expected} cells" in stdout
    assert run(capsys, "check", out, "--data", IRIS)[0] == 0


def test_no_command_prints_help_and_exits_2(capsys) -> None:
    code, stdout, _err = run(capsys)
    assert code == 2 and "patterns" in stdout
