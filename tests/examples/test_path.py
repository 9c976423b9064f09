"""The regularization-path example runs end to end (``--quick``) and saves its plot and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPT = EXAMPLES / "regularization_path.py"


def test_regularization_path_quick(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
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


def test_min_norm_conjecture_search_quick(tmp_path: Path) -> None:
    out_json = tmp_path / "conjecture.json"
    run = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "min_norm_conjecture.py"),
            "--quick",
            "--json",
            str(out_json),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6 instances" in run.stdout and "conjecture (min-norm path continuous):" in run.stdout
    records = json.loads(out_json.read_text())
    assert records and all(r["verdict"] in VERDICTS for r in records)
    for record in records:  # every bracket is certified at both ends and narrowed as asked
        assert record["lam_lo_float"] < record["lam_hi_float"]
        if record["verdict"] == "jump":
            assert record["confirmation"] in ("confirmed", "refuted")


VERDICTS = ("continuous", "jump", "unresolved", "undetermined")
