"""User data in, exact data out: the one boundary where input is validated (docs/formats.md,
"Data").

Everything behind this module trusts its inputs.  A :class:`Dataset` holds the data as exact
rationals; :func:`data_sha256` hashes its canonical text so that a certificate can name the data
it is about (the checker recomputes the same hash with its own parser).
"""

from __future__ import annotations

import csv
import hashlib
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import (
    looks_like_number,
    parse_rational,
    rational_str,
    to_fraction,
)

Matrix = tuple[tuple[Fraction, ...], ...]

_NON_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)
_INDEX = re.compile(r"-?[0-9]+")

MAX_ROUND = 100
"""The most decimals ``--round K`` (``round_digits``) may keep."""


@dataclass(frozen=True)
class Dataset:
    """Exact data: ``X`` (n rows of d rationals) and an optional target ``y`` (n rationals)."""

    X: Matrix
    y: tuple[Fraction, ...] | None
    round_digits: int | None = None

    @property
    def n(self) -> int:
        return len(self.X)

    @property
    def d(self) -> int:
        return len(self.X[0])

    def sha256(self) -> str:
        return data_sha256(self.X, self.y)


def data_sha256(X: Matrix, y: Sequence[Fraction] | None) -> str:
    """SHA-256 of the canonical text of the data (format in ``proofs/data.md``).

    Line 1 ``exactrelu-data-v1``; line 2 ``n d t`` (t = 1 with a target, else 0); then one line per
    row: the entries of ``x_k`` as ``p/q`` or ``p`` separated by single spaces, followed by
    `` | y_k`` when there is a target.
    """
    lines = ["exactrelu-data-v1", f"{len(X)} {len(X[0]) if X else 0} {0 if y is None else 1}"]
    for k, row in enumerate(X):
        text = " ".join(rational_str(v) for v in row)
        if y is not None:
            text += " | " + rational_str(y[k])
        lines.append(text)
    return hashlib.sha256(("\n".join(lines) + "\n").encode()).hexdigest()


def as_dataset(X: object, y: object = None, round_digits: int | None = None) -> Dataset:
    """Validate array-like ``X`` (n×d) and ``y`` (n) and convert them to exact rationals.

    Accepts nested lists, numpy arrays (floats converted exactly), Fractions and strings.
    """
    rows = _as_rows(X)
    target = None if y is None else _as_vector(y, "y")
    if target is not None and len(target) != len(rows):
        raise ExactReluInputError(f"y has {len(target)} entries but X has {len(rows)} rows")
    if round_digits is not None:
        if isinstance(round_digits, bool) or not isinstance(round_digits, int):
            raise ExactReluInputError(f"--round must be an integer, got {round_digits!r}")
        if not 0 <= round_digits <= MAX_ROUND:
            raise ExactReluInputError(
                f"--round must be between 0 and {MAX_ROUND}, got {round_digits}"
            )
        rows = [[round(v, round_digits) for v in row] for row in rows]
        target = None if target is None else [round(v, round_digits) for v in target]
    return Dataset(
        X=tuple(tuple(row) for row in rows),
        y=None if target is None else tuple(target),
        round_digits=round_digits,
    )


def _as_rows(X: object) -> list[list[Fraction]]:
    if isinstance(X, np.ndarray):
        if X.ndim != 2:
            raise ExactReluInputError(f"X must be a 2-D array, got shape {X.shape}")
        rows = X.tolist()
    else:
        rows = [list(row) for row in X]  # type: ignore[union-attr]
    if not rows:
        raise ExactReluInputError("the data is empty: X has no rows")
    width = len(rows[0])
    if width == 0:
        raise ExactReluInputError("X has no columns")
    for k, row in enumerate(rows):
        if len(row) != width:
            raise ExactReluInputError(f"X row {k} has {len(row)} entries, row 0 has {width}")
    return [[_exact(v, f"X[{k}][{j}]") for j, v in enumerate(row)] for k, row in enumerate(rows)]


def _as_vector(y: object, what: str) -> list[Fraction]:
    values = np.asarray(y).tolist() if isinstance(y, np.ndarray) else list(y)  # type: ignore[call-overload]
    if isinstance(y, np.ndarray) and y.ndim != 1:
        raise ExactReluInputError(f"{what} must be 1-D, got shape {y.shape}")
    return [_exact(v, f"{what}[{k}]") for k, v in enumerate(values)]


def _exact(value: object, what: str) -> Fraction:
    """``to_fraction``, with numpy's extended floats (longdouble) converted exactly too.

    ``tolist()`` keeps a longdouble as a numpy scalar; ``float()`` would round it to 53 bits.
    """
    if isinstance(value, np.floating) and not isinstance(value, float):
        if not np.isfinite(value):
            raise ExactReluInputError(f"{what} must be finite, got {value!r}")
        return Fraction(*value.as_integer_ratio())
    return to_fraction(value, what)


def read_data(
    path: str | Path, target: str | None = None, round_digits: int | None = None
) -> Dataset:
    """Read a CSV or ``.npz`` file exactly.

    CSV (UTF-8, with or without a byte-order mark): optional header (a first row with a cell that
    is not a number at all; ``nan`` or ``inf`` are numbers, refused as non-finite), numbers as
    decimals or ``p/q``;
    the target is the last column unless ``target`` names a column (header name or 0-based
    index), and ``target="none"`` reads every column into X.  ``.npz``: arrays ``X`` and
    optionally ``y``, loaded with ``allow_pickle=False``.
    """
    path = Path(path)
    if not path.is_file():
        raise ExactReluInputError(f"data file not found: {path}")
    if path.suffix == ".npz":
        X, y = _read_npz(path)
    else:
        X, y = _read_csv(path, target)
    return as_dataset(X, y, round_digits)


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    if not zipfile.is_zipfile(path):
        raise ExactReluInputError(f"{path}: not a valid .npz archive (a zip of .npy arrays)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            X = archive["X"] if "X" in archive.files else None
            y = archive["y"] if "y" in archive.files else None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ExactReluInputError(f"{path}: cannot read .npz ({exc})") from None
    if X is None:
        raise ExactReluInputError(f"{path}: the .npz file has no array 'X'")
    for name, array in (("X", X), ("y", y)):
        if array is not None and not isinstance(array, np.ndarray):
            raise ExactReluInputError(f"{path}: member {name} of the archive is not a .npy array")
        if array is not None and array.dtype.kind not in "iuf":
            raise ExactReluInputError(f"{path}: array {name} must be numeric, got {array.dtype}")
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    return X, y


def _read_csv(path: Path, target: str | None) -> tuple[list[list[Fraction]], list[Fraction] | None]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            records = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExactReluInputError(f"{path}: cannot read CSV ({exc})") from None
    if not records:
        raise ExactReluInputError(f"{path}: the file has no data rows")
    header = [cell.strip() for cell in records[0]] if _is_header(records[0]) else None
    body = records[1:] if header is not None else records
    if not body:
        raise ExactReluInputError(f"{path}: the file has a header but no data rows")
    width = len(header) if header is not None else len(body[0])
    first_line = 2 if header is not None else 1
    values = []
    for offset, row in enumerate(body):
        line = first_line + offset
        if len(row) != width:
            raise ExactReluInputError(
                f"{path}: line {line} has {len(row)} fields, expected {width}"
            )
        values.append([_parse_cell(cell, path, line) for cell in row])
    column = _target_column(target, header, width, path)
    if column is None:
        return values, None
    if width < 2:
        raise ExactReluInputError(f"{path}: need at least one feature column besides the target")
    X = [row[:column] + row[column + 1 :] for row in values]
    return X, [row[column] for row in values]


def _is_header(row: list[str]) -> bool:
    """A row is a header iff some cell is not a number at all (``nan``, ``inf`` are numbers)."""
    return not all(_is_number(cell.strip()) for cell in row)


def _is_number(text: str) -> bool:
    """The syntax of a number, whatever its size (too many digits are refused as data, not
    taken for a header); ``nan``, ``inf`` count as numbers."""
    return bool(_NON_FINITE.fullmatch(text)) or looks_like_number(text)


def _parse_cell(cell: str, path: Path, line: int) -> Fraction:
    text = cell.strip()
    if _NON_FINITE.fullmatch(text):
        raise ExactReluInputError(f"{path}: line {line} has a non-finite value {text!r}")
    return parse_rational(text, f"{path}: line {line} value")


def _target_column(
    target: str | None, header: list[str] | None, width: int, path: Path
) -> int | None:
    if target is None:
        return width - 1
    if target.lower() == "none":
        return None
    if header is not None and target in header:
        return header.index(target)
    if _INDEX.fullmatch(target) and -width <= int(target) < width:
        return int(target) % width
    raise ExactReluInputError(f"{path}: no target column {target!r} (columns: {header or width})")
