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

**One reader: pyarrow's CSV parser.** It splits the file in blocks, streaming (memory stays a small
multiple of the data), on one thread. A block of a column becomes doubles by arrow's cast, which
reads a finite decimal as Python's ``float`` does (correctly rounded; :func:`_numbers`); a block
with anything else (a word, an empty cell, inf or nan) is read cell by cell with ``float``.
tests/test_csv_read.py checks the reader on generated files against the rules written out with the
csv module. The csv module reads only the first row (header, number of columns) and, when a message
names a line, finds it: the line of a value is looked up only when asked for (:class:`_Lines`).
The hand-written C-parser path this replaced (issue 22) was no faster: 0.22 s against 0.21 s for
``load_data`` of 10^6 rows; benchmarks/io_speed.py measures time and peak memory.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import numpy as np

from ..models.errors import DataError

#: Bytes read to decide the encoding; bytes per block of the parser (a row must fit in one).
SNIFF_BYTES = 1 << 16
BLOCK_BYTES = 1 << 24
#: What ``str.strip`` removes (Python's white space, none above U+3000): the parser trims the same.
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def parse_number(cell: str) -> float | None:
    """The number in a stripped cell, or None: Python's ``float`` on ASCII text without ``_``."""
    if not cell.isascii() or "_" in cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return None


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


# -- the csv module: the first row, and the lines messages name -----------------------------------


def _rows(path: Path, encoding: str, delim: str):
    """``(line, cells)`` of every row of the file, as the csv module splits it."""
    with open(path, encoding=encoding, newline="") as f:
        yield from enumerate(csv.reader(f, delimiter=delim), start=1)


def _records(path: Path, encoding: str, delim: str):
    """``(line, cells)`` of every row after the rules: comments and blank lines dropped."""
    for lineno, raw in _rows(path, encoding, delim):
        cells = [c.strip() for c in raw]
        if (len(cells) > 1 or any(cells)) and not cells[0].startswith("#"):
            yield lineno, cells


def _line_text(path: Path, encoding: str, delim: str, line: int) -> str:
    return next((delim.join(raw) for lineno, raw in _rows(path, encoding, delim) if lineno == line), "")


class _Lines:
    """The line of each data row, read (once) only when a message asks for one: ``lines[i]``."""

    def __init__(self, path: Path, encoding: str, delim: str, header: bool, rows: int):
        self._where, self._header, self._rows, self._lines = (path, encoding, delim), header, rows, None

    def __len__(self) -> int:
        return self._rows

    def __getitem__(self, i):
        if self._lines is None:
            records = _records(*self._where)
            if self._header:
                next(records)
            self._lines = np.fromiter((line for line, _ in records), dtype=np.int64)
        return self._lines[i]


def _ragged(path: Path, encoding: str, delim: str, header: list[str] | None) -> DataError:
    """The first row whose length is not the header's (no header: not the longest row's)."""
    first_of_length: dict[int, int] = {}
    for line, cells in _records(path, encoding, delim):
        first_of_length.setdefault(len(cells), line)
    ncol = len(header) if header is not None else max(first_of_length)
    line, k = min((line, k) for k, line in first_of_length.items() if k != ncol)
    return DataError(f"{path}: line {line} has {k} cells, expected {ncol}"
                     + _hint(_line_text(path, encoding, delim, line), delim))


def _choose(path: Path, names: list[str], column: str | None, numbers: dict[int, int], rows: int,
            delim: str, first_text: str) -> int:
    if column is not None:
        if column not in names:
            raise DataError(f"{path}: no column {column!r}; columns are: {', '.join(names)}")
        return names.index(column)
    if len(names) == 1:
        return 0
    numeric = [k for k in range(len(names)) if numbers.get(k, 0) > rows / 2]
    if len(numeric) != 1:
        what = "no numeric column" if not numeric else "several numeric columns"
        raise DataError(f"{path}: {what}; choose one with --column (columns: {', '.join(names)})"
                        + _hint(first_text, delim))
    return numeric[0]


# -- pyarrow: the data ----------------------------------------------------------------------------


def _blocks(path: Path, encoding: str, delim: str, ncol: int, columns: list[int], ragged: list[int]):
    """Blocks of data rows (an arrow RecordBatch of strings, columns ``"0"``, ``"1"``, ...), comments
    and blank lines dropped; the line of any row of another length is appended to ``ragged``."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pa_csv

    def other_length(row) -> str:
        cells = [c.strip() for c in next(csv.reader([row.text], delimiter=delim), [])]
        if (len(cells) > 1 or any(cells)) and not cells[0].startswith("#"):
            ragged.append(row.number)
        return "skip"

    names = [str(k) for k in range(ncol)]
    read = pa_csv.ReadOptions(column_names=names, use_threads=False, block_size=BLOCK_BYTES,
                              encoding="utf8" if encoding == "utf-8-sig" else encoding)
    parse = pa_csv.ParseOptions(delimiter=delim, newlines_in_values=True, invalid_row_handler=other_length)
    convert = pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                                    include_columns=[names[k] for k in sorted({0, *columns})],
                                    quoted_strings_can_be_null=False)
    with pa_csv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert) as reader:
        for block in reader:
            first = pc.utf8_trim(block.column("0"), _SPACES)
            skip = pc.starts_with(first, "#")
            if ncol == 1:
                skip = pc.or_(skip, pc.equal(first, ""))
            yield block.filter(pc.invert(skip))


def _numbers(cells) -> tuple[np.ndarray, np.ndarray | None]:
    """A block of cells as doubles (NaN where not a number), and where they are not numbers (None: nowhere).

    Arrow's cast reads a finite decimal as ``float`` does, to the bit, and refuses ``_``, inner spaces
    and non-ASCII digits (a fuzz of 350,000 strings over digits, signs, points, exponents and the
    letters of inf/nan found it accepting only ``nan(...)``, which ``float`` refuses): a block whose
    cast fails or holds a value that is not finite is read by ``float`` cell by cell.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        values = pc.cast(pc.utf8_trim(cells, _SPACES), pa.float64()).to_numpy()
        if np.isfinite(values).all():
            return values, None
    except pa.ArrowInvalid:  # a word, an empty cell, "1e", "1_0": cell by cell, below
        pass
    parsed = [parse_number(c.strip()) for c in cells.to_pylist()]
    bad = np.array([v is None for v in parsed], dtype=bool)
    return np.array([np.nan if v is None else v for v in parsed], dtype=np.float64), bad if bad.any() else None


def _read(path: Path, encoding: str, delim: str, column: str | None):
    first = next(_records(path, encoding, delim), None)
    if first is None:
        raise DataError(f"{path}: file is empty")
    header = first[1] if any(parse_number(c) is None for c in first[1]) else None
    if header is not None and len(set(header)) != len(header):
        raise DataError(f"{path}: duplicate column names in the header: {', '.join(header)}")
    ncol = len(first[1])
    names = header if header is not None else [str(i + 1) for i in range(ncol)]
    wanted = [names.index(column)] if column in names else list(range(ncol)) if column is None else [0]
    parts: dict[int, list] = {k: [] for k in wanted}
    numbers, first_bad, rows, ragged, in_header = dict.fromkeys(wanted, 0), {}, 0, [], header is not None
    for block in _blocks(path, encoding, delim, ncol, wanted, ragged):
        if in_header and block.num_rows:
            block, in_header = block.slice(1), False  # the header row
        for k in wanted:
            values, bad = _numbers(block.column(str(k)))
            parts[k].append(values)
            numbers[k] += len(values) - (0 if bad is None else int(bad.sum()))
            if bad is not None and k not in first_bad:
                i = int(np.argmax(bad))
                first_bad[k] = (rows + i, block.column(str(k))[i].as_py().strip())
        rows += block.num_rows
    if ragged:
        raise _ragged(path, encoding, delim, header)
    if rows == 0:
        raise DataError(f"{path}: no data rows (only a header)")
    j = _choose(path, names, column, numbers, rows, delim, delim.join(first[1]))
    lines = _Lines(path, encoding, delim, header is not None, rows)
    if j in first_bad:
        i, cell = first_bad[j]
        shown, why = (repr(cell), _why_not_a_number(cell, delim)) if cell else ("an empty cell", "")
        raise DataError(f"{path}: line {lines[i]}: {shown} in column {names[j]!r} is not a number{why}")
    return np.concatenate(parts[j]), lines


def read_column(path, column: str | None = None):
    """The column's values (float64) and each value's line number, by the rules of the module note.

    Returns ``(values, line_of)``; ``line_of[i]`` is the line of ``values[i]`` (looked up when asked for).
    Raises :class:`DataError` naming the file, the line and the cell.
    """
    import pyarrow as pa

    path = Path(path)
    encoding, delim = sniff_encoding(path), _delimiter(path)
    try:
        try:
            return _read(path, encoding, delim, column)
        except (UnicodeDecodeError, pa.ArrowInvalid) as e:  # invalid UTF-8 (or UTF-16) after the part sniffed
            if isinstance(e, pa.ArrowInvalid) and "UTF8" not in str(e):
                raise
            return _read(path, "latin-1", delim, column)
    except (csv.Error, pa.ArrowInvalid) as e:  # a field over a size limit, a row longer than a block
        raise DataError(f"{path}: not a readable CSV file ({e})") from None
