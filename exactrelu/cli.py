"""The ``exactrelu`` command line (docs/formats.md).

Exit status: 0 success, 1 a certificate that does not check, 2 bad input (one line, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path

from exactrelu.arrangement.patterns import DEFAULT_MAX_CELLS, enumerate_patterns
from exactrelu.data.io import read_data
from exactrelu.errors import ExactReluInputError
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
        return args.run(args)
    except ExactReluInputError as exc:
        print(f"exactrelu: error: {exc}", file=sys.stderr)
        return 2
    except ArithmeticError as exc:  # an exact decision that this version cannot make
        print(f"exactrelu: cannot decide exactly: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exactrelu", description="Exact verification of two-layer ReLU networks."
    )
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
    path.add_argument("--json", metavar="OUT", help="write the path (JSON); '-' for stdout")
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
        help="round inputs to K decimals first (results are exact for the rounded data)",
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
        "--patterns", default="all", help="all (default, certified complete) or sample:N:SEED"
    )
    parser.add_argument("--tol", default="1e-9", help="relative to ½‖y‖² (default 1e-9)")
    parser.add_argument(
        "--max-cells",
        type=int,
        default=DEFAULT_MAX_CELLS,
        help=f"refuse data predicted to have more cells (default {DEFAULT_MAX_CELLS})",
    )
    parser.add_argument(
        "--json", metavar="OUT", help="write the certificate (JSON); '-' for stdout"
    )


def _problem(args: argparse.Namespace) -> Problem:
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
    )


def _pattern_option(text: str) -> object:
    if text == "all":
        return "all"
    parts = text.split(":")
    if len(parts) == 3 and parts[0] == "sample" and parts[1].isdigit() and parts[2].isdigit():
        return ("sample", int(parts[1]), int(parts[2]))
    raise ExactReluInputError(f"--patterns must be 'all' or 'sample:N:SEED', got {text!r}")


def _tol(args: argparse.Namespace) -> Fraction:
    tol = parse_rational(args.tol, "--tol")
    if tol <= 0:
        raise ExactReluInputError(f"--tol must be > 0, got {args.tol}")
    return tol


def _scope(problem: Problem) -> str:
    if problem.blocks.complete:
        return "over all activation patterns (certified complete)"
    return f"for the sub-sampled program over {len(problem.blocks.patterns)} patterns only"


def _run_solve(args: argparse.Namespace) -> int:
    problem = _problem(args)
    start = time.perf_counter()
    solution = problem.solve(_tol(args))
    out = sys.stderr if args.json == "-" else sys.stdout
    print(
        f"optimum in [{float(solution.objective_lower):.12g}, "
        f"{float(solution.objective_upper):.12g}] ({problem.scale} scale), exact gap "
        f"{float(solution.gap):.3g} = {float(solution.relative_gap):.3g}·½‖y‖², "
        f"{solution.network.width} neurons, {_scope(problem)}; "
        f"{time.perf_counter() - start:.2f} s",
        file=out,
    )
    if solution.optimum is not None:
        print(f"exact optimum {rational_str(solution.optimum)} (zero gap in α-form)", file=out)
    if args.json:
        _write_json(solution.to_json(), args.json)
    return 0


def _run_certify(args: argparse.Namespace) -> int:
    problem = _problem(args)
    network = _read_network_for(problem, args.network)
    start = time.perf_counter()
    result = certify(problem, network, parse_rational(args.tol, "--tol"))
    out = sys.stderr if args.json == "-" else sys.stdout
    print(
        f"verdict: {result.verdict} ({_scope(problem)}); objective "
        f"{float(result.objective):.12g}, certified lower bound "
        f"{float(result.lower_bound):.12g}, gap {float(result.gap):.3g} "
        f"(threshold {float(result.threshold):.3g}); {time.perf_counter() - start:.2f} s",
        file=out,
    )
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
        f"pruned from {result.width_before} to {result.width_after} neurons (rank of the fits "
        f"{result.rank}), fit unchanged exactly; objective {float(result.objective):.12g} "
        f"(change {float(result.objective_change):.3g}, exact)",
        file=out,
    )
    if args.json:
        _write_json(result.to_json(), args.json)
    return 0


def _run_stationary(args: argparse.Namespace) -> int:
    from exactrelu.model.alpha_form import alpha_form_from_json
    from exactrelu.tasks.stationary import stationary

    problem = _problem(args)
    if args.alpha_form:
        try:
            form = json.loads(Path(args.network).read_text())["alpha_form"]
            neurons = alpha_form_from_json(form["neurons"], problem.lam_sum)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ExactReluInputError(f"{args.network}: no alpha_form ({exc})") from None
        result = stationary(problem, neurons, output_bias=form.get("output_bias"))
    else:
        result = stationary(problem, _read_network_for(problem, args.network))
    out = sys.stderr if args.json == "-" else sys.stdout
    print(
        f"stationary: {result.stationary}; optimal for its {len(result.subprogram_patterns)} own "
        f"cells: {result.subprogram_optimal}; globally optimal: {result.globally_optimal}; "
        f"{len(result.violated)} violated dual constraints; status {result.status}",
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

    problem = _problem(args)
    start = time.perf_counter()
    result = optimal_set(problem, problem.solve(_tol(args)))
    out = sys.stderr if args.json == "-" else sys.stdout
    sizes = sorted({len(v) for v in result.vertices})
    if result.solution.optimum is not None:
        optimum = rational_str(result.solution.optimum)
    elif result.status == "verified":
        optimum = f"{float(result.structure.optimum):.12g} (certified enclosure)"
    else:
        reasons = "; ".join(result.verification.failures[:3])
        print(f"status undecided: {reasons}", file=out)
        optimum = "not decided"
    print(
        f"status {result.status}: optimum {optimum}; "
        f"{len(result.neurons)} neurons in E ({sum(len(n.cells) for n in result.neurons)} "
        f"blocks); {len(result.vertices)} minimal networks (sizes {sizes}), "
        f"{result.count_minimal_convex} at the block level; unique network: "
        f"{result.unique_network}; fewest neurons m* = {result.min_width}; "
        f"{time.perf_counter() - start:.2f} s",
        file=out,
    )
    if args.json:
        _write_json(result.to_json(), args.json)
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
        f"status {result.status}: derivative along {args.wrt} of the optimum "
        f"({len(result.alpha)} neurons; LICQ and SCS hold, {result.conditions.status}); "
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
    start = time.perf_counter()
    result = path(
        problem,
        grid,
        rel_width=parse_rational(args.rel_width, "--rel-width"),
        max_solves=args.max_solves,
        interval_tests=args.interval_tests,
    )
    out = sys.stderr if args.json == "-" else sys.stdout
    document = result.to_json()
    print(
        f"{len(grid)} grid points, {len(document['breakpoints'])} breakpoints bracketed, "
        f"{document['samples_used']} samples ({document['solves_used']} solves, "
        f"{document['continuations_used']} continuations); λ_max ≈ "
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
            f"  {len(result.points)} point and {len(proofs)} interval certificates in {folder}/"
            " (exactrelu check)",
            file=out,
        )
    if args.json:
        _write_json(document, args.json)
    return 0


def _run_patterns(args: argparse.Namespace) -> int:
    dataset = read_data(args.data, args.target, args.round_digits)
    start = time.perf_counter()
    cells = enumerate_patterns(dataset, bias=args.bias, max_cells=args.max_cells)
    elapsed = time.perf_counter() - start
    cert = cells.certificate
    position = "general position" if cells.general_position else "degenerate"
    print(
        f"{cells.count} cells of {cells.n} rows in dimension {cells.d + cells.bias} "
        f"({cert['hyperplanes']} distinct hyperplanes, rank {cert['rank']}, {position}; "
        f"{elapsed:.2f} s); status exact"
        + (" for the rounded data" if args.round_digits is not None else ""),
        file=sys.stderr if args.json == "-" else sys.stdout,
    )
    if args.json:
        _write_json(cells.to_json(dataset, args.target), args.json)
    return 0


def _write_json(document: dict, destination: str) -> None:
    if destination == "-":
        json.dump(document, sys.stdout)
        sys.stdout.write("\n")
        return
    with Path(destination).open("w") as handle:
        json.dump(document, handle)


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
