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

from exactrelu.arrangement.patterns import enumerate_patterns
from exactrelu.cli_output import (
    count_of,
    known,
    print_networks,
    print_undecided,
    relative_gap,
)
from exactrelu.cli_parser import build_parser, pattern_option
from exactrelu.data.io import read_data
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.progress import reporter
from exactrelu.exact.rationals import parse_rational, rational_str
from exactrelu.model.network_io import read_network
from exactrelu.program.problem import Problem
from exactrelu.tasks.certify import certify


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "command"):
        parser.print_help()
        return 2
    try:
        _check_outputs(args)
        return RUNS[args.command](args)
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


def _progress(args: argparse.Namespace):
    """The progress callback of a command: a bar on stderr when it is a terminal, else None."""
    return reporter()


def _problem(args: argparse.Namespace, progress=None) -> Problem:
    dataset = read_data(args.data, args.target, args.round_digits)
    return Problem(
        dataset,
        lam=parse_rational(args.lam, "--lam"),
        bias=args.bias,
        output_bias=args.output_bias,
        scale=args.scale,
        model=args.model,
        patterns=pattern_option(args.patterns),
        max_cells=args.max_cells,
        target=args.target,
        progress=progress,
    )


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
        f"for the sub-sampled program over {count_of(len(problem.blocks.patterns), 'pattern')}"
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
        f"{count_of(solution.network.width, 'neuron')}, {_scope(problem, args)}; "
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
    print(relative_gap(result.gap, problem.zero_objective), file=out)
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
        f"pruned from {result.width_before} to {count_of(result.width_after, 'neuron')} (rank of "
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
        f"{count_of(len(result.subprogram_patterns), 'own cell')}: {result.subprogram_optimal}; "
        f"globally optimal: {result.globally_optimal}; "
        f"{count_of(len(result.violated), 'violated dual constraint')}; status {result.status}"
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
        print_undecided(report, _rounded(args), out)
    else:
        if result.solution is not None and result.solution.optimum is not None:
            optimum = rational_str(result.solution.optimum)
        else:
            optimum = f"{float(result.structure.optimum):.12g} (certified enclosure)"
        count = report.get("count_minimal_networks")
        lower_bound = report.get("count_minimal_networks_is_lower_bound") or report.get(
            "count_is_lower_bound"
        )
        networks = report.get("minimal_networks") or []
        sizes = sorted({len(item["network"]["w2"]) for item in networks}) or (
            [len(result.neurons)] if count == 1 else []  # a unique verified network
        )
        mirrors = " and their mirrors" if report.get("mirror_ties") else ""
        print(
            f"status {result.status}{_rounded(args)}: optimum {optimum}; "
            f"{count_of(len(result.neurons), 'neuron')}{mirrors} in E "
            f"({count_of(sum(len(n.cells) for n in result.neurons), 'block')}); "
            f"{'at least ' if lower_bound else ''}{count_of(count, 'minimal network')} "
            f"(sizes {sizes}), {known(report.get('count_minimal_convex'))} at the block level; "
            "unique network: "
            f"{known(report.get('unique_network'))}; unique function: "
            f"{known(report.get('unique_function', result.unique_function))}; fewest neurons m* = "
            f"{known(report.get('min_width'))}; {time.perf_counter() - start:.2f} s",
            file=out,
        )
        print_networks(report.get("minimal_networks") or [], count, out)
    if args.json:
        _write_json(report, args.json)
    return 0


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
        f"({count_of(len(result.alpha), 'neuron')}; LICQ and SCS hold, "
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
        f"{count_of(len(grid), 'grid point')}, "
        f"{count_of(len(document['breakpoints']), 'breakpoint')} bracketed, "
        f"{count_of(document['samples_used'], 'sample')} "
        f"({count_of(document['solves_used'], 'solve')}, "
        f"{count_of(document['continuations_used'], 'continuation')}){_rounded(args)}; λ_max ≈ "
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
            f"  {count_of(len(result.points), 'point certificate')} and "
            f"{count_of(len(proofs), 'interval certificate')} in {folder}/"
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
        f"{count_of(cells.count, 'cell')} of {count_of(cells.n, 'row')} in dimension "
        f"{cells.d + cells.bias} ({count_of(cert['hyperplanes'], 'distinct hyperplane')}, "
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


RUNS = {
    "certify": _run_certify,
    "check": _run_check,
    "demo": _run_demo,
    "optimal_set": _run_optimal_set,
    "path": _run_path,
    "patterns": _run_patterns,
    "prune": _run_prune,
    "selftest": _run_selftest,
    "sensitivity": _run_sensitivity,
    "solve": _run_solve,
    "stationary": _run_stationary,
}
"""The function that runs each subcommand (``command`` set by :func:`build_parser`)."""
