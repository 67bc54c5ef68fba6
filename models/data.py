"""What counts as data, and whether two results saw the same data: validation and fingerprints.

This module is the one home of both questions:

- :func:`check_values` decides what every fit accepts (1-D, real, finite, at least
  :data:`MIN_POINTS` points and :data:`MIN_DISTINCT` distinct values, a spread that the
  standardisation of :mod:`models.scaling` can use). The loaders, the EM, the PyMC model and the
  relabelling all call it, so ``emvb inspect`` checks exactly what the fits check.
- :func:`fingerprint` is the sha256 of the values as little-endian float64 bytes. It is what makes
  "EM and the posterior saw identical data" a guarantee: every fit records it
  (:func:`recorded_sha256` reads it back from any result) and :func:`require_same_data` refuses to
  put together results whose fingerprints differ.

Every problem is a :class:`~models.errors.DataError` whose message names the data and the problem
in one line (the CLI turns it into exit status 2).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numba
import numpy as np

from .errors import DataError
from .params import MixtureParams
from .scaling import Scaling

MIN_POINTS = 10
#: With fewer distinct values the shared-sigma likelihood is unbounded (Hathaway 1985, Ann. Stat.
#: 13:795-800; docs/methods.md §1).
MIN_DISTINCT = 3


def fingerprint(values) -> str:
    """sha256 hex digest of the values as contiguous little-endian float64 bytes (hashed in place)."""
    a = np.ascontiguousarray(np.asarray(values, dtype="<f8"))
    return hashlib.sha256(memoryview(a).cast("B")).hexdigest()


# -- validation: one compiled O(N) scan, never a sort -------------------------------------------


def _scan_loop(x):
    """Count of non-finite values, the first one's index, min and max of the finite ones."""
    n_bad = 0
    first_bad = -1
    lo = math.inf
    hi = -math.inf
    for i in range(x.size):
        v = x[i]
        if not math.isfinite(v):
            if n_bad == 0:
                first_bad = i
            n_bad += 1
        else:
            lo = min(lo, v)
            hi = max(hi, v)
    return n_bad, first_bad, lo, hi


def _between_loop(x, lo, hi):
    """Whether some value lies strictly between ``lo`` and ``hi`` (stops at the first)."""
    for i in range(x.size):
        if lo < x[i] < hi:
            return True
    return False


_scan = numba.njit(cache=True, nogil=True)(_scan_loop)
_between = numba.njit(cache=True, nogil=True)(_between_loop)


def check_values(values, where: str = "data", line_of=None) -> np.ndarray:
    """Refuse data EM and the posterior cannot use; return it as a 1-D float64 array (no copy if it is one).

    Checks, in this order: 1-D, not empty, real numbers, all finite (count and first position of
    NaN/inf), at least :data:`MIN_POINTS` points, at least :data:`MIN_DISTINCT` distinct values, and
    a spread every fit can standardise by (:meth:`models.scaling.Scaling.of`: no value more than
    :data:`models.scaling.MAX_STANDARDISED` interquartile ranges from the median). The checks are
    one compiled pass (count of non-finite values, min, max), a search, stopped at the first hit,
    for a value strictly between min and max, and a partial sort of at most
    :data:`models.scaling.SUBSAMPLE` points; they cost less than one EM iteration.

    Parameters
    ----------
    values : array_like
    where : what to name in the message (a file name, "data")
    line_of : optional line numbers of the values in their file, for the message
    """
    v = np.asarray(values)
    if v.ndim != 1:
        raise DataError(f"{where}: expected a 1-D array, got shape {v.shape}")
    if v.size == 0:
        raise DataError(f"{where}: no data (0 values)")
    if not np.issubdtype(v.dtype, np.number) or np.issubdtype(v.dtype, np.complexfloating):
        raise DataError(f"{where}: values are not real numbers (dtype {v.dtype})")
    v = np.ascontiguousarray(v, dtype=np.float64)
    n_bad, first_bad, lo, hi = _scan(v)
    if n_bad:
        pos = f"line {line_of[first_bad]}" if line_of is not None else f"index {first_bad}"
        raise DataError(f"{where}: {n_bad} value(s) are NaN or infinite (first at {pos}: {v[first_bad]})")
    if v.size < MIN_POINTS:
        raise DataError(f"{where}: only {v.size} data points; at least {MIN_POINTS} are needed")
    if not _between(v, lo, hi):
        distinct = 1 if lo == hi else 2
        raise DataError(
            f"{where}: only {distinct} distinct value(s); with fewer than {MIN_DISTINCT} "
            "the likelihood is unbounded (Hathaway 1985)"
        )
    Scaling.of(v, where, lo=lo, hi=hi)
    return v


@dataclass(frozen=True)
class Dataset:
    """A checked 1-D float64 data set with its fingerprint.

    The values are validated by :func:`check_values` and copied into a read-only array, so the
    fingerprint stays true for the life of the object.

    Attributes
    ----------
    values : float64 array (n,), read-only
    name : where it came from (file name or simulation recipe)
    truth : the parameters it was simulated from, if known
    seed : the simulation seed, if any
    sha256 : fingerprint of ``values`` (see :func:`fingerprint`)
    """

    values: np.ndarray
    name: str = "data"
    truth: MixtureParams | None = None
    seed: int | None = None
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        v = np.array(check_values(self.values, self.name), dtype=np.float64)
        v.setflags(write=False)
        object.__setattr__(self, "values", v)
        object.__setattr__(self, "sha256", fingerprint(v))

    @property
    def n(self) -> int:
        return int(self.values.size)

    def meta(self) -> dict:
        """The JSON sidecar's content: n, sha256, seed, truth."""
        return {
            "n": self.n,
            "sha256": self.sha256,
            "seed": self.seed,
            "truth": None if self.truth is None else self.truth.to_dict(),
            "name": self.name,
        }


def as_dataset(data, name: str = "data") -> Dataset:
    """``data`` as a :class:`Dataset` (a Dataset is returned as it is; an array is checked and copied)."""
    return data if isinstance(data, Dataset) else Dataset(data, name=name)


def checked_values(data, where: str = "data") -> tuple[np.ndarray, str]:
    """Values and fingerprint without a copy: a Dataset's own, or an array checked by :func:`check_values`.

    For the fits' hot paths (EM at N = 10^7 must not copy the data); the caller must not change the
    array while the result is in use.
    """
    if isinstance(data, Dataset):
        return data.values, data.sha256
    values = check_values(data, where)
    return values, fingerprint(values)


# -- "did they see the same data?" --------------------------------------------------------------


def recorded_sha256(obj) -> str | None:
    """The data fingerprint a result records, or None.

    Reads a ``sha256`` attribute (EM results, Datasets) or the ``data_sha256`` attribute of a
    DataTree's root and ``posterior`` group. If those disagree, both are returned joined by
    ``" != "``, so that no comparison with a single fingerprint can succeed.
    """
    sha = getattr(obj, "sha256", None)
    if isinstance(sha, str):
        return sha
    children = getattr(obj, "children", {})
    nodes = (obj, children.get("posterior") if hasattr(children, "get") else None)
    found = [str(n.attrs["data_sha256"]) for n in nodes if "data_sha256" in getattr(n, "attrs", {})]
    if not found:
        return None
    return found[0] if len(set(found)) == 1 else " != ".join(found)


def require_same_data(expected: str | None, got: str | None, what: str, *, require: bool = False) -> None:
    """Refuse (one-line :class:`DataError`) when ``got`` differs from ``expected``.

    ``what`` names the thing checked (e.g. ``"posterior 'ordered'"``). A missing ``got`` is refused
    only when ``require``; a missing ``expected`` accepts anything.
    """
    if got is None:
        if require:
            raise DataError(f"{what} records no data fingerprint (data_sha256); cannot prove it saw the same data")
        return
    if expected and got != expected:
        shown = got if " != " in got else f"{got[:12]}..."
        raise DataError(f"{what}: data fingerprint (sha256) {shown} differs from {expected[:12]}...; "
                        "refusing to combine fits of different data")
