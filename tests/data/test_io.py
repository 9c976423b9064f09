"""Exact data input (exactrelu.data.io): CSV and .npz files, array-likes, rounding, and errors.

Every bad input raises ``exactrelu.ExactReluInputError`` with a one-line message that names the
problem; the engine's reader and the checker's own reader agree on the data hash.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_data import decimal_text

import exactrelu
from exactrelu import ExactReluInputError, as_dataset, read_data
from exactrelu.checker import CheckFailure
from exactrelu.checker import data_sha256 as checker_sha256
from exactrelu.checker import read_data as checker_read_data

F = Fraction


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def error_of(call, *args, **kwargs) -> str:
    """The message of the ExactReluInputError raised by ``call``; it must be one line."""
    with pytest.raises(ExactReluInputError) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert message and "\n" not in message
    return message


# -- CSV -----------------------------------------------------------------------------------------


def test_csv_with_header_reads_target_last(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "x1,x2,label\n1,2,3\n4,5,-6\n")
    data = read_data(path)
    assert data.X == ((F(1), F(2)), (F(4), F(5)))
    assert data.y == (F(3), F(-6))
    assert data.round_digits is None


def test_csv_without_header(tmp_path: Path) -> None:
    with_header = read_data(write(tmp_path, "h.csv", "a,b,c\n1,2,3\n4,5,6\n"))
    without = read_data(write(tmp_path, "n.csv", "1,2,3\n4,5,6\n"))
    assert without.X == with_header.X and without.y == with_header.y
    assert without.sha256() == with_header.sha256()  # the hash is of the numbers only


def test_csv_numbers_are_read_exactly(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "1/3, 0.1 ,-2.5e-1,7\n-4/6,1e3,0.000001,+2\n")
    data = read_data(path)
    assert data.X == ((F(1, 3), F(1, 10), F(-1, 4)), (F(-2, 3), F(1000), F(1, 10**6)))
    assert data.y == (F(7), F(2))


@pytest.mark.parametrize(
    ("target", "X", "y"),
    [
        (None, ((1, 2), (4, 5)), (3, 6)),
        ("b", ((1, 3), (4, 6)), (2, 5)),
        ("a", ((2, 3), (5, 6)), (1, 4)),
        ("0", ((2, 3), (5, 6)), (1, 4)),
        ("1", ((1, 3), (4, 6)), (2, 5)),
        ("-1", ((1, 2), (4, 5)), (3, 6)),
        ("-3", ((2, 3), (5, 6)), (1, 4)),
        ("none", ((1, 2, 3), (4, 5, 6)), None),
        ("NONE", ((1, 2, 3), (4, 5, 6)), None),
    ],
)
def test_target_by_name_index_or_none(tmp_path: Path, target, X, y) -> None:
    for text in ("a,b,c\n1,2,3\n4,5,6\n", "1,2,3\n4,5,6\n"):
        if target in ("a", "b") and not text.startswith("a"):
            continue
        data = read_data(write(tmp_path, "d.csv", text), target=target)
        assert data.X == tuple(tuple(F(v) for v in row) for row in X)
        assert data.y == (None if y is None else tuple(F(v) for v in y))


@pytest.mark.parametrize("target", ["z", "3", "-4", "1.0", ""])
def test_unknown_target_is_refused(tmp_path: Path, target: str) -> None:
    path = write(tmp_path, "d.csv", "a,b,c\n1,2,3\n")
    message = error_of(read_data, path, target=target)
    assert repr(target) in message and "target" in message


def test_ragged_rows_are_refused(tmp_path: Path) -> None:
    message = error_of(read_data, write(tmp_path, "d.csv", "a,b,c\n1,2,3\n4,5\n"))
    assert "line 3" in message and "2 fields" in message and "expected 3" in message
    message = error_of(read_data, write(tmp_path, "e.csv", "1,2\n3,4,5\n"))
    assert "line 2" in message and "3 fields" in message


def test_non_numeric_cell_is_refused(tmp_path: Path) -> None:
    message = error_of(read_data, write(tmp_path, "d.csv", "a,b\n1,2\n3,abc\n"))
    assert "line 3" in message and "'abc'" in message
    message = error_of(read_data, write(tmp_path, "e.csv", "1,2\n3,\n"))
    assert "line 2" in message
    message = error_of(read_data, write(tmp_path, "f.csv", "1,2\n3,1/0\n"))
    assert "'1/0'" in message


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "+Infinity", "INF"])
def test_non_finite_values_are_refused(tmp_path: Path, value: str) -> None:
    message = error_of(read_data, write(tmp_path, "d.csv", f"a,b\n1,2\n{value},3\n"))
    assert "line 3" in message and value in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "no data rows"),
        ("\n\n  \n", "no data rows"),
        ("a,b,c\n", "header but no data rows"),
    ],
)
def test_empty_files_are_refused(tmp_path: Path, text: str, words: str) -> None:
    assert words in error_of(read_data, write(tmp_path, "d.csv", text))


def test_single_column_needs_target_none(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "x\n1\n2\n")
    assert "feature column" in error_of(read_data, path)
    assert read_data(path, target="none").X == ((F(1),), (F(2),))


def test_missing_file_is_refused(tmp_path: Path) -> None:
    message = error_of(read_data, tmp_path / "absent.csv")
    assert "not found" in message and "absent.csv" in message


def checker_error_of(path: Path, **kwargs) -> str:
    """The message of the CheckFailure raised by the checker's own reader; one line."""
    with pytest.raises(CheckFailure) as info:
        checker_read_data(path, **kwargs)
    message = str(info.value)
    assert message and "\n" not in message
    return message


def test_non_finite_first_row_is_not_a_header(tmp_path: Path) -> None:
    error_of(read_data, write(tmp_path, "d.csv", "nan,1,2\n1,2,3\n3,4,5\n"))


@pytest.mark.parametrize("value", ["nan", "NaN", "-inf", "+Infinity", "INF", " inf "])
def test_non_finite_first_row_is_refused_by_both_readers(tmp_path: Path, value: str) -> None:
    """nan and inf are numbers (non-finite ones), so the first row is data, not a header."""
    path = write(tmp_path, "d.csv", f"1,{value},2\n1,2,3\n3,4,5\n")
    message = error_of(read_data, path)
    assert "line 1 has a non-finite value" in message and value.strip() in message
    assert "non-finite" in checker_error_of(path)


def test_header_is_a_row_with_a_non_number(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "nan,x,y\n1,2,3\n3,4,5\n")  # 'x' is not a number at all
    data = read_data(path, target="y")
    assert data.X == ((F(1), F(2)), (F(3), F(4)))
    assert data.sha256() == checker_sha256(*checker_read_data(path, target="y"))
    path = write(tmp_path, "e.csv", "--inf,+-nan,infinite\n1,2,3\n")  # not numbers: a header
    assert read_data(path).n == 1 and len(checker_read_data(path)[0]) == 1


def test_byte_order_mark_does_not_drop_the_first_row(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf1,2,3\n4,5,6\n7,8,10\n")
    assert read_data(path).n == 3


@pytest.mark.parametrize("text", ["1,2,3\n4,5,6\n", "a,b,c\n1,2,3\n4,5,6\n"])
def test_byte_order_mark_is_ignored_by_both_readers(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    plain = write(tmp_path, "plain.csv", text)
    data = read_data(path, target="c" if text.startswith("a") else None)
    assert data.sha256() == read_data(plain).sha256()
    target = "c" if text.startswith("a") else None
    assert checker_sha256(*checker_read_data(path, target=target)) == data.sha256()


def test_undecodable_csv_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"1,2\n\xff\xfe,3\n")
    assert "d.csv" in error_of(read_data, path)
    assert "d.csv" in checker_error_of(path)


@pytest.mark.parametrize("target", ["--1", "²", "+1", "1.0", "-", "١"])
def test_malformed_target_index_is_an_input_error(tmp_path: Path, target: str) -> None:
    path = write(tmp_path, "d.csv", "1,2,3\n4,5,7\n")
    assert repr(target) in error_of(read_data, path, target=target)
    checker_error_of(path, target=target)


def test_huge_csv_values_are_exact(tmp_path: Path) -> None:
    """The ends of the accepted range (10^-308 <= |x| <= 10^308, tests/data/test_limits.py)."""
    path = write(tmp_path, "d.csv", "1e308,1,2\n-1e-308,3,4\n")
    data = read_data(path)
    assert data.X == ((F(10**308), F(1)), (F(-1, 10**308), F(3)))
    assert data.sha256() == checker_sha256(*checker_read_data(path))


# -- .npz ----------------------------------------------------------------------------------------


def test_npz_with_X_and_y(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, X=np.array([[0.1, 2.0], [3.0, -4.5]]), y=np.array([1, -1]))
    data = read_data(path)
    assert data.X == ((F(0.1), F(2)), (F(3), F(-9, 2)))
    assert data.X[0][0] != F(1, 10)  # the stored float, exactly
    assert data.y == (F(1), F(-1))
    assert data.sha256() == as_dataset([[0.1, 2.0], [3.0, -4.5]], [1, -1]).sha256()


def test_npz_without_y_and_one_dimensional_X(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, X=np.array([1, 2, 3], dtype=np.int32))
    data = read_data(path)
    assert data.X == ((F(1),), (F(2),), (F(3),)) and data.y is None


def test_npz_object_arrays_are_never_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, X=np.array([[1, F(1, 3)]], dtype=object))
    message = error_of(read_data, path)
    assert "allow_pickle=False" in message or "Object arrays" in message


@pytest.mark.parametrize(
    ("arrays", "words"),
    [
        ({"X": np.array([["1", "2"]])}, "numeric"),
        ({"X": np.array([[True, False]])}, "numeric"),
        ({"X": np.array([[1.0, np.nan]])}, "finite"),
        ({"X": np.array([[1.0, np.inf]])}, "finite"),
        ({"X": np.ones((3, 2)), "y": np.ones(4)}, "4 entries"),
        ({"X": np.ones((3, 2)), "y": np.ones((3, 1))}, "1-D"),
        ({"X": np.ones((3, 2)), "y": np.array([1.0, np.nan, 2.0])}, "finite"),
        ({"X": np.ones((2, 2, 2))}, "2-D"),
        ({"X": np.ones((0, 2))}, "no rows"),
        ({"X": np.ones((2, 0))}, "no columns"),
        ({"Z": np.ones((2, 2))}, "'X'"),
    ],
)
def test_bad_npz_is_refused(tmp_path: Path, arrays: dict, words: str) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, **arrays)
    assert words in error_of(read_data, path)


def test_npz_that_is_not_an_archive_is_refused(tmp_path: Path) -> None:
    assert "d.npz" in error_of(read_data, write(tmp_path, "d.npz", "1,2,3\n"))


@pytest.mark.parametrize("content", [b"1,2,3\n", b"", b"PK\x03\x04garbage"])
def test_npz_that_is_not_an_archive_gives_a_clear_message(tmp_path: Path, content: bytes) -> None:
    """Never numpy's advice to load the file unsafely (allow_pickle)."""
    path = tmp_path / "d.npz"
    path.write_bytes(content)
    for message in (error_of(read_data, path), checker_error_of(path)):
        assert "not a valid .npz archive" in message or "cannot read .npz" in message
        assert "pickle" not in message and message.count("d.npz") == 1


def test_npy_file_named_npz_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    with path.open("wb") as handle:
        np.save(handle, np.ones((2, 2)))
    assert "not a valid .npz archive" in error_of(read_data, path)
    assert "not a valid .npz archive" in checker_error_of(path)


@pytest.mark.parametrize("member", ["X", "X.npy", "y.npy"])
def test_npz_member_that_is_not_an_array_is_refused(tmp_path: Path, member: str) -> None:
    """numpy hands back raw bytes for a member without the .npy magic."""
    path = tmp_path / "d.npz"
    with zipfile.ZipFile(path, "w") as archive:
        if member == "y.npy":
            archive.writestr("X.npy", npy_bytes(np.ones((2, 2))))
        archive.writestr(member, b"not an array")
    assert "not a .npy array" in error_of(read_data, path)
    assert "not a .npy array" in checker_error_of(path)


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_npz_without_X_names_the_file_once(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, Z=np.ones((2, 2)))
    message = error_of(read_data, path)
    assert message.count("d.npz") == 1 and "'X'" in message
    assert "'X'" in checker_error_of(path)


@pytest.mark.skipif(
    np.finfo(np.longdouble).nmant <= 52, reason="longdouble is a double on this platform"
)
def test_npz_longdouble_is_read_exactly(tmp_path: Path) -> None:
    """An extended float (float128/longdouble) keeps its 64-bit significand: converted exactly,
    as the checker does (``as_integer_ratio``), never through ``float()``."""
    X = np.array([["0.1", "3"], ["-2.5", "1e-30"]], dtype=np.longdouble)
    y = np.array(["0.3", "7"], dtype=np.longdouble)
    path = tmp_path / "d.npz"
    np.savez(path, X=X, y=y)
    data = read_data(path)
    assert data.X[0][0] == F(*X[0, 0].as_integer_ratio()) != F(0.1)
    assert data.X[1][1] == F(*X[1, 1].as_integer_ratio()) != F(1e-30)
    assert data.y == (F(*y[0].as_integer_ratio()), F(7))
    assert data.sha256() == checker_sha256(*checker_read_data(path))
    assert as_dataset(X, y).sha256() == data.sha256()
    bad = np.array([[1, np.inf]], dtype=np.longdouble)
    assert "finite" in error_of(as_dataset, bad)


# -- rounding ------------------------------------------------------------------------------------


def test_round_is_exact_and_hashes_the_rounded_data(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "0.125,0.135,1/3\n-0.125,2,0.994\n")
    data = read_data(path, round_digits=2)
    # round half to even on the exact values: 0.125 -> 0.12, 0.135 -> 0.14, -0.125 -> -0.12
    assert data.X == ((F(12, 100), F(14, 100)), (F(-12, 100), F(2)))
    assert data.y == (F(33, 100), F(99, 100))
    assert data.round_digits == 2
    rounded = as_dataset([["0.12", "0.14"], ["-0.12", "2"]], ["0.33", "0.99"])
    assert data.sha256() == rounded.sha256()
    assert data.sha256() != read_data(path).sha256()
    assert read_data(path, round_digits=0).X == ((F(0), F(0)), (F(0), F(2)))


def test_round_turns_floats_into_short_decimals() -> None:
    data = as_dataset([[0.1, 2.675]], round_digits=2)
    # 2.675 is stored below 2.675 exactly, so it rounds down; 0.1 becomes exactly 1/10.
    assert data.X == ((F(1, 10), F(267, 100)),)
    assert as_dataset([[0.1]]).X[0][0] != F(1, 10)


def test_negative_round_is_refused() -> None:
    assert "-1" in error_of(as_dataset, [[1, 2]], round_digits=-1)


# -- array-likes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "y", "words"),
    [
        ([[1, 2], [3]], None, "row 1"),
        ([[1, 2], [3, 4]], [1], "y has 1 entries"),
        ([], None, "no rows"),
        ([[], []], None, "no columns"),
        (np.ones((2, 2, 2)), None, "2-D"),
        ([[1, float("nan")]], None, "X[0][1]"),
        ([[1, float("inf")]], None, "finite"),
        ([[1, "abc"]], None, "'abc'"),
        ([[1, None]], None, "None"),
        ([[1, True]], None, "True"),
        ([[1, 2]], [float("nan")], "y[0]"),
    ],
)
def test_bad_array_likes_are_refused(X, y, words: str) -> None:
    assert words in error_of(as_dataset, X, y)


def test_mixed_representations_are_exact() -> None:
    data = as_dataset([[1, F(1, 3), "2/4", "0.1", 0.5, np.int64(-7), np.float64(0.25)]], ["-1/3"])
    assert data.X == ((F(1), F(1, 3), F(1, 2), F(1, 10), F(1, 2), F(-7), F(1, 4)),)
    assert data.y == (F(-1, 3),)


def test_float_and_string_give_different_hashes() -> None:
    assert as_dataset([[0.1]]).X != as_dataset([["0.1"]]).X
    assert as_dataset([[0.1]]).sha256() != as_dataset([["0.1"]]).sha256()
    assert as_dataset([[0.5]]).sha256() == as_dataset([["1/2"]]).sha256()  # a binary fraction


def test_hash_covers_the_target() -> None:
    assert as_dataset([[1, 2]], [3]).sha256() != as_dataset([[1, 2]]).sha256()
    assert as_dataset([[1, 2]], [3]).sha256() != as_dataset([[1, 2]], [4]).sha256()
    assert as_dataset([[1, 2]], [3]).sha256() != as_dataset([[1], [2]], [3, 3]).sha256()


# -- round trip through a file, and agreement with the checker's own reader ----------------------

ENTRY = st.fractions(min_value=-50, max_value=50, max_denominator=40)


def cell_text(value: Fraction, style: int) -> str:
    decimal = decimal_text(value)
    if style == 0 or decimal is None:
        return f"{value.numerator}/{value.denominator}"
    if style == 1:
        return decimal
    return f" {decimal} "


def matrices(width: int) -> st.SearchStrategy[list[list[Fraction]]]:
    return st.lists(st.lists(ENTRY, min_size=width, max_size=width), min_size=1, max_size=6)


@given(
    rows=st.integers(1, 6).flatmap(matrices),
    header=st.booleans(),
    styles=st.lists(st.integers(0, 2), min_size=1, max_size=5),
    round_digits=st.none() | st.integers(0, 3),
)
def test_csv_round_trip_agrees_with_the_checker(
    rows: list[list[Fraction]], header: bool, styles: list[int], round_digits: int | None
) -> None:
    width = len(rows[0])
    lines = [",".join(f"c{j}" for j in range(width))] if header else []
    for k, row in enumerate(rows):
        cells = [cell_text(v, styles[(k + j) % len(styles)]) for j, v in enumerate(row)]
        lines.append(",".join(cells))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.csv"
        path.write_text("\n".join(lines) + "\n")
        target = None if width > 1 else "none"
        data = read_data(path, target=target, round_digits=round_digits)
        X, y = checker_read_data(path, target, round_digits)

    def rounded(v: Fraction) -> Fraction:
        return v if round_digits is None else round(v, round_digits)

    features = rows if width == 1 else [row[:-1] for row in rows]
    assert [list(row) for row in data.X] == [[rounded(v) for v in row] for row in features]
    assert data.y == (None if width == 1 else tuple(rounded(row[-1]) for row in rows))
    assert data.sha256() == checker_sha256(X, y) == exactrelu.data.io.data_sha256(data.X, data.y)
