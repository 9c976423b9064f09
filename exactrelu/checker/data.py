"""The checker's own data reader and canonical hash (format and rules: ``proofs/data.md``).

Deliberately independent of ``exactrelu.data.io``: the checker trusts no engine code.  Everything is
exact: CSV cells are parsed by ``fractions.Fraction`` from their text, stored floats in ``.npz``
files are converted to their exact rational values with ``as_integer_ratio``.
"""

from __future__ import annotations

import csv
import hashlib
import re
import zipfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import MAX_DIGITS, MAX_EXPONENT, MAX_ROUND

Rows = list[list[Fraction]]

_INTEGER = re.compile(r"-?[0-9]+")
_NON_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)
# The text fractions.Fraction accepts (Python 3.11): a sign, digits with "_", "/q" or ".ddd" and
# "eE"; its exponent is the group "exp".
_NUMBER = re.compile(
    r"\s*[-+]?(?=\d|\.\d)(\d*|\d+(_\d+)*)"
    r"(?:(?:\s*/\s*(\d+(_\d+)*))?|(?:\.(\d*|\d+(_\d+)*))?(?:E(?P<exp>[-+]?\d+(_\d+)*))?)\s*",
    re.IGNORECASE,
)


def rational_text(value: Fraction) -> str:
    """Canonical text of a rational (proofs/data.md): ``p/q`` in lowest terms, or ``p`` if q = 1."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def data_sha256(X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None) -> str:
    """Hex SHA-256 of the canonical text ``exactrelu-data-v1`` of the data (proofs/data.md §4)."""
    d = len(X[0]) if len(X) else 0
    lines = ["exactrelu-data-v1", f"{len(X)} {d} {0 if y is None else 1}"]
    for k, row in enumerate(X):
        line = " ".join(rational_text(Fraction(v)) for v in row)
        if y is not None:
            line += " | " + rational_text(Fraction(y[k]))
        lines.append(line)
    return hashlib.sha256(("\n".join(lines) + "\n").encode("utf-8")).hexdigest()


def read_data(
    path: str | Path, target: str | None = None, round_digits: int | None = None
) -> tuple[Rows, list[Fraction] | None]:
    """Read a CSV or ``.npz`` file exactly into ``(X, y)`` (rules: proofs/data.md §1-2).

    ``target``: CSV only; ``None`` means the last column, ``"none"`` (any case) no target, else a
    header name or a 0-based (possibly negative) column index.  ``round_digits=K`` replaces every
    entry by ``round(entry, K)`` (half to even) after parsing.  Raises CheckFailure on bad data.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckFailure(f"data file not found: {path}")
    if path.suffix == ".npz":
        X, y = _read_npz(path)
    else:
        X, y = _read_csv(path, target)
    if round_digits is not None:
        if (
            isinstance(round_digits, bool)
            or not isinstance(round_digits, int)
            or not 0 <= round_digits <= MAX_ROUND
        ):
            raise CheckFailure(
                f"round must be an integer in [0, {MAX_ROUND}], got {round_digits!r}"
            )
        X = [[round(v, round_digits) for v in row] for row in X]
        y = None if y is None else [round(v, round_digits) for v in y]
    return X, y


def _read_csv(path: Path, target: str | None) -> tuple[Rows, list[Fraction] | None]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            records = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CheckFailure(f"{path}: cannot read CSV ({exc})") from None
    if not records:
        raise CheckFailure(f"{path}: no data rows")
    header = [cell.strip() for cell in records[0]] if _is_header(records[0]) else None
    body = records[1:] if header is not None else records
    if not body:
        raise CheckFailure(f"{path}: a header but no data rows")
    width = len(header) if header is not None else len(body[0])
    values = []
    for k, row in enumerate(body):
        if len(row) != width:
            raise CheckFailure(f"{path}: data row {k} has {len(row)} fields, expected {width}")
        values.append([_parse_cell(cell, path, k) for cell in row])
    column = _target_column(target, header, width, path)
    if column is None:
        return values, None
    if width < 2:
        raise CheckFailure(f"{path}: no feature column besides the target")
    X = [row[:column] + row[column + 1 :] for row in values]
    return X, [row[column] for row in values]


def _is_header(row: list[str]) -> bool:
    """A header has a cell that is not a number at all: ``nan`` and ``inf`` are (non-finite)
    numbers, so a first row holding them is data, refused by ``_parse_cell``."""
    for cell in row:
        if _NON_FINITE.fullmatch(cell.strip()):
            continue
        if _NUMBER.fullmatch(cell):
            _check_limits(cell, "the first row")  # before Fraction reads it
        try:
            Fraction(cell.strip())
        except (ValueError, ZeroDivisionError):
            return True
    return False


def _parse_cell(cell: str, path: Path, k: int) -> Fraction:
    if _NON_FINITE.fullmatch(cell.strip()):
        raise CheckFailure(f"{path}: data row {k} has a non-finite value {cell.strip()!r}")
    if _NUMBER.fullmatch(cell):
        _check_limits(cell, f"{path}: data row {k}")
    # Fraction rejects "nan" and "inf", so every parsed cell is a finite rational.
    try:
        return Fraction(cell.strip())
    except (ValueError, ZeroDivisionError):
        raise CheckFailure(f"{path}: data row {k} has a non-number {cell!r}") from None


def _check_limits(cell: str, where: str) -> None:
    """proofs/data.md, "Limits": at most MAX_DIGITS digits and a decimal exponent of at most
    MAX_EXPONENT in absolute value, checked on the text before Fraction reads it (which would
    compute 10**E, or refuse more digits with a ValueError)."""
    if sum(c.isdigit() for c in cell) > MAX_DIGITS:
        raise CheckFailure(f"{where} has a number of more than {MAX_DIGITS} digits")
    exponent = _NUMBER.fullmatch(cell)["exp"]
    if exponent is not None and abs(int(exponent.replace("_", ""))) > MAX_EXPONENT:
        raise CheckFailure(f"{where} has a number with a decimal exponent beyond ±{MAX_EXPONENT}")


def _target_column(
    target: str | None, header: list[str] | None, width: int, path: Path
) -> int | None:
    if target is None:
        return width - 1
    if not isinstance(target, str):
        raise CheckFailure(f"target must be a string or null, got {target!r}")
    if target.lower() == "none":
        return None
    if header is not None and target in header:
        return header.index(target)
    if _INTEGER.fullmatch(target) and -width <= int(target) < width:
        return int(target) % width
    raise CheckFailure(f"{path}: no target column {target!r}")


def _read_npz(path: Path) -> tuple[Rows, list[Fraction] | None]:
    if not zipfile.is_zipfile(path):
        raise CheckFailure(f"{path}: not a valid .npz archive")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if "X" not in archive.files:
                raise CheckFailure(f"{path}: no array 'X'")
            X = archive["X"]
            y = archive["y"] if "y" in archive.files else None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckFailure(f"{path}: cannot read .npz ({exc})") from None
    for name, array in (("X", X), ("y", y)):
        if array is not None and not isinstance(array, np.ndarray):
            raise CheckFailure(f"{path}: member {name} of the archive is not a .npy array")
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise CheckFailure(f"{path}: X must be a non-empty 1-D or 2-D array, got shape {X.shape}")
    rows = [_exact_values(row, path, "X") for row in X.tolist()]
    if y is None:
        return rows, None
    if y.shape != (X.shape[0],):
        raise CheckFailure(f"{path}: y must have shape ({X.shape[0]},), got {y.shape}")
    return rows, _exact_values(y.tolist(), path, "y")


def _exact_values(values: list, path: Path, name: str) -> list[Fraction]:
    """Stored numbers -> exact rationals: ints as they are, floats by their exact binary value."""
    exact = []
    for v in values:
        if isinstance(v, bool) or not hasattr(v, "as_integer_ratio"):
            raise CheckFailure(f"{path}: array {name} must be numeric, got {v!r}")
        try:
            value = Fraction(*v.as_integer_ratio())
        except (OverflowError, ValueError):
            raise CheckFailure(f"{path}: array {name} has a non-finite value {v!r}") from None
        # proofs/data.md, "Limits" (only long doubles can exceed it): 3.33 bits per digit
        if max(abs(value.numerator), value.denominator).bit_length() > MAX_DIGITS * 3:
            raise CheckFailure(f"{path}: array {name} has a number beyond the digit limit")
        exact.append(value)
    return exact


def exact_data(X: object, y: object) -> tuple[Rows, list[Fraction] | None]:
    """Validate already-parsed data: a rectangular list of int/Fraction rows and an optional y."""
    if not isinstance(X, Sequence) or not all(isinstance(row, Sequence) for row in X):
        raise CheckFailure("X must be a list of rows")
    rows = [_exact_list(row, "X") for row in X]
    if any(len(row) != len(rows[0]) for row in rows):
        raise CheckFailure("X is ragged: its rows have different lengths")
    if y is None:
        return rows, None
    if not isinstance(y, Sequence) or len(y) != len(rows):
        raise CheckFailure(f"y must be a list of {len(rows)} numbers")
    return rows, _exact_list(y, "y")


def _exact_list(values: Sequence, name: str) -> list[Fraction]:
    if not all(isinstance(v, (int, Fraction)) and not isinstance(v, bool) for v in values):
        raise CheckFailure(f"{name} must hold ints or Fractions only")
    return [Fraction(v) for v in values]


def input_options(cert: dict) -> tuple[str | None, int | None]:
    """The certificate's ``input`` object: how the data was read (``target``, ``round``)."""
    options = cert.get("input")
    if not isinstance(options, dict):
        raise CheckFailure("the certificate has no 'input' object (target, round)")
    target, digits = options.get("target"), options.get("round")
    if target is not None and not isinstance(target, str):
        raise CheckFailure(f"input.target must be a string or null, got {target!r}")
    if digits is not None and (
        isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= MAX_ROUND
    ):
        raise CheckFailure(
            f"input.round must be null or an integer in [0, {MAX_ROUND}], got {digits!r}"
        )
    return target, digits


def require_data_hash(cert: dict, X: Rows, y: list[Fraction] | None) -> None:
    """Fail unless the certificate's ``data_sha256`` is the hash of this data (proofs/data.md)."""
    actual = data_sha256(X, y)
    if cert.get("data_sha256") != actual:
        raise CheckFailure(
            f"data_sha256 {cert.get('data_sha256')!r} does not match the data ({actual})"
        )
