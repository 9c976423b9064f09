"""The ``solve`` and ``certify`` commands: certificates that ``check`` accepts, and bad input.

Exit status 0 success, 1 a certificate that does not check, 2 bad input with one line on stderr
(``exactrelu: error: ...``, no traceback).
"""

from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from cli_run import assert_one_line_error, run

DATA = "x1,x2,y\n1,0,2\n0,1,-5\n1,1,1\n2,-1,0.5\n"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(DATA)
    return path


def write_network(tmp_path: Path, network: dict, name: str = "net.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(network))
    return path


# ---------------------------------------------------------------------------------------------
# solve / certify, then check


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--bias"],
        ["--output-bias", "--scale", "mean"],
        ["--patterns", "sample:30:4"],
    ],
    ids=["plain", "bias", "output_bias_mean", "sampled"],
)
def test_solve_then_check(capsys, tmp_path: Path, data: Path, options: list[str]) -> None:
    out = tmp_path / "solve.json"
    code, stdout, err = run(capsys, "solve", data, "--lam", "1/2", *options, "--json", out)
    assert code == 0, err
    assert "optimum in [" in stdout
    document = json.loads(out.read_text())
    assert document["kind"] == "solve" and document["lam"] == "1/2"
    assert F(document["objective_lower"]) <= F(document["objective_upper"])
    assert F(document["gap"]) == F(document["objective_upper"]) - F(document["objective_lower"])
    if "--patterns" in options:
        assert document["patterns"] == {"sample": 30, "seed": 4}
        assert "sub-sampled program" in stdout
    else:
        assert document["patterns"] == "all"
        unit = sum(F(v) ** 2 for v in ("2", "-5", "1", "0.5")) / 2
        if "--scale" in options:
            unit /= 4
        assert F(document["gap"]) <= unit / 10**9
    code, stdout, err = run(capsys, "check", out, "--data", data)
    assert code == 0, err
    assert stdout.startswith("valid: solve")


def test_solve_reports_the_tol_as_typed(capsys, tmp_path: Path, data: Path) -> None:
    out = tmp_path / "solve.json"
    assert run(capsys, "solve", data, "--lam", "1", "--tol", "1e-9", "--json", out)[0] == 0
    assert F(json.loads(out.read_text())["tol"]) == F(1, 10**9)


def test_certify_reports_the_tol_as_typed(capsys, tmp_path: Path, data: Path) -> None:
    net = write_network(tmp_path, {"W1": [[1, 2]], "w2": [1]})
    out = tmp_path / "certify.json"
    code, _stdout, _err = run(
        capsys, "certify", data, "--network", net, "--lam", "1", "--tol", "0.001", "--json", out
    )
    assert code == 0
    document = json.loads(out.read_text())
    assert document["tol"] == "1/1000"
    unit = sum(F(v) ** 2 for v in ("2", "-5", "1", "0.5")) / 2
    assert F(document["threshold"]) == unit / 1000


def test_solve_json_to_stdout(capsys, data: Path) -> None:
    code, stdout, err = run(capsys, "solve", data, "--lam", "1", "--json", "-")
    assert code == 0
    document = json.loads(stdout)
    assert document["kind"] == "solve"
    assert "optimum in [" in err  # the summary goes to stderr when the JSON takes stdout


def test_solve_exact_optimum_is_printed(capsys, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("3,4,11\n")
    out = tmp_path / "one.json"
    code, stdout, _err = run(capsys, "solve", path, "--target", "2", "--lam", "1", "--json", out)
    assert code == 0
    assert "exact optimum 109/50" in stdout
    document = json.loads(out.read_text())
    assert document["alpha_form"]["objective"] == "109/50"
    assert run(capsys, "check", out, "--data", path)[0] == 0


def test_certify_then_check(capsys, tmp_path: Path, data: Path) -> None:
    net = write_network(tmp_path, {"W1": [[1, 2]], "w2": [1], "bias": False})
    out = tmp_path / "certify.json"
    code, stdout, err = run(capsys, "certify", data, "--network", net, "--lam", "1", "--json", out)
    assert code == 0, err
    assert "verdict: not_optimal" in stdout and "improving network: width" in stdout
    document = json.loads(out.read_text())
    assert document["verdict"] == "not_optimal"
    assert document["improving_width"] == len(document["improving_network"]["w2"])
    code, stdout, err = run(capsys, "check", out, "--data", data)
    assert code == 0, err
    assert "verdict not_optimal" in stdout


def test_certify_the_solved_network_is_optimal(capsys, tmp_path: Path, data: Path) -> None:
    solved = tmp_path / "solve.json"
    assert run(capsys, "solve", data, "--lam", "1", "--bias", "--json", solved)[0] == 0
    out = tmp_path / "certify.json"  # a solve output file is accepted as a network file
    code, stdout, err = run(
        capsys, "certify", data, "--network", solved, "--lam", "1", "--bias", "--json", out
    )
    assert code == 0, err
    assert "verdict: optimal" in stdout
    assert json.loads(out.read_text())["verdict"] == "optimal"
    assert run(capsys, "check", out, "--data", data)[0] == 0


def test_tampered_solve_certificate_exits_1(capsys, tmp_path: Path, data: Path) -> None:
    out = tmp_path / "solve.json"
    assert run(capsys, "solve", data, "--lam", "1", "--json", out)[0] == 0
    document = json.loads(out.read_text())
    document["objective_lower"] = str(F(document["objective_lower"]) + F(1, 10**20))
    out.write_text(json.dumps(document))
    code, stdout, err = run(capsys, "check", out, "--data", data)
    assert code == 1 and stdout == ""
    assert err.startswith("invalid:")


def test_certificate_checked_against_other_data_exits_1(capsys, tmp_path: Path, data) -> None:
    out = tmp_path / "solve.json"
    assert run(capsys, "solve", data, "--lam", "1", "--json", out)[0] == 0
    other = tmp_path / "other.csv"
    other.write_text(DATA.replace("0.5", "0.25"))
    assert run(capsys, "check", out, "--data", other)[0] == 1


# ---------------------------------------------------------------------------------------------
# Bad input: exit 2, one line


@pytest.mark.parametrize(
    ("lam", "words"),
    [("0", "lam"), ("-1", "lam"), ("abc", "--lam"), ("nan", "--lam"), ("1/0", "--lam")],
)
@pytest.mark.parametrize("command", ["solve", "certify"])
def test_bad_lambda_exits_2(capsys, tmp_path: Path, data, command, lam, words) -> None:
    extra = []
    if command == "certify":
        extra = ["--network", write_network(tmp_path, {"W1": [[1, 2]], "w2": [1]})]
    out = tmp_path / "out.json"
    code, stdout, err = run(capsys, command, data, *extra, "--lam", lam, "--json", out)
    assert code == 2 and stdout == ""
    assert_one_line_error(err, words)
    assert not out.exists()


@pytest.mark.parametrize("text", ["1,nan,2\n0,1,1\n", "1,2,inf\n0,1,1\n", "1,2,NaN\n"])
def test_nan_in_data_exits_2(capsys, tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    code, stdout, err = run(capsys, "solve", path, "--lam", "1")
    assert code == 2 and stdout == ""
    assert_one_line_error(err, "non-finite")


def test_nan_in_npz_exits_2(capsys, tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, X=np.array([[1.0, np.nan], [0.0, 1.0]]), y=np.array([1.0, 2.0]))
    code, _stdout, err = run(capsys, "solve", path, "--lam", "1")
    assert code == 2
    assert_one_line_error(err)


@pytest.mark.parametrize(
    "text", ["all:3", "sample", "sample:3", "sample:x:1", "sample:3:1:2", "sample:-1:2", "some"]
)
def test_malformed_patterns_exit_2(capsys, data: Path, text: str) -> None:
    code, stdout, err = run(capsys, "solve", data, "--lam", "1", "--patterns", text)
    assert code == 2 and stdout == ""
    assert_one_line_error(err, "--patterns")


def test_zero_sampled_gates_exit_2(capsys, data: Path) -> None:
    code, _stdout, err = run(capsys, "solve", data, "--lam", "1", "--patterns", "sample:0:1")
    assert code == 2
    assert_one_line_error(err)


@pytest.mark.parametrize("tol", ["0", "-1e-9", "x"])
def test_bad_tol_exits_2(capsys, data: Path, tol: str) -> None:
    code, _stdout, err = run(capsys, "solve", data, "--lam", "1", f"--tol={tol}")
    assert code == 2
    assert_one_line_error(err, "tol")


@pytest.mark.parametrize(
    ("network", "options", "words"),
    [
        ({"W1": [[1, 2, 3]], "w2": [1]}, [], ["3 entries", "needs 2"]),
        ({"W1": [[1]], "w2": [1]}, [], ["1 entries"]),
        ({"W1": [[1, 2]], "w2": [1]}, ["--bias"], ["bias"]),
        ({"W1": [[1, 2, 3]], "w2": [1], "bias": True}, [], ["bias"]),
        ({"W1": [[1, 2]], "w2": [1], "bias": False}, ["--bias"], ["bias"]),
        ({"W1": [[1, 2]], "w2": [1, 2]}, [], ["w2"]),
        ({"W1": [[1, "x"]], "w2": [1]}, [], ["W1"]),
        ({"W1": [[1, 2]], "w2": [1], "output_bias": 1}, [], ["output bias"]),
        ([1, 2], [], ["JSON object"]),
    ],
    ids=[
        "too_wide",
        "too_narrow",
        "bias_needs_more",
        "bias_without_option",
        "option_without_bias",
        "w2_length",
        "non_numeric",
        "output_bias_without_option",
        "not_an_object",
    ],
)
def test_bad_network_exits_2(capsys, tmp_path: Path, data, network, options, words) -> None:
    net = write_network(tmp_path, network)
    code, stdout, err = run(capsys, "certify", data, "--network", net, "--lam", "1", *options)
    assert code == 2 and stdout == ""
    assert_one_line_error(err, *words)


def test_network_file_not_json_exits_2(capsys, tmp_path: Path, data: Path) -> None:
    net = tmp_path / "net.json"
    net.write_text("{not json")
    code, _stdout, err = run(capsys, "certify", data, "--network", net, "--lam", "1")
    assert code == 2
    assert_one_line_error(err, "JSON")


def test_missing_network_file_exits_2(capsys, tmp_path: Path, data: Path) -> None:
    missing = tmp_path / "absent.json"
    code, stdout, err = run(capsys, "certify", data, "--network", missing, "--lam", "1")
    assert code == 2 and stdout == ""
    assert_one_line_error(err, "absent.json")


def test_missing_data_file_exits_2(capsys, tmp_path: Path) -> None:
    code, _stdout, err = run(capsys, "solve", tmp_path / "absent.csv", "--lam", "1")
    assert code == 2
    assert_one_line_error(err, "absent.csv")


def test_data_without_target_exits_2(capsys, data: Path) -> None:
    code, _stdout, err = run(capsys, "solve", data, "--target", "none", "--lam", "1")
    assert code == 2
    assert_one_line_error(err, "target")
