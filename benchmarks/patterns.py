#!/usr/bin/env python
"""Benchmark exact activation-pattern enumeration (``exactrelu.enumerate_patterns``).

A script, not a test: it prints timings and ratios to baselines timed in the same run (the
machines are shared and noisy, so only same-run ratios mean anything).  See
``benchmarks/README.md`` for the columns and the baselines.

Data: integer matrices with entries uniform in [-10^5, 10^5], seeded per size, no bias.  For each
size the script checks general position exactly (all d×d minors nonzero, by its own modular test
and by the certificate's ``general_position`` field, which the checker re-verifies) and compares
the count with Cover's formula ``2 Σ_{k<d} C(n-1, k)``.

Usage::

    .venv/bin/python benchmarks/patterns.py            # full run (several minutes)
    .venv/bin/python benchmarks/patterns.py --quick    # small sizes, < 1 minute
    .venv/bin/python benchmarks/patterns.py --sizes 500x3 --lp-sizes 40x3 --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import os
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

import highspy
import numpy as np
from bench_common import (
    Column,
    Size,
    machine_summary,
    parse_sizes,
    print_table,
    run_and_report,
    run_meta,
    timed,
)

ENTRY_BOUND = 10**5
MAX_CELLS = 2_000_000
BIG_SIZES: list[Size] = [(500, 3), (100, 4), (40, 5)]
LP_SIZES: list[Size] = [(40, 3), (60, 3), (20, 4), (25, 4), (15, 5), (18, 5)]
QUICK_BIG_SIZES: list[Size] = [(60, 3), (25, 4), (14, 5)]
QUICK_LP_SIZES: list[Size] = [(12, 3), (9, 4), (8, 5)]
PRIME = 268_435_399  # largest prime below 2^28: residue products fit in int64 with room to sum
LP_TOL = 1e-9
FLOOR_REPEATS = 3
FLOOR_CHUNK_ENTRIES = 1 << 23  # n × witnesses per block of np.sign(X @ W.T) ...
FLOOR_CHUNK_MAX = 1 << 15  # ... and at most this many witnesses (cache-friendly on this box)
SAMPLE_CHUNK_ENTRIES = 4_000_000  # n × samples per block of Gaussian gates


# ---------------------------------------------------------------------------------------------
# Data and exact general position


def make_data(n: int, d: int, seed: int) -> np.ndarray:
    """Seeded int64 matrix (n, d), entries uniform in [-10^5, 10^5]; independent per size."""
    rng = np.random.default_rng([seed, n, d])
    return rng.integers(-ENTRY_BOUND, ENTRY_BOUND, size=(n, d), endpoint=True, dtype=np.int64)


def cover_count(n: int, d: int) -> int:
    """Cover's count of cells for n central hyperplanes in general position in R^d."""
    return 2 * sum(math.comb(n - 1, k) for k in range(d))


def _subset_chunks(n: int, size: int, chunk: int) -> Iterator[np.ndarray]:
    """All ``size``-subsets of range(n) in lexicographic order, as int arrays of ``chunk`` rows."""
    combos = itertools.combinations(range(n), size)
    while True:
        flat = np.fromiter(
            itertools.chain.from_iterable(itertools.islice(combos, chunk)), dtype=np.int64
        )
        if flat.size == 0:
            return
        yield flat.reshape(-1, size)


def _det_mod(mats: np.ndarray) -> np.ndarray:
    """Determinants mod PRIME of a stack of square residue matrices (m, k, k), by Leibniz."""
    m, k, _ = mats.shape
    total = np.zeros(m, dtype=np.int64)
    for perm in itertools.permutations(range(k)):
        term = np.ones(m, dtype=np.int64)
        for row, col in enumerate(perm):
            term = term * mats[:, row, col] % PRIME
        inversions = sum(perm[i] > perm[j] for i in range(k) for j in range(i + 1, k))
        total = (total - term if inversions % 2 else total + term) % PRIME
    return total


def _cofactors_mod(rows: np.ndarray) -> np.ndarray:
    """Signed (d-1)-minors mod PRIME of stacks (m, d-1, d): det([rows; x]) = cof · x (± sign)."""
    d = rows.shape[2]
    if d == 1:
        return np.ones((rows.shape[0], 1), dtype=np.int64)
    cols = [np.delete(rows, j, axis=2) for j in range(d)]
    return np.stack([(-1) ** j * _det_mod(c) % PRIME for j, c in enumerate(cols)], axis=1)


def _exact_minor_nonzero(X: np.ndarray, subset: Sequence[int]) -> bool:
    """Exact test (python-flint integers) that the minor on rows ``subset`` is nonzero."""
    import flint

    return flint.fmpz_mat([[int(v) for v in X[i]] for i in subset]).det() != 0


def general_position(X: np.ndarray, chunk: int = 8192) -> bool:
    """Exactly decide whether every min(n, d) rows of the integer matrix X are independent.

    Each d×d minor is ``cof(S) · x_k`` for a (d-1)-subset S and a later row k; it is computed mod
    a prime (nonzero mod p proves nonzero), and the rare minors that vanish mod p are recomputed
    exactly with python-flint.
    """
    import flint

    n, d = X.shape
    if d == 1:
        return bool(np.all(X != 0))
    if n <= d:
        return flint.fmpz_mat([[int(v) for v in row] for row in X]).rank() == n
    residues = X % PRIME
    for subsets in _subset_chunks(n, d - 1, chunk):
        cof = _cofactors_mod(residues[subsets])
        minors = cof @ residues.T % PRIME
        later = np.arange(n)[None, :] > subsets[:, -1:]
        for s, k in zip(*np.nonzero((minors == 0) & later), strict=True):
            if not _exact_minor_nonzero(X, [*subsets[s], k]):
                return False
    return True


# ---------------------------------------------------------------------------------------------
# Engine


def _cert_general_position(cert: dict[str, Any]) -> bool | None:
    """The certificate's ``general_position`` claim as a bool (None when absent)."""
    value = cert.get("certificate", {}).get("general_position")
    if isinstance(value, dict):
        value = value.get("holds", value.get("value", bool(value)))
    return None if value is None else bool(value)


def run_engine(X: np.ndarray, check: bool = True) -> dict[str, Any]:
    """Enumerate (with certificate), serialise and check; return times and the cells object."""
    import exactrelu
    from exactrelu.data.io import as_dataset

    cells, t_enum = timed(exactrelu.enumerate_patterns, X, bias=False, max_cells=MAX_CELLS)
    out: dict[str, Any] = {"cells": cells, "count": int(cells.count), "enum_s": t_enum}
    if not check:
        return out
    dataset = as_dataset(X)
    cert, out["to_json_s"] = timed(cells.to_json, dataset)
    out["cert_gp"] = _cert_general_position(cert)
    try:
        from exactrelu.checker import check_certificate
    except ImportError as exc:
        out["check_error"] = f"checker unavailable: {exc}"
        print(f"  {out['check_error']}", file=sys.stderr)
        return out
    X_exact = [[Fraction(v) for v in row] for row in dataset.X]
    verdict, out["check_s"] = timed(check_certificate, cert, X_exact, y=None)
    out["check_verdict"] = str(verdict)
    return out


# ---------------------------------------------------------------------------------------------
# Floor: np.sign(X @ W.T) for the witnesses


def witnesses_float(W: Any) -> np.ndarray:
    """Witnesses as float64 (object arrays of huge integers are shifted down, keeping signs)."""
    W = np.asarray(W)
    if W.dtype != object:
        return W.astype(np.float64)
    bits = max((abs(int(v)).bit_length() for v in W.flat), default=0)
    shift = max(0, bits - 1000)
    return np.array([[float(int(v) >> shift) for v in row] for row in W], dtype=np.float64)


def _floor_chunk(n: int) -> int:
    """Witnesses per block for the floor: about FLOOR_CHUNK_ENTRIES products, capped."""
    return max(1, min(FLOOR_CHUNK_MAX, FLOOR_CHUNK_ENTRIES // n))


def floor_time(X: np.ndarray, W: np.ndarray) -> float:
    """Best-of-FLOOR_REPEATS seconds to evaluate np.sign(X @ W.T) in float64, chunked.

    Output buffers are allocated once, outside the timing (``out=``): on this VM fresh
    megabyte-sized temporaries cost more in page faults than the arithmetic itself.
    """
    Xf = X.astype(np.float64)
    chunk = _floor_chunk(X.shape[0])
    blocks = [W[lo : lo + chunk].T for lo in range(0, W.shape[0], chunk)]
    n = X.shape[0]
    outs = {k: (np.empty((n, k)), np.empty((n, k))) for k in {b.shape[1] for b in blocks}}
    best = math.inf
    for repeat in range(FLOOR_REPEATS + 1):  # repeat 0 is an untimed warm-up
        start = time.perf_counter()
        for block in blocks:
            product, signs = outs[block.shape[1]]
            np.sign(np.matmul(Xf, block, out=product), out=signs)
        if repeat:
            best = min(best, time.perf_counter() - start)
    return best


def floor_signs_agree(X: np.ndarray, W: np.ndarray, patterns: np.ndarray) -> bool:
    """Untimed sanity check: float signs of the witnesses reproduce the patterns, no zeros."""
    Xf = X.astype(np.float64)
    chunk = _floor_chunk(X.shape[0])
    for lo in range(0, W.shape[0], chunk):
        values = W[lo : lo + chunk] @ Xf.T
        if np.any(values == 0) or not np.array_equal(values > 0, patterns[lo : lo + chunk]):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Gaussian gate sampling (as in the authors' code: g ~ N(0, I_d), pattern 1[X g >= 0], unique)


def _packed(patterns: np.ndarray) -> np.ndarray:
    """Bool rows (m, n) packed into one opaque void scalar per row, for unique/isin."""
    packed = np.ascontiguousarray(np.packbits(patterns, axis=1))
    return packed.view(f"V{packed.shape[1]}").ravel()


def sample_patterns(X: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """Distinct packed patterns 1[X g >= 0] of ``samples`` Gaussian gates, in chunks."""
    n, d = X.shape
    rng = np.random.default_rng([seed, n, d, 1])
    Xf = X.astype(np.float64)
    chunk = max(1, SAMPLE_CHUNK_ENTRIES // n)
    found = np.empty(0, dtype=f"V{(n + 7) // 8}")
    pending: list[np.ndarray] = []
    for lo in range(0, samples, chunk):
        gates = rng.standard_normal((min(chunk, samples - lo), d))
        pending.append(np.unique(_packed(gates @ Xf.T >= 0)))
        if sum(b.size for b in pending) > max(found.size, 500_000):
            found = np.unique(np.concatenate([found, *pending]))
            pending = []
    return np.unique(np.concatenate([found, *pending]))


def sampling_stats(X: np.ndarray, patterns: np.ndarray, factor: int, seed: int) -> dict[str, Any]:
    """Sample ``factor × count`` gates; fraction of the true cells found, and spurious patterns."""
    count = patterns.shape[0]
    found, seconds = timed(sample_patterns, X, factor * count, seed)
    hit = np.isin(found, _packed(patterns))
    return {
        "samples": factor * count,
        "distinct": int(found.size),
        "found": int(hit.sum()),
        "percent": 100.0 * float(hit.sum()) / count if count else float("nan"),
        "spurious": int((~hit).sum()),
        "sample_s": seconds,
    }


# ---------------------------------------------------------------------------------------------
# Baseline: one LP per candidate sign vector, incremental over the hyperplanes


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    """Silence file descriptor 1 (HiGHS prints a banner from C++ when the first Highs is made)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class CellLP:
    """One reusable Highs model: max t s.t. s_i x_i·u >= t (rows so far), -1 <= u <= 1, t <= 1.

    Row i is stored as ``x_i·u - s_i t`` with bounds [0, inf) for s_i = + and (-inf, 0] for
    s_i = -, so flipping a sign changes one coefficient and one pair of bounds in place.
    """

    def __init__(self, d: int) -> None:
        with _stdout_silenced():
            self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("presolve", "off")
        self.d = d
        self.highs.addVars(d, np.full(d, -1.0), np.full(d, 1.0))
        self.highs.addVar(-highspy.kHighsInf, 1.0)
        self.highs.changeColCost(d, 1.0)
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.signs: list[bool] = []

    def add_row(self, x: np.ndarray, positive: bool) -> None:
        """Append the hyperplane x with the given side."""
        lo, hi = self._bounds(positive)
        values = np.append(x.astype(np.float64), -1.0 if positive else 1.0)
        self.highs.addRow(lo, hi, self.d + 1, np.arange(self.d + 1, dtype=np.int32), values)
        self.signs.append(positive)

    def set_signs(self, signs: Sequence[bool]) -> None:
        """Flip, in place, the rows whose side differs from ``signs``."""
        for i, positive in enumerate(signs):
            if self.signs[i] != positive:
                self.highs.changeCoeff(i, self.d, -1.0 if positive else 1.0)
                self.highs.changeRowBounds(i, *self._bounds(positive))
                self.signs[i] = positive

    def is_cell(self) -> bool:
        """Solve; the sign vector is a cell iff t* > LP_TOL."""
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"LP status {self.highs.getModelStatus()}")
        return self.highs.getInfo().objective_function_value > LP_TOL

    @staticmethod
    def _bounds(positive: bool) -> tuple[float, float]:
        return (0.0, highspy.kHighsInf) if positive else (-highspy.kHighsInf, 0.0)


def lp_baseline(X: np.ndarray) -> tuple[np.ndarray, int]:
    """Cells by one LP per candidate: extend each cell by each side of the next hyperplane.

    Returns the patterns (bool, True iff x_k·u >= 0) and the number of LPs solved.
    """
    n, d = X.shape
    lp = CellLP(d)
    lp.add_row(X[0], True)
    cells: list[tuple[bool, ...]] = [(True,), (False,)]
    solved = 0
    for k in range(1, n):
        lp.add_row(X[k], True)
        extended = []
        for pattern in cells:
            for side in (True, False):
                candidate = (*pattern, side)
                lp.set_signs(candidate)
                solved += 1
                if lp.is_cell():
                    extended.append(candidate)
        cells = extended
    return np.array(cells, dtype=bool).reshape(-1, n), solved


def same_pattern_sets(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two bool pattern arrays hold the same set of rows."""
    pa, pb = np.unique(_packed(a)), np.unique(_packed(b))
    return pa.size == a.shape[0] and pa.size == pb.size and bool(np.all(pa == pb))


# ---------------------------------------------------------------------------------------------
# Benchmarks per size


def bench_engine(n: int, d: int, seed: int, factor: int) -> dict[str, Any]:
    """Big-size row: gp, Cover, engine + to_json + checker, floor, Gaussian sampling."""
    X = make_data(n, d, seed)
    row: dict[str, Any] = {"n": n, "d": d, "cover": cover_count(n, d)}
    row["gp"], row["gp_s"] = timed(general_position, X)
    try:
        res = run_engine(X)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
        traceback.print_exc()
        row["error"] = repr(exc)
        return row
    cells = res.pop("cells")
    row.update(res)
    row["count_ok"] = row["count"] == row["cover"]
    W = witnesses_float(cells.witnesses)
    patterns = np.asarray(cells.patterns, dtype=bool)
    row["floor_s"] = floor_time(X, W)
    row["floor_signs_ok"] = floor_signs_agree(X, W, patterns)
    row["enum_over_floor"] = row["enum_s"] / row["floor_s"]
    row["sampling"] = sampling_stats(X, patterns, factor, seed)
    return row


def bench_lp(n: int, d: int, seed: int) -> dict[str, Any]:
    """Small-size row: the LP baseline and the engine on the same data."""
    X = make_data(n, d, seed)
    row: dict[str, Any] = {"n": n, "d": d, "cover": cover_count(n, d)}
    row["gp"] = general_position(X)
    (lp_patterns, row["lp_solves"]), row["lp_s"] = timed(lp_baseline, X)
    row["lp_count"] = int(lp_patterns.shape[0])
    try:
        res = run_engine(X, check=False)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
        traceback.print_exc()
        row["error"] = repr(exc)
        return row
    row["count"], row["enum_s"] = res["count"], res["enum_s"]
    row["lp_count_ok"] = row["lp_count"] == row["count"] == row["cover"]
    engine_patterns = np.asarray(res["cells"].patterns, dtype=bool)
    row["lp_same_set"] = same_pattern_sets(lp_patterns, engine_patterns)
    row["lp_over_enum"] = row["lp_s"] / row["enum_s"]
    return row


# ---------------------------------------------------------------------------------------------
# Output

ENGINE_COLUMNS: list[Column] = [
    ("n", "n", ""),
    ("d", "d", ""),
    ("cover", "cover", ""),
    ("cells", "count", ""),
    ("=cover", "count_ok", ""),
    ("gp", "gp", ""),
    ("gp(cert)", "cert_gp", ""),
    ("enum_s", "enum_s", ".3f"),
    ("to_json_s", "to_json_s", ".3f"),
    ("check_s", "check_s", ".3f"),
    ("floor_s", "floor_s", ".3g"),
    ("enum/floor", "enum_over_floor", ".0f"),
]
SAMPLING_COLUMNS: list[Column] = [
    ("n", "n", ""),
    ("d", "d", ""),
    ("cells", "count", ""),
    ("samples", "sampling.samples", ""),
    ("distinct", "sampling.distinct", ""),
    ("found", "sampling.found", ""),
    ("found_%", "sampling.percent", ".2f"),
    ("spurious", "sampling.spurious", ""),
    ("sample_s", "sampling.sample_s", ".2f"),
]
LP_COLUMNS: list[Column] = [
    ("n", "n", ""),
    ("d", "d", ""),
    ("cover", "cover", ""),
    ("cells", "count", ""),
    ("lp_cells", "lp_count", ""),
    ("lp_ok", "lp_count_ok", ""),
    ("same_set", "lp_same_set", ""),
    ("lp_solves", "lp_solves", ""),
    ("lp_s", "lp_s", ".2f"),
    ("enum_s", "enum_s", ".3g"),
    ("lp/enum", "lp_over_enum", ".0f"),
]


def print_notes(rows: list[dict[str, Any]]) -> None:
    """Print the checker's verdicts and any errors below table A."""
    labels = {"check_verdict": "checker", "check_error": "checker", "error": "engine error"}
    for row in rows:
        for key, label in labels.items():
            if key in row:
                print(f"  n={row['n']} d={row['d']}: {label}: {row[key]}")


def print_report(results: dict[str, list[dict[str, Any]]]) -> None:
    """Print tables A (exact enumeration), B (Gaussian sampling), C (LP baseline)."""
    engine_rows, lp_rows = results["engine"], results["lp_baseline"]
    if engine_rows:
        print_table(
            "A. Exact enumeration (certificate included), checker, float floor",
            ENGINE_COLUMNS,
            engine_rows,
        )
        print_notes(engine_rows)
        sampled = [row for row in engine_rows if "sampling" in row]
        if sampled:
            print_table(
                "B. Gaussian gate sampling, samples = factor x cells", SAMPLING_COLUMNS, sampled
            )
    if lp_rows:
        print_table(
            "C. Baseline: one HiGHS LP per candidate sign vector, incremental", LP_COLUMNS, lp_rows
        )


def _meta(args: argparse.Namespace) -> dict[str, Any]:
    """Run metadata for the JSON output."""
    settings = {"seed": args.seed, "sample_factor": args.sample_factor, "entry_bound": ENTRY_BOUND}
    return run_meta(("highspy", "exactrelu"), settings, args.blas_threads)


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (< 1 minute)")
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=None,
        help="sizes for tables A and B, e.g. 500x3,100x4,40x5",
    )
    parser.add_argument(
        "--lp-sizes",
        type=parse_sizes,
        default=None,
        help="sizes for the LP baseline (table C), e.g. 40x3,20x4; '' skips it",
    )
    parser.add_argument("--seed", type=int, default=0, help="data and sampling seed (default 0)")
    parser.add_argument(
        "--sample-factor", type=int, default=10, help="Gaussian samples per true cell (default 10)"
    )
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads (default 1; 0 = library default)"
    )
    parser.add_argument("--json", metavar="OUT", default=None, help="also write numbers here")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = QUICK_BIG_SIZES if args.quick else BIG_SIZES
    if args.lp_sizes is None:
        args.lp_sizes = QUICK_LP_SIZES if args.quick else LP_SIZES
    return args


def run_all(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    """Run tables A/B (args.sizes, "engine") and C (args.lp_sizes, "lp_baseline"), with progress
    on stderr."""
    engine_rows = []
    for n, d in args.sizes:
        print(f"  running n={n} d={d} ...", file=sys.stderr, flush=True)
        engine_rows.append(bench_engine(n, d, args.seed, args.sample_factor))
    lp_rows = []
    for n, d in args.lp_sizes:
        print(f"  running LP baseline n={n} d={d} ...", file=sys.stderr, flush=True)
        lp_rows.append(bench_lp(n, d, args.seed))
    return {"engine": engine_rows, "lp_baseline": lp_rows}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the tables, optionally write JSON."""
    args = parse_args(argv)
    meta = _meta(args)
    print(
        f"exactrelu pattern benchmark: seed {args.seed}, entries uniform in "
        f"[-{ENTRY_BOUND}, {ENTRY_BOUND}], no bias, {machine_summary(meta)}"
    )
    return run_and_report(meta, lambda: run_all(args), print_report, args.json)


if __name__ == "__main__":
    sys.exit(main())
