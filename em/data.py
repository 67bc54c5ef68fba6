"""The data EM accepts: 1-D, finite, at least 3 distinct values; with its sha256 fingerprint.

The checks are one compiled O(N) scan (non-finite count, min, max) and a search, stopped at the
first hit, for a value strictly between min and max (3 distinct values), never a sort, so that the
checks cost less than one EM iteration even at N = 10^7.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from models.data import Dataset, fingerprint
from models.errors import DataError


def _scan_loop(x):
    n_bad = 0
    lo = math.inf
    hi = -math.inf
    for i in range(x.size):
        v = x[i]
        if not math.isfinite(v):
            n_bad += 1
        else:
            lo = min(lo, v)
            hi = max(hi, v)
    return n_bad, lo, hi


def _between_loop(x, lo, hi):
    for i in range(x.size):
        if lo < x[i] < hi:
            return True
    return False


_scan = numba.njit(cache=True, nogil=True)(_scan_loop)
_between = numba.njit(cache=True, nogil=True)(_between_loop)


def as_data(x) -> tuple[np.ndarray, str]:
    """Values as a 1-D float64 array and their fingerprint (the Dataset's own, if given one).

    Refuses what EM cannot fit: non-1-D, non-finite, or fewer than 3 distinct values (with fewer the
    shared-sigma likelihood is unbounded; Hathaway 1985, Ann. Stat. 13:795-800).
    """
    if isinstance(x, Dataset):
        values, sha = x.values, x.sha256
    else:
        values, sha = np.ascontiguousarray(x, dtype=float), None
    if values.ndim != 1:
        raise DataError(f"expected 1-D data, got shape {values.shape}")
    if values.size < 3:
        raise DataError(f"only {values.size} data points; EM needs at least 3 distinct values")
    n_bad, lo, hi = _scan(values)
    if n_bad:
        raise DataError(f"{n_bad} value(s) are NaN or infinite")
    if not _between(values, lo, hi):
        raise DataError("fewer than 3 distinct values: the shared-sigma likelihood is unbounded "
                        "(Hathaway 1985)")
    # hashed before the standardised copy exists: the hash's own byte copy then sets the peak (2x data)
    return values, sha if sha is not None else fingerprint(values)
