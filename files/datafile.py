"""Data files: loading a user's CSV/TSV/text/.npy, and saving a data set as CSV + JSON sidecar.

Every problem with a user's file is a :class:`~models.errors.DataError` whose message names the
file and the problem in one line (the CLI turns it into exit status 2). The values then pass the
one validation every fit uses, :func:`models.data.check_values`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from ..models.data import Dataset, check_values, fingerprint
from ..models.errors import DataError
from ..models.params import MixtureParams
from .output import atomic_write, atomic_write_text, check_writable


def sidecar_path(path) -> Path:
    """``data.csv -> data.meta.json``."""
    path = Path(path)
    return path.with_name(path.stem + ".meta.json")


def save_dataset(ds: Dataset, path, *, force: bool = False) -> Path:
    """Write ``ds`` as CSV (header ``x``, 17 significant digits: exact round trip) + JSON sidecar.

    Refuses to overwrite either file unless ``force``; both are written atomically.
    """
    path = check_writable(path, force)
    side = check_writable(sidecar_path(path), force)

    def write_csv(tmp: Path) -> None:
        with open(tmp, "w") as f:
            f.write("x\n")
            np.savetxt(f, ds.values, fmt="%.17g")

    atomic_write(path, write_csv)
    atomic_write_text(side, json.dumps(ds.meta(), indent=2) + "\n")
    return path


# -- loading ----------------------------------------------------------------------------------


def _parse_float(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _read_table(path: Path) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """Rows of a CSV or one-number-per-line text file as ``(line_number, cells)``; header if any."""
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file (CSV, one number per line) or .npy") from None
    rows: list[tuple[int, list[str]]] = []
    lines = text.splitlines()
    while lines and not lines[-1].strip():  # trailing blank lines are not data
        lines.pop()
    dialect = csv.excel_tab if path.suffix.lower() in (".tsv", ".tab") else csv.excel
    for lineno, cells in enumerate(csv.reader(lines, dialect=dialect), start=1):
        if lineno == 1 or cells:
            rows.append((lineno, [c.strip() for c in cells]))
        else:
            rows.append((lineno, [""]))
    rows = [r for r in rows if not (r[1] and r[1][0].startswith("#"))]
    if not rows:
        raise DataError(f"{path}: file is empty")
    header = None
    first_line, first = rows[0]
    if any(_parse_float(c) is None for c in first):
        header = first
        rows = rows[1:]
        if len(set(header)) != len(header):
            raise DataError(f"{path}: duplicate column names in the header: {', '.join(header)}")
    if not rows:
        raise DataError(f"{path}: no data rows (only a header)")
    return header, rows


def _column_values(path: Path, header, rows, column: str | None) -> tuple[np.ndarray, np.ndarray]:
    ncol = len(header) if header is not None else max(len(c) for _, c in rows)
    names = header if header is not None else [str(i + 1) for i in range(ncol)]
    for lineno, cells in rows:
        if len(cells) != ncol:
            raise DataError(f"{path}: line {lineno} has {len(cells)} cells, expected {ncol}")
    if column is not None:
        if column not in names:
            raise DataError(f"{path}: no column {column!r}; columns are: {', '.join(names)}")
        j = names.index(column)
    elif ncol == 1:
        j = 0
    else:
        numeric = [
            k for k in range(ncol) if sum(_parse_float(c[k]) is not None for _, c in rows) > len(rows) / 2
        ]
        if len(numeric) != 1:
            what = "no numeric column" if not numeric else "several numeric columns"
            raise DataError(f"{path}: {what}; choose one with --column (columns: {', '.join(names)})")
        j = numeric[0]
    out = np.empty(len(rows))
    for i, (lineno, cells) in enumerate(rows):
        v = _parse_float(cells[j])
        if v is None:
            shown = repr(cells[j]) if cells[j] else "an empty cell"
            raise DataError(f"{path}: line {lineno}: {shown} in column {names[j]!r} is not a number")
        out[i] = v
    line_of = np.array([lineno for lineno, _ in rows])
    return out, line_of


def load_data(path, column: str | None = None) -> Dataset:
    """Load user data: CSV/TSV (``column`` or the only numeric one), one number per line, or ``.npy``.

    A CSV written by :func:`save_dataset` comes with a sidecar; its fingerprint is checked and the
    truth and seed are restored. Any problem raises :class:`DataError` naming the file.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    line_of = None
    if path.suffix.lower() == ".npy":
        if column is not None:
            raise DataError(f"{path}: --column applies to CSV files, not .npy")
        try:
            arr = np.load(path, allow_pickle=False)
        except Exception as e:  # numpy raises several types for corrupt files
            raise DataError(f"{path}: not a readable .npy file ({type(e).__name__})") from None
        values = check_values(arr, str(path))
    else:
        header, rows = _read_table(path)
        raw, line_of = _column_values(path, header, rows, column)
        values = check_values(raw, str(path), line_of)
    truth = seed = None
    side = sidecar_path(path)
    if side.exists() and path.suffix.lower() != ".npy":
        try:
            meta = json.loads(side.read_text())
        except json.JSONDecodeError:
            raise DataError(f"{side}: sidecar is not valid JSON") from None
        if meta.get("sha256") != fingerprint(values):
            raise DataError(
                f"{path}: contents differ from the fingerprint in {side.name} (edited after it was written?); "
                "remove the sidecar to use the file as it is"
            )
        truth = MixtureParams.from_dict(meta["truth"]) if meta.get("truth") else None
        seed = meta.get("seed")
    return Dataset(values=values, name=path.name, truth=truth, seed=seed)
