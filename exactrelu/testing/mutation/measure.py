"""The mutation measure of the checker: run :func:`exactrelu.checker.check_file` on every
mutation (as ``exactrelu check`` does), count each kind's mutations by category and outcome, print
the table (``python -m exactrelu.testing.mutation``)."""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from exactrelu.checker import CheckFailure, check_file
from exactrelu.exact.rationals import rational_str
from exactrelu.testing.mutation.classify import CATEGORIES, classify
from exactrelu.testing.mutation.operators import Mutation, mutate
from exactrelu.testing.mutation.samples import KINDS, samples

DESCRIPTION = "Mutation testing of the independent checker: are false claims ever accepted?"


def run_checker(mutation: Mutation, directory: Path, data_file: Path) -> tuple[str, str]:
    """``("accepted" | "rejected" | "crashed", message)`` of ``check_file`` on the mutated
    file (and the mutated data, written next to it)."""
    cert = directory / "cert.json"
    cert.write_text(json.dumps(mutation.document))
    if mutation.path is None:
        data_file = directory / "mutated.csv"
        write_data(data_file, mutation.X, mutation.y)
    try:
        return "accepted", check_file(cert, data_file)
    except CheckFailure as failure:
        return "rejected", str(failure)
    except Exception as exc:  # noqa: BLE001 - a crash is what this measures
        return "crashed", f"{type(exc).__name__}: {exc}"


def write_data(path: Path, X, y) -> None:
    """The data as CSV, numbers as exact ``p/q`` text (no header; the target last)."""
    lines = [",".join(rational_str(v) for v in (*x, t)) for x, t in zip(X, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")


@dataclass
class Row:
    """The counts of one kind (see the module docstring)."""

    label: str
    tried: int = 0
    counts: dict = field(default_factory=lambda: {c: 0 for c in CATEGORIES})
    accepted: dict = field(default_factory=lambda: {c: 0 for c in CATEGORIES})
    crashes: int = 0
    originals_accepted: int = 0
    samples: int = 0
    seconds: float = 0.0
    failures: list = field(default_factory=list)  # (description, message): must stay empty

    def add(self, category: str, outcome: str, mutation: Mutation, message: str) -> None:
        self.tried += 1
        self.counts[category] += 1
        if outcome == "accepted":
            self.accepted[category] += 1
        if outcome == "crashed":
            self.crashes += 1
        if outcome == "crashed" or (outcome == "accepted" and category == "falsifying"):
            self.failures.append((mutation.description, message))


def measure(mutations: int, seed: int = 0, kinds=KINDS) -> list[Row]:
    """Run ``mutations`` mutations per kind (seeded); returns one row per kind."""
    rows = []
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        for label in kinds:
            start = time.perf_counter()
            row = Row(label)
            built = samples(label)
            row.samples = len(built)
            rng = random.Random(f"{seed}:{label}")
            files = []
            for i, sample in enumerate(built):
                data_file = directory / f"data{i}.csv"
                write_data(data_file, sample.X, sample.y)
                files.append(data_file)
                original = Mutation("original", sample.document, sample.X, sample.y, ())
                outcome, _ = run_checker(original, directory, data_file)
                row.originals_accepted += outcome == "accepted"
            while row.tried < mutations:
                i = rng.randrange(len(built))
                sample = built[i]
                mutation = mutate(sample, rng, claims_only=rng.random() < 0.5)
                if mutation is None:
                    continue
                category = classify(sample, mutation, files[i])
                outcome, message = run_checker(mutation, directory, files[i])
                row.add(category, outcome, mutation, message)
            row.seconds = time.perf_counter() - start
            rows.append(row)
    return rows


def table(rows: list[Row]) -> str:
    """The table printed by :func:`main`."""
    head = (
        f"{'kind':22} {'tried':>6} {'falsify':>8} {'rejected':>8} {'true':>6} {'accepted':>8} "
        f"{'internal':>8} {'accepted':>8} {'unclass':>7} {'crash':>5} {'orig ok':>7} {'s':>6}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        c, a = row.counts, row.accepted
        lines.append(
            f"{row.label:22} {row.tried:6} {c['falsifying']:8} "
            f"{c['falsifying'] - a['falsifying']:8} {c['true']:6} {a['true']:8} "
            f"{c['internal']:8} {a['internal']:8} {c['unclassified']:7} {row.crashes:5} "
            f"{row.originals_accepted}/{row.samples:<5} {row.seconds:6.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The command line: run the measure and print the table; 1 if a falsifying mutation was
    accepted or the checker crashed."""
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--mutations", type=int, default=1000, help="per kind (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", nargs="*", default=list(KINDS), choices=KINDS)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = measure(args.mutations, args.seed, args.kinds)
    print(table(rows))
    print(f"total {time.perf_counter() - start:.1f} s")
    bad = [(row.label, *failure) for row in rows for failure in row.failures]
    for label, description, message in bad:
        print(f"FAILURE {label}: {description}: {message}")
    return 1 if bad else 0
