"""The demo (``make demo``) and the real-data example run end to end and say what they should."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from exactrelu.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "certify_trained_network.py"


def test_demo_certifies_and_the_checker_accepts(capsys) -> None:
    """``exactrelu demo`` through the command line: the only run of the demo in the suite."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "4866 cells" in out
    assert "verdict " in out and "certified lower bound" in out
    assert "the global optimum" in out
    for name in ("patterns.json", "certify.json", "solve.json"):
        line = next(line for line in out.splitlines() if line.strip().startswith(name))
        assert "REJECTED" not in line, line
        assert "valid" in line or "not checked" in line, line


def test_example_quick(tmp_path, capsys, monkeypatch) -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))  # as when run as a script: examples/ first
    spec = importlib.util.spec_from_file_location("certify_trained_network", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick", "--seeds", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "seed 0: objective" in out and "verdict" in out
    assert (tmp_path / "certify_trained_network.png").stat().st_size > 0
