"""One column of numbers from a CSV/TSV or one-number-per-line text file: exact, fast, and explained when wrong.

**What a file means** (the rules; :func:`read_column` applies them):

- Text is UTF-8 (a byte-order mark is skipped; a UTF-16 mark switches to UTF-16); a file that is
  not valid UTF-8 but has no NUL bytes is read as Latin-1, so a header written by an old
  spreadsheet is still read (digits, signs and separators are the same bytes in both); a file
  with NUL bytes is not text.
- Cells are split by ``,`` (``.tsv``/``.tab``: tab) with CSV quoting and stripped of spaces; a
  row whose first cell starts with ``#`` is a comment; blank lines (nothing but spaces) are skipped
  wherever they are, as pandas, R and numpy skip them (an empty cell in a row of several cells is
  still refused). The first row is a header if any of its cells is not a number.
- A number is what Python's ``float`` reads, written in ASCII without ``_``: ``1_000`` and
  full-width or other non-ASCII digits are refused, though ``float`` would take them.
- The column is ``column``, else the only one, else the only column in which more than half the
  cells are numbers.

**Two readers, one result.** The usual file (ASCII after the header; no comment or blank lines
among the data) is read by pandas' C parser in chunks, which rounds every decimal correctly (pandas
>= 3.1; older versions are asked for their round-trip converter): the same doubles as ``float``.
Anything else, and any file in which the C parser meets a problem, is read by a streaming reader
that follows the rules line by line and words the message: the line, the cell, and a hint for
semicolon separators and decimal commas. Both stream, so memory stays a small multiple of the data
(benchmarks/io_speed.py measures time and peak memory at 10^7 rows). The C-parser path, and what
decides that a file may take it, is :mod:`files.csvfast`.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..models.errors import DataError
from .csvfast import SNIFF_BYTES, parse_number, read_fast


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix.lower() in (".tsv", ".tab") else ","


def sniff_encoding(path: Path) -> str:
    """``"utf-8-sig"``, ``"utf-16"`` (byte-order mark) or ``"latin-1"``; refuse a file with NUL bytes."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise DataError(f"{path}: not a text file (CSV, one number per line) or .npy")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8-sig"


# -- hints ----------------------------------------------------------------------------------------


def _hint(text: str, delim: str) -> str:
    """Why a line may not split as expected: semicolon separators, decimal commas."""
    hints = []
    if delim == "," and ";" in text:
        hints.append("the file seems to use ';' as its separator: save it with ',' separators")
    if re.search(r"\d,\d", text) and (";" in text or delim == ","):
        hints.append("decimal commas? write 1.5, not 1,5")
    return f" ({'; '.join(hints)})" if hints else ""


def _why_not_a_number(cell: str, delim: str) -> str:
    if "_" in cell and parse_number(cell.replace("_", "")) is not None:
        return " (digit-group separators are not read: write 1000, not 1_000)"
    odd = next((ch for ch in cell if not ch.isascii()), None)
    if odd is not None:
        return f" (only ASCII digits are read; it contains {odd!r}, U+{ord(odd):04X})"
    return _hint(cell, delim)


# -- the exact, streaming reader ------------------------------------------------------------------


def _records(path: Path, encoding: str, delim: str):
    """``(line, cells)`` of every row after the rules: comments and blank lines dropped."""
    with open(path, encoding=encoding, newline="") as f:
        for lineno, raw in enumerate(csv.reader(f, delimiter=delim), start=1):
            cells = [c.strip() for c in raw]
            if (len(cells) > 1 or any(cells)) and not cells[0].startswith("#"):
                yield lineno, cells


@dataclass
class _Shape:
    header: list[str] | None
    names: list[str]
    rows: int
    first_of_length: dict[int, int]
    numbers: list[int]
    first_text: str    # the first row as read, for hints


def _shape(path: Path, encoding: str, delim: str, count: bool) -> _Shape:
    """First pass: header, row count, the first line of each row length, numbers per column."""
    rows = _records(path, encoding, delim)
    first = next(rows, None)
    if first is None:
        raise DataError(f"{path}: file is empty")
    header = first[1] if any(parse_number(c) is None for c in first[1]) else None
    if header is not None and len(set(header)) != len(header):
        raise DataError(f"{path}: duplicate column names in the header: {', '.join(header)}")
    first_of_length: dict[int, int] = {}
    numbers: list[int] = []
    count = count and not (header is not None and len(header) == 1)  # one named column: nothing to choose
    n = 0
    for lineno, cells in (rows if header is not None else _chain(first, rows)):
        n += 1
        first_of_length.setdefault(len(cells), lineno)
        if count:
            numbers.extend([0] * (len(cells) - len(numbers)))
            for k, c in enumerate(cells):
                numbers[k] += parse_number(c) is not None
    if n == 0:
        raise DataError(f"{path}: no data rows (only a header)")
    ncol = len(header) if header is not None else max(first_of_length)
    names = header if header is not None else [str(i + 1) for i in range(ncol)]
    return _Shape(header, names, n, first_of_length, numbers, delim.join(first[1]))


def _chain(first, rest):
    yield first
    yield from rest


def _choose(path: Path, names: list[str], column: str | None, numbers: list[int], rows: int,
            delim: str, first_text: str) -> int:
    if column is not None:
        if column not in names:
            raise DataError(f"{path}: no column {column!r}; columns are: {', '.join(names)}")
        return names.index(column)
    if len(names) == 1:
        return 0
    numeric = [k for k in range(len(names)) if k < len(numbers) and numbers[k] > rows / 2]
    if len(numeric) != 1:
        what = "no numeric column" if not numeric else "several numeric columns"
        raise DataError(f"{path}: {what}; choose one with --column (columns: {', '.join(names)})"
                        + _hint(first_text, delim))
    return numeric[0]


def _read_exact(path: Path, encoding: str, delim: str, column: str | None):
    shape = _shape(path, encoding, delim, count=column is None)
    ncol = len(shape.names)
    ragged = [(line, k) for k, line in shape.first_of_length.items() if k != ncol]
    if ragged:
        line, k = min(ragged)
        text = _line_text(path, encoding, delim, line)
        raise DataError(f"{path}: line {line} has {k} cells, expected {ncol}" + _hint(text, delim))
    j = _choose(path, shape.names, column, shape.numbers, shape.rows, delim, shape.first_text)
    values, lines = array("d"), array("q")
    rows = _records(path, encoding, delim)
    if shape.header is not None:
        next(rows)
    for lineno, cells in rows:
        v = parse_number(cells[j])
        if v is None:
            shown = repr(cells[j]) if cells[j] else "an empty cell"
            why = _why_not_a_number(cells[j], delim) if cells[j] else ""
            raise DataError(f"{path}: line {lineno}: {shown} in column {shape.names[j]!r} is not a number{why}")
        values.append(v)
        lines.append(lineno)
    # no copy: each numpy array keeps its array.array (which nothing else holds) alive
    return np.frombuffer(values, dtype=np.float64), np.frombuffer(lines, dtype=np.int64)


def _line_text(path: Path, encoding: str, delim: str, line: int) -> str:
    with open(path, encoding=encoding, newline="") as f:
        for lineno, raw in enumerate(csv.reader(f, delimiter=delim), start=1):
            if lineno == line:
                return delim.join(raw)
    return ""


def read_column(path, column: str | None = None):
    """The column's values (float64) and each value's line number, by the rules of the module note.

    Returns ``(values, line_of)``; ``line_of[i]`` is the line of ``values[i]`` (an array or a range).
    Raises :class:`DataError` naming the file, the line and the cell.
    """
    path = Path(path)
    encoding, delim = sniff_encoding(path), _delimiter(path)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a warning from the C parser means: let the exact reader look
            fast = read_fast(path, encoding, delim, column)
    except (ValueError, Warning):  # pandas' parser and conversion errors are ValueErrors
        fast = None
    if fast is not None:
        return fast
    try:
        try:
            return _read_exact(path, encoding, delim, column)
        except UnicodeDecodeError:  # invalid UTF-8 (or UTF-16) after the part sniffed
            return _read_exact(path, "latin-1", delim, column)
    except csv.Error as e:  # a NUL byte, a field over the csv module's size limit
        raise DataError(f"{path}: not a readable CSV file ({e})") from None
