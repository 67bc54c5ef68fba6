"""Parametric-bootstrap tests: seeded replicates run on the machine's cores, p-values with their
Monte-Carlo error.

A replicate is a function of one ``numpy.random.Generator``; replicate ``b`` always gets the
``b``-th child of ``SeedSequence([seed, tag])``, so the results do not depend on how the work is
spread over threads. The threads run in parallel because the heavy part of a replicate, the EM
passes (:mod:`em.kernel`, :mod:`adequacy.unequal`), is compiled without the GIL.

The p-value counts the replicates at least as extreme as the data (Davison & Hinkley 1997, ch. 4)::

    p = (1 + #{b : T_b >= T_obs}) / (B + 1),      MC error = sqrt(p (1 - p) / B)

A replicate whose fit failed (no finite statistic) counts as at least as extreme: the p-value can
only grow, never shrink, from a failure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..models.errors import SettingError
from ..models.machine import available_cores
from .levels import ALPHA, MIN_BOOT, N_BOOT


@dataclass(frozen=True, eq=False)  # holds an array
class BootstrapTest:
    """The observed statistic, its ``B`` bootstrap replicates (NaN: failed) and the p-value."""

    statistic: float
    replicates: np.ndarray

    @property
    def n_boot(self) -> int:
        return int(self.replicates.size)

    @property
    def n_failed(self) -> int:
        return int(np.sum(~np.isfinite(self.replicates)))

    @property
    def n_exceed(self) -> int:
        """Replicates at least as extreme as the data (failed ones included)."""
        r = self.replicates
        return int(np.sum(~np.isfinite(r) | (r >= self.statistic)))

    @property
    def p_value(self) -> float:
        """``(1 + #{T_b >= T_obs}) / (B + 1)``."""
        return (1 + self.n_exceed) / (self.n_boot + 1)

    @property
    def mc_error(self) -> float:
        """Monte-Carlo standard error of the p-value, ``sqrt(p (1 - p) / B)``."""
        p = self.p_value
        return math.sqrt(p * (1.0 - p) / self.n_boot)

    @property
    def rejects(self) -> bool:
        """``p <= ALPHA``."""
        return self.p_value <= ALPHA


def check_n_boot(n_boot: int) -> int:
    """``n_boot`` as an int >= 1, else :class:`SettingError`."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise SettingError(f"n_boot must be a whole number >= 1, got {n_boot!r}")
    return int(n_boot)


def check_can_reject(n_boot: int) -> int:
    """``n_boot`` if a test with that many replicates can reject at level ALPHA, else :class:`SettingError`.

    The smallest p-value ``B`` replicates give is ``1 / (B + 1)``; with ``B < MIN_BOOT`` it exceeds ALPHA,
    so no data could be called inadequate (or two components supported): such a run is refused rather
    than reported as "not rejected".
    """
    b = check_n_boot(n_boot)
    if b < MIN_BOOT:
        raise SettingError(f"n_boot = {b} bootstrap replicates cannot reject at level {ALPHA:g}: the smallest "
                           f"p-value they give is 1/(B + 1) = {1 / (b + 1):.3g} > {ALPHA:g}; use at least "
                           f"{MIN_BOOT} (default {N_BOOT})")
    return b


def run_replicates(replicate: Callable[[np.random.Generator], object], n_boot: int, seed: int, tag: int,
                   workers: int | None = None) -> list:
    """``[replicate(rng_b) for b in range(n_boot)]`` with ``rng_b`` the ``b``-th child of
    ``SeedSequence([seed, tag])``, computed on ``workers`` threads (default: the available cores).

    Ctrl-C cancels the replicates not yet started and waits only for the running ones.
    """
    children = np.random.SeedSequence([int(seed), int(tag)]).spawn(check_n_boot(n_boot))
    workers = available_cores() if workers is None else max(1, int(workers))
    if workers == 1:
        return [replicate(np.random.default_rng(s)) for s in children]
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="emvb-bootstrap")
    try:
        futures = [pool.submit(replicate, np.random.default_rng(s)) for s in children]
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def read_only(a) -> np.ndarray:
    """A read-only float copy of ``a`` (for the frozen records)."""
    r = np.array(a, dtype=float)
    r.setflags(write=False)
    return r


def bootstrap_test(statistic: float, replicates: Sequence[float]) -> BootstrapTest:
    """A :class:`BootstrapTest` from the observed statistic and the replicates' (read-only copy)."""
    return BootstrapTest(float(statistic), read_only(replicates))
