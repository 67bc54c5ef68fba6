"""Allocation probabilities of every draw of a K-component mixture at the binned data (docs/methods.md §4.10).

For draw ``t`` and a point ``x``, the probability that ``x`` came from component ``k`` is

    p_k(x) = w_k N(x | mu_k, sigma_k^2) / sum_j w_j N(x | mu_j, sigma_j^2).

The data enter through the bins of :mod:`labels.binned` (each bin's points at their mean, weighted
by their count; exact when every point is its own bin), as in the two-component label stage: Stephens,
ECR and the data-based method are the published algorithms applied to the data rounded to the bin
means. The per-draw log-likelihood is ``sum_g [n_g l(m_g) + V_g l''(m_g) / 2]`` (``l = log f``, the
expansion of :mod:`labels.binned` about each bin mean, exact without bins), where for a mixture

    l''(x) = sum_k p_k(x) ((x - mu_k)^2 / sigma_k^4 - 1 / sigma_k^2) - (sum_k p_k(x) (x - mu_k) / sigma_k^2)^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .binned import BinnedData
from .kdraws import MixDraws

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True, eq=False)
class Allocations:
    """Allocation probabilities ``p (draws, bins, K)`` (draws chain-major), the bins they were computed at,
    and every draw's log-likelihood ``(chain, draw)``."""

    p: np.ndarray
    binned: BinnedData
    loglik: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        return self.binned.counts


def allocations(binned: BinnedData, draws: MixDraws) -> Allocations:
    """:class:`Allocations` of ``draws`` at the bins ``binned`` (both in the same coordinates)."""
    w, mu, sigma = draws.flat()
    m = binned.means[None, :, None]
    z = (m - mu[:, None, :]) / sigma[:, None, :]
    with np.errstate(divide="ignore"):
        logw = np.log(w)
    log_terms = logw[:, None, :] - np.log(sigma)[:, None, :] - LOG_SQRT_2PI - 0.5 * z * z
    top = log_terms.max(axis=-1, keepdims=True)
    e = np.exp(log_terms - top)
    tot = e.sum(axis=-1, keepdims=True)
    p = e / tot
    logf = (top + np.log(tot))[..., 0]
    inv_s2 = 1.0 / (sigma * sigma)[:, None, :]
    dev = m - mu[:, None, :]
    second = (p * (dev * dev * inv_s2 * inv_s2 - inv_s2)).sum(-1) - (p * dev * inv_s2).sum(-1) ** 2
    loglik = logf @ binned.counts + 0.5 * second @ binned.var_sums
    return Allocations(p, binned, loglik.reshape(draws.shape))
