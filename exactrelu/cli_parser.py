"""The ``exactrelu`` command line's arguments: one subcommand per task, the data and problem
options they share, and the pattern-list option (``all``, ``sample:N:SEED`` or a file of 0/1
strings).  Each subcommand sets ``command``; :mod:`exactrelu.cli` runs it."""

from __future__ import annotations

import argparse
from pathlib import Path

from exactrelu import __version__
from exactrelu.arrangement.patterns import DEFAULT_MAX_CELLS
from exactrelu.data.io import MAX_ROUND
from exactrelu.errors import ExactReluInputError
from exactrelu.program.problem import MODELS, SCALES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exactrelu", description="Exact verification of two-layer ReLU networks."
    )
    parser.add_argument("--version", action="version", version=f"exactrelu {__version__}")
    commands = parser.add_subparsers(title="commands")

    patterns = commands.add_parser("patterns", help="all activation patterns, certified complete")
    data_options(patterns)
    patterns.add_argument(
        "--max-cells",
        type=int,
        default=DEFAULT_MAX_CELLS,
        help=f"refuse data predicted to have more cells (default {DEFAULT_MAX_CELLS})",
    )
    patterns.add_argument(
        "--json", metavar="OUT", help="write the certificate (JSON); '-' for stdout"
    )
    patterns.set_defaults(command="patterns")

    solve = commands.add_parser("solve", help="the global optimum with an exact certificate")
    data_options(solve)
    problem_options(solve)
    solve.set_defaults(command="solve")

    certify = commands.add_parser("certify", help="is a given network globally optimal?")
    data_options(certify)
    certify.add_argument("--network", required=True, help="network JSON {W1, w2, bias}")
    problem_options(certify)
    certify.set_defaults(command="certify")

    optimal = commands.add_parser("optimal-set", help="all optimal networks, exactly")
    data_options(optimal)
    problem_options(optimal)
    optimal.add_argument(
        "--max-networks",
        type=int,
        default=10_000,
        help="write at most this many minimal networks (all are counted; default 10000)",
    )
    optimal.set_defaults(command="optimal_set")

    prune = commands.add_parser("prune", help="prune a network to a minimal one, fit unchanged")
    data_options(prune)
    prune.add_argument("--network", required=True, help="network JSON {W1, w2, bias}")
    problem_options(prune)
    prune.set_defaults(command="prune")

    stationary = commands.add_parser(
        "stationary", help="is a network a stationary point? its own cells, violated constraints"
    )
    data_options(stationary)
    stationary.add_argument("--network", required=True, help="network JSON {W1, w2, bias}")
    stationary.add_argument(
        "--alpha-form",
        action="store_true",
        help="use the exact alpha_form of the --network file (e.g. a solve output)",
    )
    problem_options(stationary)
    stationary.set_defaults(command="stationary")

    sensitivity = commands.add_parser(
        "sensitivity", help="derivatives of the optimum with respect to λ, y or X (LICQ, SCS)"
    )
    data_options(sensitivity)
    problem_options(sensitivity)
    sensitivity.add_argument("--wrt", choices=("lam", "y", "X"), default="lam")
    sensitivity.add_argument(
        "--direction",
        help="lam: a step, read exactly (default 1); y: a CSV file of n numbers (one column); "
        "X: a CSV file of n rows of d numbers (patterns held fixed)",
    )
    sensitivity.set_defaults(command="sensitivity")

    path = commands.add_parser("path", help="the regularization path on a grid, breakpoints")
    data_options(path)
    path.add_argument("--lam-min", required=True, help="smallest λ of the grid (exact)")
    path.add_argument("--lam-max", required=True, help="largest λ of the grid (exact)")
    path.add_argument("--points", type=int, default=20, help="grid points, geometric (default 20)")
    path.add_argument("--output-bias", action="store_true", help="unregularized output bias")
    path.add_argument("--scale", choices=SCALES, default="sum")
    path.add_argument(
        "--max-solves", type=int, default=200, help="budget of samples, solves included (200)"
    )
    path.add_argument(
        "--rel-width", default="1/10000", help="bracket width of a breakpoint, relative (1/10000)"
    )
    path.add_argument(
        "--interval-tests",
        type=int,
        default=200,
        help="budget of ball tests proving intervals constant (default 200; 0 = none)",
    )
    path.add_argument(
        "--json",
        metavar="OUT",
        help="write the path (JSON, with every certificate: `exactrelu check` re-verifies it); "
        "'-' for stdout",
    )
    path.add_argument("--plot", metavar="PNG", help="plot neuron norms and the fit against λ")
    path.add_argument(
        "--certificates",
        metavar="DIR",
        help="write each grid point's certificate (optimal set, or solve) and each proved "
        "interval's (verified_interval) for `exactrelu check`",
    )
    path.set_defaults(command="path")

    check = commands.add_parser(
        "check",
        help="verify a certificate with the independent checker (= python -m exactrelu.checker)",
    )
    check.add_argument("certificate", help="a JSON certificate written by exactrelu")
    check.add_argument("--data", required=True, help="the data file the certificate is about")
    check.set_defaults(command="check")

    demo = commands.add_parser("demo", help="the main job on bundled data")
    demo.set_defaults(command="demo")

    selftest = commands.add_parser(
        "selftest", help="check the theory on generated cases (property suite, Hypothesis)"
    )
    selftest.add_argument(
        "--examples", type=int, default=200, help="examples in total, shared by the properties"
    )
    selftest.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    selftest.add_argument(
        "--property", action="append", default=[], help="run only this property (repeatable)"
    )
    selftest.set_defaults(command="selftest")
    return parser


def data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="CSV (numbers read exactly, p/q allowed) or .npz with X, y")
    parser.add_argument("--bias", action="store_true", help="hidden-layer bias: rows [x_k, 1]")
    parser.add_argument(
        "--target", help="target column: header name or 0-based index (default: last); 'none'"
    )
    parser.add_argument(
        "--round",
        type=int,
        metavar="K",
        dest="round_digits",
        help=f"round inputs to K decimals first, 0 <= K <= {MAX_ROUND} (results are exact for "
        "the rounded data)",
    )


def problem_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lam", required=True, help="λ > 0, read exactly (0.1 means 1/10)")
    parser.add_argument("--output-bias", action="store_true", help="unregularized output bias")
    parser.add_argument(
        "--scale",
        choices=SCALES,
        default="sum",
        help="sum: ½ loss + λ/2 decay (default); mean: loss divided by n",
    )
    parser.add_argument("--model", choices=MODELS, default="relu")
    parser.add_argument(
        "--patterns",
        default="all",
        help="all (default, certified complete), sample:N:SEED, or FILE: one 0/1 pattern a line",
    )
    parser.add_argument(
        "--tol", default="1e-9", help="0 < tol < 1, relative to ½‖y‖² (default 1e-9)"
    )
    parser.add_argument(
        "--max-cells",
        type=int,
        default=DEFAULT_MAX_CELLS,
        help=f"refuse data predicted to have more cells (default {DEFAULT_MAX_CELLS})",
    )
    parser.add_argument(
        "--json", metavar="OUT", help="write the certificate (JSON); '-' for stdout"
    )


def pattern_option(text: str) -> object:
    if text == "all":
        return "all"
    parts = text.split(":")
    if len(parts) == 3 and parts[0] == "sample" and parts[1].isdigit() and parts[2].isdigit():
        return ("sample", int(parts[1]), int(parts[2]))
    if Path(text).is_file():
        return pattern_file(text)
    raise ExactReluInputError(
        f"--patterns must be 'all', 'sample:N:SEED' or a file of 0/1 patterns, got {text!r}"
    )


def pattern_file(path: str) -> list[str]:
    """``--patterns FILE``: one pattern a line, a string of n 0/1 characters (blank lines and
    lines starting with # are skipped); Problem checks the length against the data."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ExactReluInputError(f"--patterns {path}: cannot read ({exc})") from None
    patterns = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if set(text) - {"0", "1"}:
            raise ExactReluInputError(
                f"--patterns {path}, line {number}: a pattern is a string of 0/1, got {text!r}"
            )
        patterns.append(text)
    if not patterns:
        raise ExactReluInputError(f"--patterns {path}: no patterns")
    return patterns
