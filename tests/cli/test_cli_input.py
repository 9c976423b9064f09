"""Input and everyday use of the command line (issue 13): huge numbers, inputs that used to hang,
output paths checked before any work, ``--tol``, broken pipes, ``--version``, counts in words,
progress bars, and what ``certify`` and ``solve --round`` say.

Each test reproduces a fault of the old behaviour (a traceback, a hang, a wrong verdict, work
thrown away, a wrong word); bad input exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from cli_run import assert_one_line_error, run

import exactrelu
from exactrelu.cli import main
from exactrelu.cli_output import round_up as _round_up
from exactrelu.exact.progress import TqdmProgress, reporter

DATA = "x1,x2,y\n1,0,2\n0,1,-5\n1,1,1\n2,-1,0.5\n"
ONE = "x1,x2,y\n3,4,10\n"  # λ = 1: optimum 99/50, one neuron
IRIS = Path(exactrelu.__file__).parent / "data" / "bundled" / "iris_petals.csv"


def command(*args: object, timeout: float = 120, stdin=None) -> subprocess.CompletedProcess:
    """``python -m exactrelu ARGS`` with a timeout: a hang fails the test instead of blocking."""
    return subprocess.run(
        [sys.executable, "-m", "exactrelu", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(DATA)
    return path


@pytest.fixture
def one(tmp_path: Path) -> Path:
    path = tmp_path / "one.csv"
    path.write_text(ONE)
    return path


# -- 1. huge numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("command_name", ["patterns", "solve"])
def test_number_over_4300_digits_exits_2(capsys, tmp_path: Path, command_name: str) -> None:
    """Before: the 4301-digit cell was no number to ``Fraction`` (Python's int-text limit), so
    its row was silently taken for a header; as a ``--lam`` a traceback."""
    path = tmp_path / "huge.csv"
    path.write_text("7" * 4301 + ",1,2\n1,2,3\n3,1,1\n")
    extra = ["--lam", "1"] if command_name == "solve" else []
    code, stdout, err = run(capsys, command_name, path, *extra)
    assert code == 2 and stdout == ""
    assert_one_line_error(err, "4300 digits", "line 1")
    path.write_text(DATA)
    code, _stdout, err = run(capsys, "solve", path, "--lam", "1" * 4301)
    assert code == 2
    assert_one_line_error(err, "--lam", "4300 digits")


def test_long_numbers_never_crash_writing_witnesses(capsys, tmp_path: Path) -> None:
    """Before: 4000-digit decimals with a bias gave witnesses (exact extreme rays) of about 8000
    digits, and writing them raised Python's int-text ValueError (a traceback).  Now: exit 2,
    one line, nothing written."""
    rng = random.Random(1)
    cell = "0." + "".join(rng.choice("123456789") for _ in range(4000))
    other = "0." + "".join(rng.choice("123456789") for _ in range(4000))
    path, out = tmp_path / "long.csv", tmp_path / "out.json"
    path.write_text(f"{cell},1,2\n1,{other},3\n3,1,1\n")
    code, stdout, err = run(capsys, "patterns", path, "--bias", "--json", out)
    assert code == 2 and stdout == ""
    assert_one_line_error(err, "4300 digits")
    assert not out.exists()
    code, _stdout, err = run(capsys, "solve", path, "--bias", "--lam", "1", "--json", out)
    assert code == 2
    assert_one_line_error(err, "4300 digits")
    assert not out.exists()


# -- 2. hangs and the float range --------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "lam", "extra"),
    [
        ("1e999999999", "1", []),
        ("1", "1e999999999", []),
        ("1", "1e-999999999", []),
        ("1", "1", ["--round", "1000000000"]),
    ],
    ids=["csv_cell", "lam_huge", "lam_tiny", "round"],
)
def test_inputs_that_hung_exit_2_at_once(tmp_path: Path, cell: str, lam: str, extra) -> None:
    """Before: each expanded an astronomically long number (10^999999999, or rounding to 10^9
    decimals) and hung; now refused before any work (the subprocess timeout catches a hang)."""
    path = tmp_path / "d.csv"
    path.write_text(f"{cell},2,1\n3,1,2\n")
    done = command("solve", path, "--lam", lam, *extra, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert_one_line_error(done.stderr, "--round" if extra else "outside the range")


@pytest.mark.parametrize("lam", ["1e400", "1e-400", "1" + "0" * 400, "2e308"])
def test_lam_beyond_the_float_range_exits_2(capsys, data: Path, lam: str) -> None:
    """Before: ``--lam 1e400`` exited 1 with "integer division result too large for a float"."""
    code, stdout, err = run(capsys, "solve", data, "--lam", lam)
    assert code == 2 and stdout == ""
    assert_one_line_error(err, "--lam", "outside the range")


@pytest.mark.parametrize("cell", ["1e400", "-1e-400", "1e309"])
def test_data_beyond_the_float_range_exits_2(capsys, tmp_path: Path, cell: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"1,2,1\n{cell},1,2\n")
    for extra in (["patterns"], ["solve", "--lam", "1"]):
        code, _stdout, err = run(capsys, extra[0], path, *extra[1:])
        assert code == 2
        assert_one_line_error(err, "line 2", "outside the range")


def test_round_above_max_round_exits_2(capsys, data: Path) -> None:
    code, _stdout, err = run(capsys, "patterns", data, "--round", "101")
    assert code == 2
    assert_one_line_error(err, "--round", "100")
    assert run(capsys, "patterns", data, "--round", "100")[0] == 0


# -- 3. output paths checked before any work ----------------------------------------------------


def bad_outputs(tmp_path: Path) -> list[tuple[str, list[str]]]:
    folder = tmp_path / "folder"
    folder.mkdir()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    missing = tmp_path / "missing" / "out.json"
    return [
        ("solve", ["--json", str(missing)]),
        ("solve", ["--json", str(folder)]),
        ("certify", ["--json", str(missing)]),
        ("optimal-set", ["--json", str(folder)]),
        ("patterns", ["--json", str(missing)]),
        ("path", ["--plot", str(tmp_path / "missing" / "p.png")]),
        ("path", ["--plot", str(folder)]),
        ("path", ["--certificates", str(a_file)]),
        ("path", ["--certificates", str(a_file / "sub")]),
        ("path", ["--json", str(folder)]),
    ]


def test_unwritable_outputs_exit_2_before_any_work(capsys, tmp_path: Path, data: Path) -> None:
    """Before: the whole computation ran, then writing raised a traceback (FileNotFoundError,
    IsADirectoryError).  Now: exit 2 and one line before any work (nothing on stdout)."""
    network = tmp_path / "net.json"
    network.write_text(json.dumps({"W1": [[1, 1]], "w2": [1]}))
    for name, output in bad_outputs(tmp_path):
        if name == "path":
            args = [name, data, "--lam-min", "0.5", "--lam-max", "2", "--points", "2"]
        elif name == "patterns":
            args = [name, data]
        else:
            args = [name, data, "--lam", "1"] + (
                ["--network", network] if name == "certify" else []
            )
        code, stdout, err = run(capsys, *args, *output)
        assert code == 2 and stdout == "", (name, output, stdout)
        assert_one_line_error(err, output[0])


# -- 4. tol -------------------------------------------------------------------------------------


@pytest.mark.parametrize("tol", ["1", "2.7", "10", "0", "-1"])
def test_tol_outside_zero_one_exits_2(capsys, tmp_path: Path, one: Path, tol: str) -> None:
    """Before: ``--tol 1`` certified the zero network (objective 50, bound 99/50, 25 times
    above) and a network 2.7 times above the bound as ``optimal``."""
    network = tmp_path / "net.json"
    network.write_text(json.dumps({"W1": [["1", "1"]], "w2": ["1"]}))  # objective 5.35…
    for args in (["certify", "--network", network], ["solve"], ["optimal-set"]):
        code, stdout, err = run(capsys, args[0], one, *args[1:], "--lam", "1", f"--tol={tol}")
        assert code == 2 and stdout == ""
        assert_one_line_error(err, "--tol", "< 1")


# -- 5. broken pipe, --version, counts ----------------------------------------------------------


class _BrokenStdout(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_broken_pipe_exits_quietly(monkeypatch, capsys, one: Path) -> None:
    """Before: ``exactrelu solve DATA --json - | head`` ended in a BrokenPipeError traceback."""
    monkeypatch.setattr(sys, "stdout", _BrokenStdout())
    code = main(["solve", str(one), "--lam", "1", "--json", "-"])
    _out, err = capsys.readouterr()
    assert code == 141 and "Traceback" not in err and "Broken" not in err


def test_broken_pipe_into_head_prints_nothing_on_stderr(tmp_path: Path) -> None:
    """The real thing: a long JSON (the Iris cells with a bias) piped into ``head -c 100``."""
    shell = (
        f"{sys.executable} -m exactrelu patterns {IRIS} --bias --json - | head -c 100 >/dev/null"
    )
    done = subprocess.run(
        ["bash", "-c", shell], capture_output=True, text=True, check=False, timeout=120
    )
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_version_prints_the_version_and_exits_0() -> None:
    """Before: ``exactrelu --version`` was an unknown option (exit 2)."""
    done = command("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"exactrelu {exactrelu.__version__}"


def test_counts_are_in_the_right_number(capsys, tmp_path: Path, one: Path) -> None:
    """Before: "1 neurons"."""
    code, stdout, _err = run(capsys, "solve", one, "--lam", "1")
    assert code == 0
    assert "1 neuron," in stdout and "1 neurons" not in stdout
    code, stdout, _err = run(capsys, "patterns", one)
    assert code == 0 and "2 cells of 1 row in dimension 2 (1 distinct hyperplane," in stdout
    code, stdout, _err = run(capsys, "optimal-set", one, "--lam", "1")
    assert code == 0 and "1 neuron in E (1 block); 1 minimal network (sizes" in stdout


# -- 6. progress --------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_off_when_stderr_is_not_a_terminal(capsys, data: Path) -> None:
    """Library calls and redirected runs stay quiet: no bar on a stream that is no terminal."""
    assert reporter(stream=io.StringIO()) is None
    assert reporter(False, stream=_Terminal()) is None
    code, _stdout, err = run(capsys, "solve", data, "--lam", "1/10")
    assert code == 0 and err == ""


def test_progress_is_on_when_forced_or_on_a_terminal(monkeypatch, data: Path) -> None:
    """Before: ``solve`` at n = 200 was silent for a minute.  On a terminal (or forced) a tqdm bar
    on stderr names the stage: cell enumeration, column generation rounds."""
    stream = io.StringIO()
    bar = reporter(True, stream=stream)
    assert isinstance(bar, TqdmProgress)
    bar("stage", 1, 3)
    bar.close()
    assert "stage" in stream.getvalue()
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["solve", str(data), "--lam", "1/10", "--bias"]) == 0
    shown = terminal.getvalue()
    assert "enumerating cells" in shown and "column generation" in shown


def test_engine_reports_through_the_callback_and_is_quiet_without(monkeypatch) -> None:
    heard: list[tuple[str, int, int | None]] = []
    problem = exactrelu.Problem(
        [[1, 0], [0, 1], [1, 1], [2, -1]],
        [2, -5, 1, 0.5],
        lam=Fraction(1, 10),
        bias=True,
        progress=lambda stage, done, total: heard.append((stage, done, total)),
    )
    problem.solve()
    stages = {stage for stage, _done, _total in heard}
    assert any("enumerating cells" in s for s in stages)
    assert any("column generation" in s for s in stages)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)  # a library call on a terminal: still quiet
    exactrelu.Problem([[1, 0], [0, 1]], [2, -5], lam=1, bias=True).solve()
    exactrelu.enumerate_patterns([[1, 0], [0, 1]], bias=True)
    assert terminal.getvalue() == ""


# -- 7. what certify and solve --round say ------------------------------------------------------


def test_certify_prints_the_relative_gap_and_the_smallest_passing_tol(
    capsys, tmp_path: Path, one: Path
) -> None:
    """Before: only the absolute gap; now the gap relative to ½‖y‖² and the smallest --tol at
    which the network passes, rounded up (and it does pass at that tol)."""
    network = tmp_path / "net.json"
    network.write_text(json.dumps({"W1": [["1", "1"]], "w2": ["1"]}))
    code, stdout, _err = run(capsys, "certify", one, "--network", network, "--lam", "1")
    assert code == 0 and "verdict: not_optimal" in stdout
    line = next(text for text in stdout.splitlines() if text.startswith("relative gap"))
    assert "(gap / ½‖y‖²)" in line and "rounded up" in line
    tol = line.split("--tol ")[1].split()[0]
    # objective 1/2·(10 − 7)² + (2 + 1)/2 = 6, bound 99/50: relative gap (6 − 99/50)/50
    assert Fraction(tol) >= Fraction(6 - Fraction(99, 50), 50) and tol == "0.0804"
    code, stdout, _err = run(
        capsys, "certify", one, "--network", network, "--lam", "1", "--tol", tol
    )
    assert code == 0 and "verdict: optimal" in stdout


def test_round_up_is_an_upper_bound_with_three_digits() -> None:
    for value in [
        Fraction(27, 10),
        Fraction(1, 3),
        Fraction(1),
        Fraction(123456),
        Fraction(7, 10**40),
    ]:
        text = _round_up(value)
        assert Fraction(text) >= value and Fraction(text) < value * Fraction(101, 100)


def test_solve_with_round_says_it_is_about_the_rounded_data(capsys, tmp_path: Path) -> None:
    """Before: ``solve --round K`` printed the optimum as if of the data given (patterns said
    "for the rounded data", solve did not)."""
    path = tmp_path / "r.csv"
    path.write_text("3.0004,4.0004,10.0004\n")
    code, stdout, _err = run(capsys, "solve", path, "--lam", "1", "--round", "2")
    assert code == 0
    assert "rounded to 2 decimals" in stdout and "for the rounded data" in stdout
    code, stdout, _err = run(capsys, "solve", path, "--lam", "1")
    assert code == 0 and "rounded" not in stdout
