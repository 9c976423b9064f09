"""The optimal-set picture example runs end to end (``--quick``) and reports an exact,
checked, non-unique optimal set."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "optimal_set_picture.py"


def test_optimal_set_picture_quick(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "optimal set: status exact" in out
    assert "unique network: False" in out
    assert "independent checker: accepted" in out
    assert "objective" in out and "!= optimum" not in out
    picture = tmp_path / "optimal_set_picture.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "optimal_set_picture.json").stat().st_size > 0
