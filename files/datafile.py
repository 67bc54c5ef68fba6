"""Data files: loading a user's CSV/TSV/text/.npy, and saving a data set with a JSON sidecar.

Every problem with a user's file is a :class:`~models.errors.DataError` whose message names the
file and the problem in one line (the CLI turns it into exit status 2). The values then pass the
one validation every fit uses, :func:`models.data.check_values`.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from ..models.data import Dataset, check_values
from ..models.errors import DataError
from ..models.params import MixtureParams
from .csvread import read_column
from .output import atomic_write, atomic_write_text, check_writable


def sidecar_path(path) -> Path:
    """``data.csv -> data.meta.json``."""
    path = Path(path)
    return path.with_name(path.stem + ".meta.json")


#: What :func:`save_dataset` writes, by suffix: text with a header ``x`` (exact round trip), or ``.npy``.
TEXT_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
DATA_SUFFIXES = TEXT_SUFFIXES + (".npy",)


def check_data_suffix(path) -> Path:
    """Refuse a data file name whose suffix :func:`save_dataset` cannot write."""
    path = Path(path)
    if path.suffix.lower() not in DATA_SUFFIXES:
        raise DataError(f"{path}: data are written as {', '.join(DATA_SUFFIXES)}; "
                        f"{path.suffix or 'no suffix'} is none of these")
    return path


def save_dataset(ds: Dataset, path, *, force: bool = False) -> Path:
    """Write ``ds`` as ``.npy`` or as text (header ``x``, 17 significant digits: exact round trip) + JSON sidecar.

    The format follows the suffix (:data:`DATA_SUFFIXES`). Refuses to overwrite either file unless
    ``force``; both are written atomically.
    """
    path = check_writable(check_data_suffix(path), force, folder=False)
    side = check_writable(sidecar_path(path), force, folder=False)

    def write(tmp: Path) -> None:
        if path.suffix.lower() == ".npy":
            with open(tmp, "wb") as f:  # a file object: np.save would add ".npy" to a name
                np.save(f, ds.values, allow_pickle=False)
        else:
            np.savetxt(tmp, ds.values, fmt="%.17g", header="x", comments="")

    atomic_write(path, write)
    atomic_write_text(side, json.dumps(ds.meta(), indent=2) + "\n")
    return path


# -- loading ----------------------------------------------------------------------------------


#: The data argument that means standard input; its data are called :data:`STDIN_NAME`.
STDIN = "-"
STDIN_NAME = "stdin"


def input_files(path) -> list[Path]:
    """The files a data file ``path`` stands for: itself, and its sidecar if there is one.

    Standard input (``-``) stands for the file it is redirected from (``< data.csv``), if any: a pipe
    is no file an output could replace.
    """
    if str(path) == STDIN:
        try:
            regular = stat.S_ISREG(os.fstat(0).st_mode)
        except OSError:  # no stdin at all
            regular = False
        return [Path(os.path.realpath("/dev/stdin"))] if regular and os.path.exists("/dev/stdin") else []
    path = Path(path)
    side = sidecar_path(path)
    return [path, side] if side.exists() else [path]


def load_data(path, column: str | None = None) -> Dataset:
    """Load user data: CSV/TSV (``column`` or the only numeric one), one number per line, or ``.npy``.

    A file written by :func:`save_dataset` comes with a sidecar; its fingerprint is checked and the
    truth and seed are restored. Text is read by :func:`files.csvread.read_column`. ``-`` reads CSV
    from standard input, and a pipe or FIFO (``/dev/stdin``, ``<(...)``) is read too: both are read
    once to the end into a private temporary file, which the readers' passes then read (its bytes
    are the data's: the fingerprint is that of the values read). Any problem raises
    :class:`DataError` naming the file.
    """
    try:
        if str(path) == STDIN or _is_stream(Path(path)):
            return _load_stream(path, column)
        return _load(Path(path), column, Path(path))
    except OSError as e:  # unreadable (permissions, a device, a vanished file)
        raise DataError(f"{STDIN_NAME if str(path) == STDIN else path}: cannot be read ({e.strerror or e})") from None


def _is_stream(path: Path) -> bool:
    """A pipe, FIFO or character device (read once, front to back), not a regular file or a folder."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def _load_stream(path, column: str | None) -> Dataset:
    """Data read from standard input or a pipe: copied to a temporary file, loaded, messages named as given."""
    stdin = str(path) == STDIN
    name = STDIN_NAME if stdin else str(path)
    if stdin and sys.stdin is None:
        raise DataError(f"{name}: there is no standard input to read")
    if stdin and sys.stdin.isatty():
        raise DataError(f"{name}: is a terminal; pipe the data in (cat data.csv | emvb ...) or give a file")
    with tempfile.TemporaryDirectory(prefix="emvb-data-") as folder:
        tmp = Path(folder) / f"data{'' if stdin else Path(path).suffix}"
        with open(tmp, "wb") as dst, (nullcontext(sys.stdin.buffer) if stdin else open(path, "rb")) as src:
            shutil.copyfileobj(src, dst)
        if tmp.stat().st_size == 0:
            raise DataError(f"{name}: is empty: nothing was read from it")
        try:
            return _load(tmp, column, sidecar_of=None if stdin else Path(path), name=name)
        except DataError as e:  # name what the user gave, not the temporary copy
            raise DataError(str(e).replace(str(tmp), name)) from None


def _load(path: Path, column: str | None, sidecar_of: Path | None, name: str | None = None) -> Dataset:
    """Load ``path``; the sidecar is that of ``sidecar_of`` (None: no sidecar)."""
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    if path.suffix.lower() == ".npy":
        if column is not None:
            raise DataError(f"{path}: --column applies to CSV files, not .npy")
        try:
            arr = np.load(path, allow_pickle=False)
        except Exception as e:  # numpy raises several types for corrupt files
            raise DataError(f"{path}: not a readable .npy file ({type(e).__name__})") from None
        values = check_values(arr, str(path))
    else:
        raw, line_of = read_column(path, column)
        values = check_values(raw, str(path), line_of)
    meta = _sidecar(sidecar_of) if sidecar_of is not None else {}
    ds = Dataset(values=values, name=name or path.name, truth=meta.get("truth"), seed=meta.get("seed"))
    if meta and meta["sha256"] != ds.sha256:
        raise DataError(f"{sidecar_of}: contents differ from the fingerprint in {sidecar_path(sidecar_of).name} "
                        "(edited after it was written?); remove the sidecar to use the file as it is")
    return ds


def _sidecar(path: Path) -> dict:
    """The sidecar's ``sha256``, ``truth`` (MixtureParams or None) and ``seed``; {} without a sidecar."""
    side = sidecar_path(path)
    if not side.exists():
        return {}
    try:
        meta = json.loads(side.read_bytes())
        truth = MixtureParams.from_dict(meta["truth"]) if meta.get("truth") else None
        return {"sha256": meta.get("sha256"), "truth": truth, "seed": meta.get("seed")}
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, TypeError, KeyError):
        raise DataError(f"{side}: sidecar is not a JSON object as emvb writes it; "
                        f"remove it to use {path.name} as it is") from None
