"""What the label stage takes from the data, computed once per posterior and shared by the diagnosis
and every relabelling method: the coordinates it works in, the checked data's bins, every draw's
log-likelihood and, when small enough, every draw's responsibilities (docs/methods.md §4, §8); for K
components (:func:`prepare_k`) the allocation probabilities of every draw at the bins (§4.10).

The coordinates are those of the standardised data ``xs = (x - c) / k`` (:mod:`models.scaling`), the
standardisation EM ran on: every decision of the label stage is then the same for ``x`` and ``a x + b``
(``a > 0``), and no sum over the data or the draws overflows, whatever the data's scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.data import checked_values, recorded_sha256, require_same_data
from ..models.draws import Draws, draws_of
from ..models.errors import DataError
from ..models.scaling import Scaling
from .binned import MIN_BINS, BinnedData, bin_data, default_bins, draw_logliks, loglik_bound
from .kalloc import Allocations, allocations
from .kdraws import MixDraws
from .passes import Held, hold_responsibilities, label_sums


def data_values(data, posterior=None, em_result=None) -> np.ndarray | None:
    """The observed data as float64: from ``data`` (array or Dataset) or the tree's ``observed_data``.

    Refuses data whose sha256 differs from the one the EM fit or the posterior recorded (one-line
    DataError).
    """
    if data is None and posterior is not None and hasattr(posterior, "children") \
            and "observed_data" in posterior.children:
        obs = posterior["observed_data"].to_dataset()
        if len(obs.data_vars) == 1:
            data = next(iter(obs.data_vars.values())).values
    if data is None:
        return None
    values, sha = checked_values(data)
    require_same_data(recorded_sha256(em_result), sha, "the data (against the EM fit's record)", require=False)
    if posterior is not None:
        require_same_data(recorded_sha256(posterior), sha, "the data (against the posterior's record)",
                          require=False)
    return values


def recorded_attrs(posterior) -> dict:
    """The attributes the sampler recorded: those of the ``posterior`` group, overridden by the root's."""
    attrs = dict(getattr(posterior, "attrs", {}))
    if hasattr(posterior, "children") and "posterior" in posterior.children:
        attrs = dict(posterior["posterior"].attrs) | attrs
    return attrs


def label_scaling(em_result=None, x=None, means=None) -> Scaling:
    """The standardisation the label stage works in: the EM fit's (``em_result.scaling``), else the
    data's (:meth:`Scaling.of`, which is what EM would use), else that of the posterior draws of the
    means pooled (``means``, 1-D); the identity when even those have no spread (one repeated point)."""
    scaling = getattr(em_result, "scaling", None)
    if scaling is not None:
        return scaling
    if x is not None:
        return Scaling.of(x)
    if means is not None:
        try:
            return Scaling.of(means, "posterior draws of mu")
        except DataError:
            pass
    return Scaling(0.0, 1.0)


@dataclass(frozen=True, eq=False)
class LabelInputs:
    """The data-dependent inputs of the label stage for one posterior, in standardised coordinates.

    Attributes
    ----------
    scaling : the standardisation (:func:`label_scaling`); everything below is in its coordinates
    binned : the standardised data's bins (:func:`labels.binned.bin_data`)
    draws : the posterior's draws, standardised (:meth:`models.draws.Draws.standardized`)
    loglik : every draw's log-likelihood of the standardised data ``(chain, draw)``, within
        ``loglik_bound`` nats of the exact sum; that of the data differs by the constant ``-N log k``
    held : every draw's responsibilities at every bin, or None when too many to hold
    sums : :func:`labels.passes.label_sums` under the sampler's labels (where Stephens and ECR start)
    """

    scaling: Scaling
    binned: BinnedData
    draws: Draws
    loglik: np.ndarray
    loglik_bound: float
    held: Held | None
    sums: tuple

    @property
    def bin_width(self) -> float:
        """The bins' width in the data's units (0 when every point is its own bin)."""
        return self.scaling.scale * self.binned.width


def prepare(posterior, *, data=None, em_result=None, bins: int | None = None) -> LabelInputs | None:
    """The :class:`LabelInputs` of ``posterior``, or None when no data are given or recorded in the tree."""
    x = data_values(data, posterior, em_result)
    if x is None:
        return None
    scaling = label_scaling(em_result, x)
    draws = draws_of(posterior).standardized(scaling)
    binned = bin_data(scaling.standardize(x), bins)
    held, loglik = hold_responsibilities(binned, draws)
    if loglik is None:
        loglik = draw_logliks(binned, draws)[0]
    sums = label_sums(binned, draws, np.zeros(draws.shape, bool), held)
    return LabelInputs(scaling, binned, draws, loglik, loglik_bound(binned, draws), held, sums)


def label_coordinates(posterior, em_result=None, inputs: LabelInputs | None = None) -> tuple[Scaling, Draws]:
    """``(scaling, standardised draws)``: those of ``inputs`` when given, else of :func:`label_scaling`."""
    if inputs is not None:
        return inputs.scaling, inputs.draws
    raw = draws_of(posterior)
    scaling = label_scaling(em_result, means=np.concatenate([raw.mu1.ravel(), raw.mu2.ravel()]))
    return scaling, raw.standardized(scaling)


@dataclass(frozen=True, eq=False)
class KInputs:
    """K components: the standardisation, the draws in its coordinates, and (with data) their
    :class:`labels.kalloc.Allocations`."""

    scaling: Scaling
    draws: MixDraws
    alloc: Allocations | None

    @property
    def loglik(self) -> np.ndarray | None:
        """Every draw's log-likelihood of the standardised data; that of the data differs by ``-N log k``."""
        return None if self.alloc is None else self.alloc.loglik


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
    """:class:`KInputs` of ``draws`` (in the data's units) and the data ``x`` (float array, or None), in the
    standardisation of :func:`label_scaling` (with the means pooled chain-major); ``bins`` default
    :func:`fitting_bins`."""
    x = None if x is None else np.asarray(x, dtype=float).ravel()
    if x is not None and bins is None:
        bins = fitting_bins(x.size, draws)
    scaling = label_scaling(x=x, means=draws.mu.ravel())
    std = draws.standardized(scaling)
    alloc = None if x is None else allocations(bin_data(scaling.standardize(x), bins), std)
    return KInputs(scaling, std, alloc)
