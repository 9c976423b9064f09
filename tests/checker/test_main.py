"""``python -m exactrelu.checker``: the checker as its own program, the same as ``exactrelu check``.

Exit status 0 valid (the summary on stdout), 1 invalid (``invalid: <reason>`` on stderr), 2 a
usage error (a missing argument or file, one line on stderr).  The certificates are written by
the engine here; the checker runs in a fresh interpreter, as a user runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from exactrelu.checker import CHECKS
from exactrelu.checker import cli as checker_cli
from exactrelu.cli import main as exactrelu_main

DATA = "x1,x2,y\n1/2,1,0\n1,2,1\n-1,-2,1\n0,0,1\n0.5,1,0\n1/3,0,1\n"
PREFIX = "python -m exactrelu.checker"


def command(module: str, *args: object) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", module, *map(str, args)]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def checker(*args: object) -> subprocess.CompletedProcess:
    return command("exactrelu.checker", *args)


def exactrelu_check(*args: object) -> subprocess.CompletedProcess:
    return command("exactrelu", "check", *args)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Data and certificates written by the engine (its own command line, in process)."""
    folder = tmp_path_factory.mktemp("certificates")
    data = folder / "data.csv"
    data.write_text(DATA)
    out = {"data": data}
    for kind, options in (
        ("patterns", ["--bias"]),
        ("solve", ["--bias", "--lam", "1/2"]),
    ):
        out[kind] = folder / f"{kind}.json"
        assert exactrelu_main([kind, str(data), *options, "--json", str(out[kind])]) == 0
    tampered = json.loads(out["patterns"].read_text())
    tampered["count"] += 1
    out["tampered"] = folder / "tampered.json"
    out["tampered"].write_text(json.dumps(tampered))
    out["not_json"] = folder / "not_json.json"
    out["not_json"].write_text("{not json")
    out["other_data"] = folder / "other.csv"
    out["other_data"].write_text(DATA.replace("1/3,0,1", "1/3,0,2"))
    return out


def test_help_exits_0_and_describes_the_checker() -> None:
    result = checker("--help")
    assert result.returncode == 0 and result.stderr == ""
    text = result.stdout
    assert text.startswith(f"usage: {PREFIX}")
    for kind in CHECKS:
        assert f"  {kind} " in text, kind
    for spec in ("proofs/duality.md", "proofs/verified.md", "proofs/data.md", "docs/formats.md"):
        assert spec in text
    assert "exit status" in text and "numpy" in text and "python-flint" in text


def test_every_kind_is_described() -> None:
    assert set(checker_cli.KINDS) == set(CHECKS)
    for _, spec in checker_cli.KINDS.values():
        root = Path(__file__).resolve().parents[2]
        assert all((root / name.strip()).is_file() for name in spec.split(",")), spec


@pytest.mark.parametrize("kind", ["patterns", "solve"])
def test_valid_certificate_exits_0_with_the_summary(files, kind: str) -> None:
    result = checker(files[kind], "--data", files["data"])
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1 and result.stdout.startswith("valid")
    assert_same_as_exactrelu_check(result, files[kind], "--data", files["data"])


@pytest.mark.parametrize(
    ("certificate", "data"),
    [("tampered", "data"), ("not_json", "data"), ("solve", "other_data")],
)
def test_invalid_certificate_exits_1_with_the_reason(files, certificate, data) -> None:
    result = checker(files[certificate], "--data", files[data])
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("invalid: ") and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert_same_as_exactrelu_check(result, files[certificate], "--data", files[data])


@pytest.mark.parametrize("missing", ["certificate", "data"])
def test_missing_file_exits_2_as_exactrelu_check(files, tmp_path: Path, missing: str) -> None:
    absent = tmp_path / "absent"
    certificate = absent if missing == "certificate" else files["patterns"]
    data = absent if missing == "data" else files["data"]
    result = checker(certificate, "--data", data)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"{PREFIX}: error: {missing} file not found: {absent}\n"
    assert_same_as_exactrelu_check(result, certificate, "--data", data)


@pytest.mark.parametrize("args", [[], ["--data", "data.csv"], ["cert.json"]])
def test_missing_argument_is_a_usage_error(args: list[str]) -> None:
    for result in (checker(*args), exactrelu_check(*args)):
        assert result.returncode == 2 and result.stdout == ""
        assert "the following arguments are required" in result.stderr


def test_exactrelu_check_runs_the_checkers_entry(monkeypatch, files) -> None:
    calls = []
    monkeypatch.setattr(checker_cli, "run", lambda *args, **kw: calls.append((args, kw)) or 7)
    assert exactrelu_main(["check", str(files["solve"]), "--data", str(files["data"])]) == 7
    assert calls == [((str(files["solve"]), str(files["data"])), {"prog": "exactrelu"})]


def test_run_in_process(capsys, files) -> None:
    assert checker_cli.main([str(files["solve"]), "--data", str(files["data"])]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("valid: solve (λ = 1/2 sum scale, bias,") and ": gap" in out and err == ""
    assert checker_cli.run(files["tampered"], files["data"], prog="x") == 1
    assert capsys.readouterr()[1].startswith("invalid: ")


def assert_same_as_exactrelu_check(result: subprocess.CompletedProcess, *args: object) -> None:
    """``exactrelu check`` prints the same, with its own name in usage errors."""
    cli = exactrelu_check(*args)
    assert cli.returncode == result.returncode
    assert cli.stdout == result.stdout
    assert cli.stderr == result.stderr.replace(f"{PREFIX}: ", "exactrelu: ")
