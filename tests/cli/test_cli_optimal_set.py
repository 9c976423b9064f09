"""``exactrelu optimal-set``: the minimal networks printed, ``--max-networks``, unique function,
``--patterns FILE`` (a given list of 0/1 patterns), and "unknown" (never 0) when undecided."""

from __future__ import annotations

import json

import pytest
from cli_run import run

from exactrelu.checker import check_file
from exactrelu.testing.planted import planted

DATA = "x,y\n0,0\n1,1\n2,0\n3,2\n"


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(DATA)
    return path


def test_prints_minimal_networks_and_unique_function(capsys, data, tmp_path) -> None:
    out_json = tmp_path / "set.json"
    code, out, _ = run(capsys, "optimal-set", data, "--lam", "1/10", "--json", out_json)
    assert code == 0
    assert "unique function: True" in out and "minimal network 0: 1 neurons" in out
    assert "relu([" in out
    report = json.loads(out_json.read_text())
    assert report["unique_function"] is True and report["max_networks"] == 10_000
    assert "unique function: True" in check_file(out_json, data)


def test_max_networks(capsys, tmp_path) -> None:
    inst = planted(grid=(3, 1), seed=0)
    path = tmp_path / "grid.csv"
    rows = [[*map(str, row), str(t)] for row, t in zip(inst.X, inst.y, strict=True)]
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    out_json = tmp_path / "set.json"
    code, out, _ = run(
        capsys,
        "optimal-set",
        path,
        "--lam",
        inst.lam,
        "--max-networks",
        "2",
        "--json",
        out_json,
    )
    assert code == 0
    report = json.loads(out_json.read_text())
    assert len(report["minimal_networks"]) == 2 < report["count_minimal_networks"]
    assert f"(2 of {report['count_minimal_networks']} shown; --json lists 2)" in out
    assert "unique function: False" in out
    check_file(out_json, path)
    code, _, err = run(capsys, "optimal-set", path, "--lam", inst.lam, "--max-networks", "-1")
    assert code == 2 and "--max-networks" in err


def test_patterns_file(capsys, data, tmp_path) -> None:
    patterns = tmp_path / "patterns.txt"
    patterns.write_text("# a given list\n0101\n0111\n\n0001\n")
    out_json = tmp_path / "set.json"
    code, out, _ = run(
        capsys, "optimal-set", data, "--lam", "1/10", "--patterns", patterns, "--json", out_json
    )
    assert code == 0 and "status exact" in out
    report = json.loads(out_json.read_text())
    assert sorted(report["certificate"]["patterns"]) == ["0001", "0101", "0111"]
    assert "given program of 3 patterns" in check_file(out_json, data)
    code, out, _ = run(capsys, "solve", data, "--lam", "1/10", "--patterns", patterns)
    assert code == 0 and "3 patterns" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [("01x1\n", "0/1"), ("011\n", "entries"), ("# nothing\n", "no patterns")],
)
def test_bad_patterns_file(capsys, data, tmp_path, text, message) -> None:
    patterns = tmp_path / "patterns.txt"
    patterns.write_text(text)
    code, _, err = run(capsys, "optimal-set", data, "--lam", "1/10", "--patterns", patterns)
    assert code == 2 and message in err and "Traceback" not in err


def test_bad_patterns_option(capsys, data) -> None:
    code, _, err = run(capsys, "optimal-set", data, "--lam", "1/10", "--patterns", "nope")
    assert code == 2 and "file of 0/1 patterns" in err


def test_undecided_prints_unknown(capsys, tmp_path) -> None:
    path = tmp_path / "hexagon.csv"
    path.write_text("1,0,1\n0,1,1\n-1,-1,1\n-1,0,1\n0,-1,1\n1,1,1\n")
    out_json = tmp_path / "set.json"
    code, out, _ = run(capsys, "optimal-set", path, "--lam", "1/10", "--json", out_json)
    assert code == 0
    report = json.loads(out_json.read_text())
    if report["status"] != "undecided":
        assert "unique function: unknown" not in out
        return
    assert "unique network: unknown" in out and "unique function: unknown" in out
    assert "reason:" in out and "numeric (not certified)" in out
    assert report["count_minimal_networks"] is None and report["min_width"] is None
    assert "undecided" in check_file(out_json, path)
