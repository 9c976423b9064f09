"""The checker's own command line: ``python -m exactrelu.checker CERT.json --data DATA``.

A proof checker that is its own program, with its format spec beside it (as drat-trim's
``lrat-check`` or VIPR's ``viprchk``): it loads nothing of the engine that wrote the certificate.
``exactrelu check`` runs :func:`run`, so the two commands are one implementation: the same
summary line on stdout, the same exit status (:data:`VALID`, :data:`INVALID`, :data:`USAGE`) and
the same one-line reasons on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from exactrelu.checker import CheckFailure, check_file

PROG = "python -m exactrelu.checker"
VALID, INVALID, USAGE = 0, 1, 2

# kind -> (what a valid file proves, where its format and proof are written)
KINDS: dict[str, tuple[str, str]] = {
    "patterns": ("all activation patterns of the data, complete", "proofs/patterns.md"),
    "solve": ("exact bounds on the optimal objective, the gap", "proofs/duality.md"),
    "certify": ("a given network is optimal, or not, or undecided", "proofs/duality.md"),
    "optimal_set": (
        "the set of all optimal networks (exact, or verified by Krawczyk)",
        "proofs/optimal_set.md, proofs/minimality.md, proofs/verified.md",
    ),
    "stationary": (
        "a network is a stationary point; its cells, violations",
        "proofs/stationary.md",
    ),
    "verified_interval": ("one optimal structure for every λ of an interval", "proofs/verified.md"),
    "prune": ("a pruned network with the same fit, minimal", "proofs/prune.md"),
    "path": (
        "a regularization path: λ_max, every sample, breakpoint brackets, proved intervals",
        "proofs/path.md",
    ),
}

DESCRIPTION = """\
The independent checker of exactrelu certificates.  It re-verifies a certificate (JSON, written
by `exactrelu ... --json`) against the data file it is about, whose SHA-256 the certificate
carries (read as the certificate's "input" says: proofs/data.md).  Every number is exact:
Python ints, Fractions, numpy integer arrays with proven bounds, python-flint fmpq_mat, and
python-flint arb balls (rigorous enclosures) for verified claims only; no floats, no solver.
It imports nothing of the exactrelu engine, only itself, the standard library, numpy and
python-flint."""

EPILOG = (
    'certificate kinds (the file\'s "kind"), what a valid file proves, and its specification:\n'
    + "\n".join(f"  {kind:<18} {what}\n  {'':<18} {spec}" for kind, (what, spec) in KINDS.items())
    + """

Each proofs/*.md file states the format of its kind, the theorem a valid file proves, and the
numbered list "What the checker verifies" whose labels mark the checks in the code; every file
format, field by field, and this command: docs/formats.md (both in the exactrelu repository).

exit status:
  0  valid: the one-line summary on stdout
  1  invalid: "invalid: <reason>" on stderr (or an exact decision this version cannot make)
  2  usage error: a missing argument or file, one line on stderr"""
)


def run(certificate: str | Path, data: str | Path, prog: str = PROG) -> int:
    """Check the certificate file against the data file: print the summary (exit status 0) or
    why not (1); a missing file is a usage error (2), reported as ``<prog>: error: ...``."""
    for label, path in (("certificate", certificate), ("data", data)):
        if not Path(path).is_file():
            print(f"{prog}: error: {label} file not found: {path}", file=sys.stderr)
            return USAGE
    try:
        summary = check_file(certificate, data)
    except CheckFailure as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return INVALID
    except ArithmeticError as exc:  # an exact decision that this version cannot make
        print(f"{prog}: cannot decide exactly: {exc}", file=sys.stderr)
        return INVALID
    print(summary)
    return VALID


def parser(prog: str = PROG) -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(
        prog=prog,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    out.add_argument("certificate", help="a JSON certificate written by exactrelu")
    out.add_argument("--data", required=True, help="the data file the certificate is about")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m exactrelu.checker``: parse the arguments (usage errors exit 2), :func:`run`."""
    args = parser().parse_args(argv)
    return run(args.certificate, args.data)
