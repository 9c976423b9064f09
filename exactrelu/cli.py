"""The ``exactrelu`` command line (docs/formats.md).

Exit status: 0 success, 1 a certificate that does not check, 2 bad input (one line, no traceback).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

from exactrelu import __version__
from exactrelu.arrangement.patterns import DEFAULT_MAX_CELLS, enumerate_patterns
from exactrelu.data.io import MAX_ROUND, read_data
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.progress import reporter
from exactrelu.exact.rationals import parse_rational, rational_str
from exactrelu.model.network_io import read_network
from exactrelu.program.problem import MODELS, SCALES, Problem
from exactrelu.tasks.certify import certify


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        _check_outputs(args)
        return args.run(args)
    except ExactReluInputError as exc:
        print(f"exactrelu: error: {exc}", file=sys.stderr)
        return 2
    except ArithmeticError as exc:  # an exact decision that this version cannot make
        print(f"exactrelu: cannot decide exactly: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `exactrelu solve DATA --json - | head`: stop quietly
        _silence_stdout()
        return 141  # as a process stopped by SIGPIPE (128 + 13)


def _silence_stdout() -> None:
    """After a broken pipe, point standard output at /dev/null so that the interpreter's final
    flush does not print another error (the Python documentation's recipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (captured output)
        pass


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, output paths that cannot be written: ``--json`` and ``--plot``
    files (a missing or unwritable directory, an existing directory) and the ``--certificates``
    folder (an existing file, or no writable directory to create it in)."""
    for option, name in (("--json", "json"), ("--plot", "plot")):
        value = getattr(args, name, None)
        if value is None or (name == "json" and value == "-"):
            continue
        target = Path(value)
        if target.is_dir():
            raise ExactReluInputError(f"{option} {value}: is a directory, not a file")
        parent = target.parent
        if not parent.is_dir():
            raise ExactReluInputError(f"{option} {value}: no directory {parent}")
        writable = os.access(target, os.W_OK) if target.exists() else os.access(parent, os.W_OK)
        if not writable:
            raise ExactReluInputError(f"{option} {value}: not writable")
    if getattr(args, "plot", None) and importlib.util.find_spec("matplotlib") is None:
        raise ExactReluInputError("--plot needs matplotlib (pip install 'exactrelu[examples]')")
    folder = getattr(args, "certificates", None)
    if folder is not None:
        target = Path(folder)
        if target.exists() and not target.is_dir():
            raise ExactReluInputError(f"--certificates {folder}: exists and is not a directory")
        existing = target
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise ExactReluInputError(f"--certificates {folder}: {existing} is not a directory")
        if not os.access(existing, os.W_OK):
            raise ExactReluInputError(f"--certificates {folder}: {existing} is not writable")


def _count(number: int, word: str, plural: str | None = None) -> str:
    """``1 neuron``, ``2 neurons``: a count with its noun in the right number."""
    return f"{number} {word if number == 1 else plural or word + 's'}"


def _progress(args: argparse.Namespace):
    """The progress callback of a command: a bar on stderr when it is a terminal, else None."""
    return reporter()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exactrelu", description="Exact verification of two-layer ReLU networks."
    )
    parser.add_argument("--version", action="version", version=f"exactrelu {__version__}")
    commands = parser.add_subparsers(title="commands")

    patterns = commands.add_parser("patterns", help="all activation patterns, certified complete")
    _data_options(patterns)
    patterns.add_argument(
        "--max-cells",
        type=int,
        default=DEFAULT_MAX_CELLS,
        help=f"refuse data predicted to have more cells (default {DEFAULT_MAX_CELLS})",
    )
    patterns.add_argument(
        "--json", metavar="OUT", help="write the certificate (JSON); '-' for stdout"
    )
    patterns.set_defaults(run=_run_patterns)

    solve = commands.add_parser("solve", help="the global optimum with an exact certificate")
    _data_options(solve)
    _problem_options(solve)
    solve.set_defaults(run=_run_solve)

    certify = commands.add_parser("certify", help="is a given network globally optimal?")
    _data_options(certify)
    certify.add_argument("--network", required=True, help="network JSON {W1, w2, bias}")
    _problem_options(certify)
    certify.set_defaults(run=_run_certify)

    optimal = commands.add_parser("optimal-set", help="all optimal networks, exactly")
    _data_options(optimal)
    _problem_options(optimal)
    optimal.add_argument(
        "--max-networks",
        type=int,
        default=10_000,
        help="write at most this many minimal networks (all are counted; default 10000)",
    )
    optimal.set_defaults(run=_run_optimal_set)

    prune = commands.add_parser("prune", help="prune a network to a minimal one, fit unchanged")
    _data_options(prune)
    prune.add_argument("--network", required=True, help="network JSON {W1, w2, bias}")
    _problem_options(prune)
    prune.set_defaults(run=_run_prune)

    stationary = commands.add_parser(
        "stationary", help="is a network a stationary point? its own cells, violated constraints"
    )
    _data_options(stationary)
    stationary.add_argument("--network", required=True, help="network JSON {W1, w2, bias}")
    stationary.add_argument(
        "--alpha-form",
        action="store_true",
        help="use the exact alpha_form of the --network file (e.g. a solve output)",
    )
    _problem_options(stationary)
    stationary.set_defaults(run=_run_stationary)

    sensitivity = commands.add_parser(
        "sensitivity", help="derivatives of the optimum with respect to λ, y or X (LICQ, SCS)"
    )
    _data_options(sensitivity)
    _problem_options(sensitivity)
    sensitivity.add_argument("--wrt", choices=("lam", "y", "X"), default="lam")
    sensitivity.add_argument(
        "--direction",
        help="lam: a step, read exactly (default 1); y: a CSV file of n numbers (one column); "
        "X: a CSV file of n rows of d numbers (patterns held fixed)",
    )
    sensitivity.set_defaults(run=_run_sensitivity)

    path = commands.add_parser("path", help="the regularization path on a grid, breakpoints")
    _data_options(path)
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
    path.set_defaults(run=_run_path)

    check = commands.add_parser(
        "check",
        help="verify a certificate with the independent checker (= python -m exactrelu.checker)",
    )
    check.add_argument("certificate", help="a JSON certificate written by exactrelu")
    check.add_argument("--data", required=True, help="the data file the certificate is about")
    check.set_defaults(run=_run_check)

    demo = commands.add_parser("demo", help="the main job on bundled data")
    demo.set_defaults(run=_run_demo)

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
    selftest.set_defaults(run=_run_selftest)
    return parser


def _data_options(parser: argparse.ArgumentParser) -> None:
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


def _problem_options(parser: argparse.ArgumentParser) -> None:
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


def _problem(args: argparse.Namespace, progress=None) -> Problem:
    dataset = read_data(args.data, args.target, args.round_digits)
    return Problem(
        dataset,
        lam=parse_rational(args.lam, "--lam"),
        bias=args.bias,
        output_bias=args.output_bias,
        scale=args.scale,
        model=args.model,
        patterns=_pattern_option(args.patterns),
        max_cells=args.max_cells,
        target=args.target,
        progress=progress,
    )


def _pattern_option(text: str) -> object:
    if text == "all":
        return "all"
    parts = text.split(":")
    if len(parts) == 3 and parts[0] == "sample" and parts[1].isdigit() and parts[2].isdigit():
        return ("sample", int(parts[1]), int(parts[2]))
    if Path(text).is_file():
        return _pattern_file(text)
    raise ExactReluInputError(
        f"--patterns must be 'all', 'sample:N:SEED' or a file of 0/1 patterns, got {text!r}"
    )


def _pattern_file(path: str) -> list[str]:
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


def _tol(args: argparse.Namespace) -> Fraction:
    """``--tol``: 0 < tol < 1 (with tol >= 1 even the zero network would pass as optimal)."""
    tol = parse_rational(args.tol, "--tol")
    if not 0 < tol < 1:
        raise ExactReluInputError(
            f"--tol must be > 0 and < 1 (a fraction of ½‖y‖²), got {args.tol}"
        )
    return tol


def _scope(problem: Problem, args: argparse.Namespace | None = None) -> str:
    rounded = ""
    if args is not None and args.round_digits is not None:
        rounded = f" of the data rounded to {args.round_digits} decimals"
    if problem.blocks.complete:
        return f"over all activation patterns{rounded} (certified complete)"
    return (
        f"for the sub-sampled program over {_count(len(problem.blocks.patterns), 'pattern')}"
        f"{rounded} only"
    )


def _rounded(args: argparse.Namespace) -> str:
    """`` for the rounded data`` after a status when ``--round`` was given."""
    return " for the rounded data" if args.round_digits is not None else ""


def _run_solve(args: argparse.Namespace) -> int:
    tol = _tol(args)
    progress = _progress(args)
    problem = _problem(args, progress)
    start = time.perf_counter()
    solution = problem.solve(tol)
    _close(progress)
    out = sys.stderr if args.json == "-" else sys.stdout
    print(
        f"optimum in [{float(solution.objective_lower):.12g}, "
        f"{float(solution.objective_upper):.12g}] ({problem.scale} scale), exact gap "
        f"{float(solution.gap):.3g} = {float(solution.relative_gap):.3g}·½‖y‖², "
        f"{_count(solution.network.width, 'neuron')}, {_scope(problem, args)}; "
        f"{time.perf_counter() - start:.2f} s",
        file=out,
    )
    if solution.optimum is not None:
        print(
            f"exact optimum {rational_str(solution.optimum)} (zero gap in α-form)" + _rounded(args),
            file=out,
        )
    if args.json:
        _write_json(solution.to_json(), args.json)
    return 0


def _run_certify(args: argparse.Namespace) -> int:
    tol = _tol(args)
    progress = _progress(args)
    problem = _problem(args, progress)
    network = _read_network_for(problem, args.network)
    start = time.perf_counter()
    result = certify(problem, network, tol)
    _close(progress)
    out = sys.stderr if args.json == "-" else sys.stdout
    print(
        f"verdict: {result.verdict} ({_scope(problem, args)}); objective "
        f"{float(result.objective):.12g}, certified lower bound "
        f"{float(result.lower_bound):.12g}, gap {float(result.gap):.3g} "
        f"(threshold {float(result.threshold):.3g}); {time.perf_counter() - start:.2f} s",
        file=out,
    )
    print(_relative_gap(result.gap, problem.zero_objective), file=out)
    if result.improving_network is not None:
        print(
            f"improving network: width {result.improving_network.width}, objective lower by "
            f"{float(result.improvement):.6g}",
            file=out,
        )
    if args.json:
        _write_json(result.to_json(), args.json)
    return 0


def _read_network_for(problem: Problem, path: str):
    network = read_network(path, d=problem.dataset.d)
    if network.bias != problem.bias:
        raise ExactReluInputError(
            f"the network has bias = {network.bias} but --bias is {problem.bias}"
        )
    return network


def _run_prune(args: argparse.Namespace) -> int:
    from exactrelu.tasks.prune import prune

    problem = _problem(args)
    result = prune(problem, _read_network_for(problem, args.network))
    out = sys.stderr if args.json == "-" else sys.stdout
    print(
        f"pruned from {result.width_before} to {_count(result.width_after, 'neuron')} (rank of "
        f"the fits {result.rank}), fit unchanged exactly{_rounded(args)}; objective "
        f"{float(result.objective):.12g} (change {float(result.objective_change):.3g}, exact)",
        file=out,
    )
    if args.json:
        _write_json(result.to_json(), args.json)
    return 0


def _run_stationary(args: argparse.Namespace) -> int:
    from exactrelu.model.alpha_form import alpha_form_from_json
    from exactrelu.tasks.stationary import stationary

    progress = _progress(args)
    problem = _problem(args, progress)
    if args.alpha_form:
        try:
            form = json.loads(Path(args.network).read_text())["alpha_form"]
            neurons = alpha_form_from_json(form["neurons"], problem.lam_sum)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ExactReluInputError(f"{args.network}: no alpha_form ({exc})") from None
        result = stationary(problem, neurons, output_bias=form.get("output_bias"))
    else:
        result = stationary(problem, _read_network_for(problem, args.network))
    _close(progress)
    out = sys.stderr if args.json == "-" else sys.stdout
    print(
        f"stationary: {result.stationary}; optimal for its "
        f"{_count(len(result.subprogram_patterns), 'own cell')}: {result.subprogram_optimal}; "
        f"globally optimal: {result.globally_optimal}; "
        f"{_count(len(result.violated), 'violated dual constraint')}; status {result.status}"
        + _rounded(args),
        file=out,
    )
    if result.improving_network is not None:
        print(
            f"improving network: width {result.improving_network.width}, objective "
            f"{float(result.improving_objective):.12g} < {float(result.objective):.12g}",
            file=out,
        )
    if args.json:
        _write_json(result.to_json(), args.json)
    return 0


def _run_optimal_set(args: argparse.Namespace) -> int:
    from exactrelu.optimum.optimal_set import optimal_set

    tol = _tol(args)
    progress = _progress(args)
    problem = _problem(args, progress)
    start = time.perf_counter()
    solution = problem.solve(tol)
    if progress is not None:
        progress("optimal set: neurons, vertices, min-norm network", 0, None)
    if args.max_networks < 0:
        raise ExactReluInputError(f"--max-networks must be >= 0, got {args.max_networks}")
    result = optimal_set(problem, solution, max_networks=args.max_networks)
    _close(progress)
    out = sys.stderr if args.json == "-" else sys.stdout
    report = result.to_json()
    if result.status == "undecided":
        _print_undecided(report, args, out)
    else:
        if result.solution is not None and result.solution.optimum is not None:
            optimum = rational_str(result.solution.optimum)
        else:
            optimum = f"{float(result.structure.optimum):.12g} (certified enclosure)"
        sizes = sorted({len(v) for v in result.vertices})
        count = report.get("count_minimal_networks")
        bound = "at least " if report.get("count_minimal_networks_is_lower_bound") else ""
        print(
            f"status {result.status}{_rounded(args)}: optimum {optimum}; "
            f"{_count(len(result.neurons), 'neuron')} in E "
            f"({_count(sum(len(n.cells) for n in result.neurons), 'block')}); "
            f"{bound}{_count(count, 'minimal network')} (sizes {sizes}), "
            f"{report.get('count_minimal_convex')} at the block level; unique network: "
            f"{_known(report.get('unique_network'))}; unique function: "
            f"{_known(report.get('unique_function', result.unique_function))}; fewest neurons m* = "
            f"{_known(report.get('min_width'))}; {time.perf_counter() - start:.2f} s",
            file=out,
        )
        _print_networks(report.get("minimal_networks") or [], count, out)
    if args.json:
        _write_json(report, args.json)
    return 0


def _known(value: object) -> str:
    """A field of an optimal-set file on stdout: ``unknown`` for null (never 0)."""
    return "unknown" if value is None else str(value)


def _print_undecided(report: dict, args: argparse.Namespace, out) -> None:
    lower, upper = report.get("objective_lower"), report.get("objective_upper")
    bracket = "not available"
    if lower is not None and upper is not None:
        bracket = (
            f"[{float(parse_rational(lower, 'lower')):.12g}, "
            f"{float(parse_rational(upper, 'upper')):.12g}] (certified)"
        )
    exact = report.get("optimum")
    print(
        f"status undecided{_rounded(args)}: optimum "
        f"{exact + ' (exact)' if exact is not None else 'in ' + bracket}; minimal networks: "
        "unknown; unique network: unknown; unique function: unknown; fewest neurons m* = "
        "unknown",
        file=out,
    )
    print(f"reason: {report.get('reason')}", file=out)
    numeric = report.get("numeric")
    if numeric:
        print(
            f"numeric (not certified): {_count(len(numeric['neurons']), 'neuron')}, "
            f"{_count(len(numeric['mirror_pairs']), 'mirror pair')}, ‖X̃ᵀr‖/λ ≈ "
            f"{numeric['xtr_over_lam']:.2g}, estimated polytope dimension "
            f"{_known(numeric['polytope_dimension_estimate'])}",
            file=out,
        )


SHOWN_NETWORKS = 10  # minimal networks printed on stdout (the JSON lists up to --max-networks)


def _shown_number(value: object, what: str) -> float:
    """A rational string, or the midpoint of an enclosure ``{mid, rad}``, as a float (display)."""
    if isinstance(value, dict):
        value = value.get("mid")
    return float(parse_rational(value, what))


def _print_networks(networks: list[dict], count: int, out) -> None:
    """Each minimal network, rounded: ``w2 · relu(W1 x̃)`` per neuron, and its objective."""
    for t, item in enumerate(networks[:SHOWN_NETWORKS]):
        net = item["network"]
        terms = []
        unit = "relu" if net.get("gates") is None else "gated"
        for row, w in zip(net["W1"], net["w2"], strict=True):
            weights = ", ".join(f"{_shown_number(v, 'W1'):.4g}" for v in row)
            terms.append(f"{_shown_number(w, 'w2'):+.4g}·{unit}([{weights}]·x̃)")
        bias = net.get("output_bias")
        tail = "" if bias in (None, "0") else f" {_shown_number(bias, 'b'):+.4g}"
        stated = item.get("network_objective")  # (verified files: enclosures, no objective)
        objective = "" if stated is None else f", objective {_shown_number(stated, 'obj'):.12g}"
        print(
            f"  minimal network {t}: {len(terms)} neurons{objective}: "
            f"{' '.join(terms) or '0'}{tail}",
            file=out,
        )
    if networks and count is not None and count > min(len(networks), SHOWN_NETWORKS):
        print(
            f"  ({min(len(networks), SHOWN_NETWORKS)} of {count} shown; --json lists "
            f"{len(networks)})",
            file=out,
        )


def _direction_option(wrt: str, text: str | None) -> object:
    """``--direction``: a rational step for λ, else a CSV file read exactly (δy or δX)."""
    if wrt == "lam":
        return None if text is None else parse_rational(text, "--direction")
    shape = "n numbers in one column" if wrt == "y" else "n rows of d numbers"
    if text is None:
        raise ExactReluInputError(f"--wrt {wrt} needs --direction FILE (a CSV of {shape})")
    rows = read_data(text, target="none").X
    if wrt == "X":
        return rows
    if len(rows[0]) != 1:
        raise ExactReluInputError(f"--direction for --wrt y must be a CSV of {shape}")
    return [row[0] for row in rows]


def _run_sensitivity(args: argparse.Namespace) -> int:
    from exactrelu.optimum.optimal_set import optimal_set
    from exactrelu.tasks.sensitivity import sensitivity

    problem = _problem(args)
    direction = _direction_option(args.wrt, args.direction)
    start = time.perf_counter()
    result = sensitivity(optimal_set(problem, problem.solve(_tol(args))), args.wrt, direction)
    out = sys.stderr if args.json == "-" else sys.stdout
    print(
        f"status {result.status}{_rounded(args)}: derivative along {args.wrt} of the optimum "
        f"({_count(len(result.alpha), 'neuron')}; LICQ and SCS hold, "
        f"{result.conditions.status}); "
        f"dα ≈ {[float(a) for a in result.alpha]}, max |dr| ≈ "
        f"{max((abs(float(v)) for v in result.residual), default=0.0):.6g}; "
        f"{time.perf_counter() - start:.2f} s",
        file=out,
    )
    if args.json:
        _write_json(result.to_json(), args.json)
    return 0


def _geometric_grid(low: Fraction, high: Fraction, points: int) -> list[Fraction]:
    """``points`` values from low to high, geometrically spaced, rounded to 4 significant
    digits (simple exact rationals)."""
    if points < 2 or not 0 < low < high:
        raise ExactReluInputError("need 0 < --lam-min < --lam-max and --points >= 2")
    ratio = (float(high) / float(low)) ** (1 / (points - 1))
    inner = [Fraction(f"{float(low) * ratio**i:.4g}") for i in range(1, points - 1)]
    return sorted({low, *inner, high})


def _run_path(args: argparse.Namespace) -> int:
    from exactrelu.tasks.path import path
    from exactrelu.tasks.path_plot import plot_path

    dataset = read_data(args.data, args.target, args.round_digits)
    grid = _geometric_grid(
        parse_rational(args.lam_min, "--lam-min"),
        parse_rational(args.lam_max, "--lam-max"),
        args.points,
    )
    problem = Problem(
        dataset,
        lam=grid[0],
        bias=args.bias,
        output_bias=args.output_bias,
        scale=args.scale,
        target=args.target,
    )
    rel_width = parse_rational(args.rel_width, "--rel-width")
    progress = _progress(args)
    start = time.perf_counter()
    result = path(
        problem,
        grid,
        rel_width=rel_width,
        max_solves=args.max_solves,
        interval_tests=args.interval_tests,
        progress=progress,
    )
    _close(progress)
    out = sys.stderr if args.json == "-" else sys.stdout
    document = result.to_json()
    print(
        f"{_count(len(grid), 'grid point')}, "
        f"{_count(len(document['breakpoints']), 'breakpoint')} bracketed, "
        f"{_count(document['samples_used'], 'sample')} "
        f"({_count(document['solves_used'], 'solve')}, "
        f"{_count(document['continuations_used'], 'continuation')}){_rounded(args)}; λ_max ≈ "
        f"{document['lam_max']['float']:.10g}; {time.perf_counter() - start:.2f} s",
        file=out,
    )
    for point in document["points"]:
        conditions = point["conditions"] or {}
        print(
            f"  λ = {float(Fraction(point['lam'])):.6g}: {point['status']}, |E| = {point['E']}, "
            f"|S| = {point['S']}, unique network {point['unique_network']}, LICQ "
            f"{conditions.get('licq')}, SCS {conditions.get('scs')}",
            file=out,
        )
    for b in document["breakpoints"]:
        print(
            f"  breakpoint in [{b['lam_lo_float']:.8g}, {b['lam_hi_float']:.8g}]: {b['verdict']}"
            f" (min-norm change {b['min_norm_change']:.3g})",
            file=out,
        )
    for i in document["intervals"]:
        print(
            f"  interval [{float(Fraction(i['lam_lo'])):.8g}, {float(Fraction(i['lam_hi'])):.8g}]"
            f": {i['verdict']} ({100 * i['proved_fraction']:.0f}% proved)",
            file=out,
        )
    if args.plot:
        plot_path(result, args.plot)
    if args.certificates:
        folder = Path(args.certificates)
        folder.mkdir(parents=True, exist_ok=True)
        for i, point in enumerate(result.points):
            _write_json(point.certificate(), str(folder / f"point-{i:03d}.json"))
        proofs = [proof.certificate for proof in result.interval_proofs if proof.certificate]
        for i, certificate in enumerate(proofs):
            _write_json(certificate, str(folder / f"interval-{i:03d}.json"))
        print(
            f"  {_count(len(result.points), 'point certificate')} and "
            f"{_count(len(proofs), 'interval certificate')} in {folder}/"
            " (exactrelu check)",
            file=out,
        )
    if args.json:
        _write_json(document, args.json)
    return 0


def _run_patterns(args: argparse.Namespace) -> int:
    dataset = read_data(args.data, args.target, args.round_digits)
    start = time.perf_counter()
    progress = _progress(args)
    cells = enumerate_patterns(dataset, bias=args.bias, max_cells=args.max_cells, progress=progress)
    _close(progress)
    elapsed = time.perf_counter() - start
    cert = cells.certificate
    position = "general position" if cells.general_position else "degenerate"
    print(
        f"{_count(cells.count, 'cell')} of {_count(cells.n, 'row')} in dimension "
        f"{cells.d + cells.bias} ({_count(cert['hyperplanes'], 'distinct hyperplane')}, "
        f"rank {cert['rank']}, {position}; {elapsed:.2f} s); status exact" + _rounded(args),
        file=sys.stderr if args.json == "-" else sys.stdout,
    )
    if args.json:
        _write_json(cells.to_json(dataset, args.target), args.json)
    return 0


def _write_json(document: dict, destination: str) -> None:
    """Serialise first (a number too long for text is refused before anything is written)."""
    try:
        text = json.dumps(document)
    except ValueError as exc:  # an int beyond Python's int-to-text limit
        raise ExactReluInputError(f"cannot write the result: {exc}") from None
    if destination == "-":
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        return
    try:
        Path(destination).write_text(text)
    except OSError as exc:
        raise ExactReluInputError(f"cannot write {destination}: {exc.strerror}") from None


def _close(progress) -> None:
    if progress is not None:
        progress.close()


def _relative_gap(gap: Fraction, zero_objective: Fraction) -> str:
    """The certified gap relative to ½‖y‖², and the smallest --tol at which the network would
    pass (the relative gap rounded up to 3 significant digits)."""
    if zero_objective == 0:
        return "relative gap: ½‖y‖² = 0, no relative tolerance applies"
    relative = gap / zero_objective
    if relative <= 0:
        return "relative gap 0 (gap / ½‖y‖²): optimal at any --tol"
    return (
        f"relative gap {float(relative):.3g} (gap / ½‖y‖²); it would pass as optimal with "
        f"--tol {_round_up(relative)} or more (rounded up)"
    )


def _round_up(value: Fraction) -> str:
    """``value`` > 0 rounded up to 3 significant digits, as a decimal text read back exactly."""
    exponent = int((value.numerator.bit_length() - value.denominator.bit_length()) * 0.30103)
    while Fraction(10) ** exponent > value:
        exponent -= 1
    while Fraction(10) ** (exponent + 1) <= value:
        exponent += 1
    scale = Fraction(10) ** (exponent - 2)
    rounded = -((-value) // scale) * scale  # the ceiling at 3 significant digits
    text = f"{float(rounded):.3g}" if abs(exponent) < 300 else ""
    if not text or Fraction(text) != rounded:
        text = f"{rounded // scale}e{exponent - 2}"
    return text


def _run_check(args: argparse.Namespace) -> int:
    """The checker's own entry (``python -m exactrelu.checker``): one implementation."""
    from exactrelu.checker.cli import run

    return run(args.certificate, args.data, prog="exactrelu")


def _run_demo(args: argparse.Namespace) -> int:
    from exactrelu.demo import run_demo

    return run_demo()


def _run_selftest(args: argparse.Namespace) -> int:
    from exactrelu.testing.properties import PROPERTIES
    from exactrelu.testing.selftest import main

    if args.examples < 1:
        raise ExactReluInputError(f"--examples must be >= 1, got {args.examples}")
    for name in args.property:
        if name not in PROPERTIES:
            raise ExactReluInputError(
                f"unknown --property {name!r}; one of: {', '.join(PROPERTIES)}"
            )
    return main(args.examples, args.seed, args.property)


if __name__ == "__main__":
    sys.exit(main())
