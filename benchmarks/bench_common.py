"""Helpers shared by the benchmark scripts (``patterns.py``, ``solve.py``, ``optimal_set.py``).

Not a benchmark itself.  The scripts run as ``python benchmarks/<script>.py``, so this folder is
``sys.path[0]`` and they import this module as ``bench_common``.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

Size = tuple[int, int]
Column = tuple[str, str, str]  # (header, key path "a" or "a.b", format spec; "" for str())

TEACHER_WIDTH = 5
NOISE = 0.1


# ---------------------------------------------------------------------------------------------
# Random data and λ (solve.py and optimal_set.py: same seeding, same rounding)


class Instance:
    """Seeded data: X with 2-decimal Gaussian entries, y a noisy teacher ReLU network's output.

    ``X_exact``/``y_exact`` hold the exact decimals as Fractions (k/100), ``X``/``y`` their float
    values (the nearest doubles; used only by the baseline, the trainer and λ_max).
    """

    def __init__(self, n: int, d: int, seed: int) -> None:
        rng = np.random.default_rng([seed, n, d])
        X_cents = np.rint(100 * rng.standard_normal((n, d))).astype(np.int64)
        W1 = rng.standard_normal((TEACHER_WIDTH, d))
        w2 = rng.standard_normal(TEACHER_WIDTH)
        X = X_cents / 100
        clean = np.maximum(X @ W1.T, 0.0) @ w2
        y_cents = np.rint(100 * (clean + NOISE * rng.standard_normal(n))).astype(np.int64)
        self.n, self.d = n, d
        self.X_exact = [[Fraction(int(v), 100) for v in row] for row in X_cents]
        self.y_exact = [Fraction(int(v), 100) for v in y_cents]
        self.X, self.y = X, y_cents / 100

    def lam_max(self) -> float:
        """λ_max = max over blocks of ‖Π_{K_b}(Z_bᵀ y)‖ (float): the zero network is optimal for
        λ >= λ_max, and the first neurons enter below it (docs/theory.md §4)."""
        from exactrelu.program.problem import Problem
        from exactrelu.program.solver import ColumnGeneration

        problem = Problem(self.X_exact, self.y_exact, 1)
        engine = ColumnGeneration(problem.rows_float, self.y, 1.0, problem.blocks, False)
        return float(engine.block_values(self.y).max())


def lam_of(fraction: Fraction, lam_max: float) -> Fraction:
    """λ = fraction · λ_max rounded to 4 decimals, as an exact decimal."""
    return Fraction(round(float(fraction) * lam_max * 10**4), 10**4)


# ---------------------------------------------------------------------------------------------
# Timing


def timed(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Call ``func`` and return (result, seconds by time.perf_counter)."""
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start


def blas_limit(threads: int) -> contextlib.AbstractContextManager[Any]:
    """Limit BLAS threads (threadpoolctl) for stable timings on a shared machine; 0 = no limit.

    With several BLAS threads on a busy 2-core machine a small ``X @ W.T`` intermittently takes
    hundreds of times longer (a thread is descheduled), which makes timings such as the float
    floor of ``patterns.py`` meaningless.
    """
    if threads <= 0:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print(
            "threadpoolctl missing: set OPENBLAS_NUM_THREADS=1 for stable timings", file=sys.stderr
        )
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


# ---------------------------------------------------------------------------------------------
# Tables


def format_cell(row: dict[str, Any], path: str, spec: str) -> str:
    """Format one table cell from a (possibly nested) row; missing values print as '-',
    Fractions through float."""
    value: Any = row
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, Fraction) and spec:
        value = float(value)
    return format(value, spec)


def print_table(title: str, columns: list[Column], rows: list[dict[str, Any]]) -> None:
    """Print a right-aligned plain-text table."""
    cells = [[format_cell(row, path, spec) for _, path, spec in columns] for row in rows]
    headers = [header for header, _, _ in columns]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(v.rjust(w) for v, w in zip(c, widths, strict=True)))


def machine_summary(meta: dict[str, Any]) -> str:
    """``N CPUs, BLAS threads T, load average L, platform`` from ``run_meta``, for a header."""
    return (
        f"{meta['cpus']} CPUs, BLAS threads {meta['blas_threads'] or 'default'}, "
        f"load average {meta['load_average_before'][0]:.2f}, {meta['platform']}"
    )


def run_and_report(
    meta: dict[str, Any],
    run: Callable[[], dict[str, list[dict[str, Any]]]],
    report: Callable[[dict[str, list[dict[str, Any]]]], None],
    json_out: str | None,
) -> int:
    """Run ``run()`` with BLAS threads limited to ``meta["blas_threads"]``, record the load
    average after it in ``meta``, print ``report(results)`` and the final load average, and
    write ``{"meta": meta, **results}`` as JSON to ``json_out`` when given.  Returns 0."""
    with blas_limit(meta["blas_threads"]):
        results = run()
    meta["load_average_after"] = os.getloadavg()
    report(results)
    print(f"\nload average at the end {meta['load_average_after'][0]:.2f}")
    if json_out:
        with open(json_out, "w") as handle:
            json.dump(jsonable({"meta": meta, **results}), handle, indent=2)
        print(f"wrote {json_out}")
    return 0


# ---------------------------------------------------------------------------------------------
# Metadata and JSON


def package_version(package: str) -> str | None:
    """Installed version of a distribution, or None."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def run_meta(
    packages: Sequence[str], settings: dict[str, Any], blas_threads: int
) -> dict[str, Any]:
    """Run metadata for the JSON output: date, Python, platform, CPUs, numpy, the versions of
    ``packages``, the script's ``settings``, BLAS threads and the load average now."""
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
        **{package: package_version(package) for package in packages},
        **settings,
        "blas_threads": blas_threads,
        "load_average_before": os.getloadavg(),
    }


def jsonable(value: Any) -> Any:
    """Fractions as exact strings ``p/q`` (docs/formats.md, "Numbers"), containers recursively."""
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# Command line


def parse_sizes(text: str) -> list[Size]:
    """Parse ``500x3,100x4`` into [(500, 3), (100, 4)] (an empty string gives [])."""
    sizes = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        n, _, d = item.lower().partition("x")
        sizes.append((int(n), int(d)))
    return sizes


def parse_fractions(text: str) -> list[Fraction]:
    """Parse ``0.05,0.01`` into exact fractions."""
    return [Fraction(part.strip()) for part in text.split(",") if part.strip()]
