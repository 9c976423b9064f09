"""The regularization-path example runs end to end (``--quick``) and saves its plot and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "regularization_path.py"


def test_regularization_path_quick(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "λ_max = " in out and "exactly" in out
    assert "breakpoints" in out and "neurons at a few λ's" in out
    picture = tmp_path / "regularization_path.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = json.loads((tmp_path / "regularization_path.json").read_text())
    assert result["kind"] == "path" and result["breakpoints"]
