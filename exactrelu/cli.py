"""The ``exactrelu`` command line (DESIGN.md, "Command line and JSON").

Exit status: 0 success, 1 a certificate that does not check, 2 bad input (one line, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from exactrelu.errors import ExactReluInputError
from exactrelu.io import read_data
from exactrelu.patterns import DEFAULT_MAX_CELLS, enumerate_patterns


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

    check = commands.add_parser("check", help="verify a certificate with the independent checker")
    check.add_argument("certificate", help="a JSON certificate written by exactrelu")
    check.add_argument("--data", required=True, help="the data file the certificate is about")
    check.set_defaults(run=_run_check)

    demo = commands.add_parser("demo", help="the main job on bundled data")
    demo.set_defaults(run=_run_demo)
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
    from exactrelu.checker import CheckFailure, check_file

    if not Path(args.certificate).is_file():
        raise ExactReluInputError(f"certificate file not found: {args.certificate}")
    try:
        summary = check_file(args.certificate, args.data)
    except CheckFailure as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 1
    print(summary)
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    from exactrelu.demo import run_demo

    return run_demo()


if __name__ == "__main__":
    sys.exit(main())
