"""``exactrelu demo`` / ``make demo``: the main job on bundled data."""

from __future__ import annotations

import json
import tempfile
import time
from importlib import resources
from pathlib import Path

from exactrelu.io import read_data
from exactrelu.patterns import enumerate_patterns


def bundled_data(name: str = "iris_petals.csv") -> Path:
    """Path of a data file shipped with the package (``exactrelu/data``)."""
    return Path(str(resources.files("exactrelu") / "data" / name))


def run_demo() -> int:
    """Enumerate and certify the activation patterns of the bundled Iris data, then check them."""
    from exactrelu.checker import check_file

    path = bundled_data()
    dataset = read_data(path)
    print(f"data: {path.name}, n = {dataset.n} flowers, d = {dataset.d} features (read exactly)")
    start = time.perf_counter()
    cells = enumerate_patterns(dataset, bias=True)
    cert = cells.certificate
    print(
        f"activation patterns with a hidden bias: {cells.count} cells "
        f"({cert['hyperplanes']} distinct hyperplanes from {dataset.n} rows, "
        f"{'general position' if cells.general_position else 'degenerate data'}), "
        f"{time.perf_counter() - start:.2f} s"
    )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "patterns.json"
        out.write_text(json.dumps(cells.to_json(dataset)))
        start = time.perf_counter()
        print(f"independent checker: {check_file(out, path)} ({time.perf_counter() - start:.2f} s)")
    return 0
