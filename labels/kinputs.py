"""What the K-component label stage takes from the data, computed once and shared by every method and the
diagnosis: the standardisation it works in, the standardised draws, and their allocation probabilities
and log-likelihoods at the binned data (docs/methods.md §4.10).

The coordinates are those of the standardised data (:mod:`models.scaling`, as the two-component stage,
:mod:`labels.inputs`): every decision is the same for data ``x`` and ``a x + b`` (``a > 0``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.errors import DataError
from ..models.scaling import Scaling
from .binned import MIN_BINS, bin_data, default_bins
from .kalloc import Allocations, allocations
from .kdraws import MixDraws


@dataclass(frozen=True, eq=False)
class KInputs:
    """The standardisation, the draws in its coordinates, and (with data) their :class:`Allocations`."""

    scaling: Scaling
    draws: MixDraws
    alloc: Allocations | None

    @property
    def loglik(self) -> np.ndarray | None:
        """Every draw's log-likelihood of the standardised data; that of the data differs by ``-N log k``."""
        return None if self.alloc is None else self.alloc.loglik


def scaling_of(x, draws: MixDraws) -> Scaling:
    """The data's standardisation (what EM would use), else that of the pooled posterior means, else none."""
    if x is not None:
        return Scaling.of(x)
    try:
        return Scaling.of(draws.mu.ravel(), "posterior draws of mu")
    except DataError:
        return Scaling(0.0, 1.0)


#: Largest ``bins x draws x K`` of the allocation probabilities (256 MB of float64) when the bins are not given.
MAX_CELLS = 2**25


def fitting_bins(n: int, draws: MixDraws) -> int:
    """:func:`labels.binned.default_bins`, halved (down to ``MIN_BINS``) until the probabilities fit
    :data:`MAX_CELLS`: the coarser bins round the data more (every point moves by less than the bin width)."""
    bins = default_bins(n)
    cells = int(np.prod(draws.shape)) * draws.k
    while bins > MIN_BINS and bins * cells > MAX_CELLS:
        bins //= 2
    return bins


def prepare_k(draws: MixDraws, x=None, *, bins: int | None = None) -> KInputs:
    """:class:`KInputs` of ``draws`` (in the data's units) and the data ``x`` (float array, or None); ``bins``
    default :func:`fitting_bins`."""
    x = None if x is None else np.asarray(x, dtype=float).ravel()
    if x is not None and bins is None:
        bins = fitting_bins(x.size, draws)
    scaling = scaling_of(x, draws)
    std = draws.standardized(scaling)
    alloc = None if x is None else allocations(bin_data(scaling.standardize(x), bins), std)
    return KInputs(scaling, std, alloc)
