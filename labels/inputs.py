"""What the label stage takes from the data, computed once per posterior and shared by the diagnosis
and every relabelling method: the checked data, their bins, every draw's log-likelihood and, when
small enough, every draw's responsibilities (docs/methods.md §8)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.data import checked_values, recorded_sha256, require_same_data
from .binned import BinnedData, bin_data, draw_logliks, loglik_bound
from .draws import Draws, draws_of
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


@dataclass(frozen=True, eq=False)
class LabelInputs:
    """The data-dependent inputs of the label stage for one posterior.

    Attributes
    ----------
    x : the data; binned : their bins (:func:`labels.binned.bin_data`); draws : the posterior's draws
    loglik : every draw's log-likelihood ``(chain, draw)``, within ``loglik_bound`` nats of the exact sum
    held : every draw's responsibilities at every bin, or None when too many to hold
    sums : :func:`labels.passes.label_sums` under the sampler's labels (where Stephens and ECR start)
    """

    x: np.ndarray
    binned: BinnedData
    draws: Draws
    loglik: np.ndarray
    loglik_bound: float
    held: Held | None
    sums: tuple


def prepare(posterior, *, data=None, em_result=None, bins: int | None = None) -> LabelInputs | None:
    """The :class:`LabelInputs` of ``posterior``, or None when no data are given or recorded in the tree."""
    x = data_values(data, posterior, em_result)
    if x is None:
        return None
    draws = draws_of(posterior)
    binned = bin_data(x, bins)
    held, loglik = hold_responsibilities(binned, draws)
    if loglik is None:
        loglik = draw_logliks(binned, draws)[0]
    sums = label_sums(binned, draws, np.zeros(draws.shape, bool), held)
    return LabelInputs(x, binned, draws, loglik, loglik_bound(binned, draws), held, sums)
