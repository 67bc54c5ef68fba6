"""The C-parser path of :func:`files.csvread.read_column`: pandas in chunks, for files that are plainly data.

A file takes this path only when nothing in it needs the exact reader's judgement
(:func:`plain_rows`: ASCII data rows with no comment, blank line, quote among several columns, or
word the C parser reads differently from Python's ``float``); anything else, and any error or
warning of the C parser, returns None and the exact reader of :mod:`files.csvread` decides and words
the message. ``tests/test_csv_read.py`` checks on generated files that the two never disagree. What a
number is (:func:`parse_number`) is defined here, below the exact reader, which imports it: no import
circle between the two readers.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Bytes read to decide the encoding.
SNIFF_BYTES = 1 << 16


def parse_number(cell: str) -> float | None:
    """The number in a stripped cell, or None: Python's ``float`` on ASCII text without ``_``."""
    if not cell.isascii() or "_" in cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return None


#: Rows per chunk of the C parser, and bytes per block of the scan for what only the exact reader handles.
CHUNK_ROWS = 1 << 18
_BLOCK = 1 << 24
#: A blank line: a line end, spaces or tabs, a line end (``\r\n`` counts as one line end).
_BLANK_LINE = re.compile(rb"(?:\r\n|\r(?!\n)|\n)[ \t]*(?:\r\n|\r|\n)")
#: Bytes the exact reader treats differently from the C parser: comment, NUL, vertical tab, form feed,
#: separators that end a line for Python; and the C parser reads True/TRUE/true as 1 and
#: False/FALSE/false as 0 even into a float column (a fuzz of 18,000 short strings found no other word).
_ODD_BYTES = (b"#", b"\x00", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"rue", b"RUE", b"alse", b"ALSE")
#: Bytes of numbers and line ends; deleting them leaves the rest to search (deletion may join letters
#: into a false "rue", which only sends the file to the exact reader).
_NUMBER_BYTES = b"0123456789+-.,\t\r\n "
#: Line feed, and the bytes after one that may start a blank line (tab, LF, CR, space). A file with
#: carriage returns only has one "row" by the line-feed count, so the row check sends it to the exact reader.
_LF = 10
_MAYBE_BLANK = np.array([9, 10, 13, 32], dtype=np.uint8)


@dataclass(frozen=True)
class _Head:
    names: list[str]
    header: bool
    offset: int        # byte where the data rows start
    first_line: int    # the line number of the first data row


def _head(path: Path, encoding: str, delim: str) -> _Head | None:
    """Comment lines and the header, read line by line; None if only the exact reader can handle them."""
    if encoding == "utf-16":
        return None
    with open(path, "rb") as f:
        lineno, offset = 0, 0
        while raw := f.readline():
            lineno += 1
            text = raw.decode(encoding if lineno == 1 else encoding.removesuffix("-sig"), errors="replace")
            cells = [c.strip() for c in next(csv.reader([text.rstrip("\r\n")], delimiter=delim), [])]
            if not any(cells) or text.count('"') % 2 or "\r" in text.rstrip("\r\n"):
                return None
            if not cells[0].startswith("#"):
                header = any(parse_number(c) is None for c in cells)
                if header and len(set(cells)) != len(cells):
                    return None
                start = f.tell() if header else offset
                names = cells if header else [str(i + 1) for i in range(len(cells))]
                return _Head(names, header, start, lineno + 1 if header else lineno)
            offset = f.tell()
    return None


def plain_rows(path: Path, offset: int, delim: str, ncol: int) -> int | None:
    """The number of data rows if they are plain, else None (the exact reader decides).

    Plain: ASCII; no comment, odd byte (:data:`_ODD_BYTES`) or blank line (but at the end); ``ncol - 1`` separators
    per row on average and, with several columns, no quotes. pandas pads a short row with empty
    cells that look like real ones, so short rows are found by this count: a longer row makes pandas
    fail, so a total of ``rows * (ncol - 1)`` leaves no row short. Byte searches at memchr speed; the
    blank-line pattern only runs where a line may start blank.
    """
    sep = delim.encode()
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        tail_start = max(offset, size - SNIFF_BYTES)
        f.seek(tail_start)
        end = tail_start + len(f.read().rstrip())  # trailing blank lines are not data
        if end <= offset or (end == tail_start and tail_start > offset):
            return None  # no data rows, or more trailing white space than we look at
        f.seek(offset)
        carry, left, rows, seps = b"\n", end - offset, 1, 0  # the leading line end finds a blank first row
        while left > 0:
            chunk = f.read(min(_BLOCK, left))
            left -= len(chunk)
            block = carry + chunk
            rest = block.translate(None, _NUMBER_BYTES)  # what is left of plain numbers is short: search that
            if not rest.isascii() or any(b in rest for b in _ODD_BYTES) or (ncol > 1 and b'"' in rest):
                return None
            codes = np.frombuffer(block, dtype=np.uint8)
            ends = np.flatnonzero(codes == _LF)
            rows += ends.size - carry.count(b"\n")  # the carry's line ends were counted before
            seps += chunk.count(sep) if ncol > 1 else int(sep in chunk)  # one column: any separator is wrong
            after = codes[ends[ends + 1 < codes.size] + 1]
            if np.isin(after, _MAYBE_BLANK).any() and _BLANK_LINE.search(block):  # rare: look closely
                return None
            cut = max(block.rfind(b"\n"), block.rfind(b"\r"))
            carry = block[cut:] if cut >= 0 else b""  # no line end: no blank line can start here
    return rows if seps == rows * (ncol - 1) else None  # rows: line ends + 1, the leading one counted


def _pandas_chunks(path: Path, offset: int, delim: str, dtype):
    import pandas as pd

    exact = {} if tuple(int(p) for p in pd.__version__.split(".")[:2]) >= (3, 1) else {"float_precision": "round_trip"}
    with open(path, "rb") as f:
        f.seek(offset)
        with pd.read_csv(f, sep=delim, header=None, dtype=dtype, na_filter=False, skip_blank_lines=True,
                         chunksize=CHUNK_ROWS, engine="c", **exact) as reader:
            yield from reader


def _numbers_by_column(path: Path, head: _Head, delim: str) -> tuple[list[int], int] | None:
    """Numbers per column and rows, by the C parser's inferred types (bool is not a number)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    ncol, rows = len(head.names), 0
    numbers = [0] * ncol
    for chunk in _pandas_chunks(path, head.offset, delim, None):
        if chunk.shape[1] != ncol or chunk.isna().to_numpy().any():
            return None
        rows += len(chunk)
        for k in range(ncol):
            col = chunk[k]
            if is_numeric_dtype(col) and not is_bool_dtype(col):
                numbers[k] += len(col)
            else:
                numbers[k] += sum(parse_number(str(v).strip()) is not None for v in col.to_numpy(object))
    return numbers, rows


def read_fast(path: Path, encoding: str, delim: str, column: str | None):
    """Values and line numbers by the C parser, or None where the exact reader must decide."""
    head = _head(path, encoding, delim)
    rows = None if head is None else plain_rows(path, head.offset, delim, len(head.names))
    if rows is None:
        return None
    names = head.names
    if column is not None:
        if column not in names:
            return None
        j = names.index(column)
    elif len(names) == 1:
        j = 0
    else:
        counted = _numbers_by_column(path, head, delim)
        if counted is None:
            return None
        numeric = [k for k, c in enumerate(counted[0]) if c > counted[1] / 2]
        if len(numeric) != 1:
            return None
        j = numeric[0]
    values, filled = np.empty(rows), 0  # one row per line end: filled in place, never concatenated
    for chunk in _pandas_chunks(path, head.offset, delim, {j: np.float64}):
        if chunk.shape[1] != len(names) or chunk.isna().to_numpy().any() or filled + len(chunk) > rows:
            return None  # a short row (padded by pandas), a NaN, a quoted line end: the exact reader decides
        values[filled:filled + len(chunk)] = chunk[j].to_numpy(dtype=np.float64)
        filled += len(chunk)
    if filled != rows:
        return None
    return values, range(head.first_line, head.first_line + rows)


