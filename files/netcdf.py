"""netCDF files: read one whole, whatever state it is in, and write one without letting HDF5 touch the disk.

**Reading** (:func:`load_tree`). A damaged file (bytes overwritten, truncated) fails anywhere inside
h5py, h5netcdf or xarray, with any exception type (``KeyError``, ``RuntimeError``,
``AttributeError`` on an attribute HDF5 returned as None, ...), and a half-opened h5netcdf file
left to the garbage collector prints an "Exception ignored" traceback at exit. So every exception
becomes one :class:`~models.errors.DataError` naming the file, and the half-opened objects are
collected at once, with Python's unraisable-exception hook silenced for that collection only.

**Writing** (:func:`atomic_write_netcdf`). When a write fails inside HDF5 (a full disk, a file-size
limit), h5py prints hundreds of traceback lines and can crash the interpreter as it frees its objects
(exit status 139). So the file is built in memory (``to_netcdf()`` without a target returns its bytes;
a results.nc is a few MB) and written by Python through :func:`files.output.atomic_write`, for which a
failed write is one ``OSError`` and one line naming the output and the cause.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from pathlib import Path

from ..models.errors import DataError
from .output import atomic_write


@contextlib.contextmanager
def _unraisable_silenced():
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        yield
    finally:
        sys.unraisablehook = previous


def load_tree(path, what: str = "netCDF", engine: str | None = None):
    """The whole ``xarray.DataTree`` in ``path``, loaded in memory; a one-line :class:`DataError` otherwise.

    ``what`` names the kind of file in the message (``"a netCDF posterior"``).
    """
    import xarray as xr

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    reason = None
    with _unraisable_silenced():
        try:
            with xr.open_datatree(path, engine=engine) as tree:
                return tree.load().copy()
        except Exception as e:  # noqa: BLE001 - a damaged file fails anywhere in h5py/xarray, with any type
            text = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)  # KeyError quotes its text
            first = text.splitlines()[0] if text else ""
            reason = f"{type(e).__name__}: {first}" if first else type(e).__name__
        gc.collect()  # the half-opened file's finaliser fails; let it fail here, silenced, not at exit
    raise DataError(f"{path}: cannot read it as {what} ({reason})")


def netcdf_bytes(tree, engine: str = "h5netcdf") -> bytes:
    """An xarray ``DataTree`` (or ``Dataset``) as the bytes of a netCDF file, built in memory (module note)."""
    return bytes(tree.to_netcdf(engine=engine))  # xarray gives a memoryview, which does not pickle


def with_root_attrs(data: bytes, attrs: dict) -> bytes:
    """netCDF bytes (:func:`netcdf_bytes`, h5netcdf) with the root attributes ``attrs`` set, in memory:
    h5netcdf opens a file object too, so HDF5 writes into the buffer, not to disk (module note)."""
    import io

    import h5netcdf

    if not attrs:
        return data
    buf = io.BytesIO(data)
    with h5netcdf.File(buf, "a") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
    return buf.getvalue()


def atomic_write_netcdf(path, tree, engine: str = "h5netcdf") -> Path:
    """Write an xarray ``DataTree`` (or ``Dataset``), or the bytes :func:`netcdf_bytes` made of one, to ``path``
    as netCDF, atomically (module note)."""
    data = tree if isinstance(tree, bytes) else netcdf_bytes(tree, engine=engine)
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))
