"""Running the command line in-process from a test: exit code and captured output, and the
check that an error is one line without a traceback (exit status 2 contract, README)."""

from __future__ import annotations

import pytest

from exactrelu.cli import main


def run(capsys: pytest.CaptureFixture, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *words: str) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("exactrelu: error:")
    for word in words:
        assert word in err, err
