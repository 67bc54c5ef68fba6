"""Allocation probabilities of every draw of a K-component mixture at the binned data (docs/methods.md §4.10).

For draw ``t`` and a point ``x``, the probability that ``x`` came from component ``k`` is

    p_k(x) = w_k N(x | mu_k, sigma_k^2) / sum_j w_j N(x | mu_j, sigma_j^2).

The data enter through the bins of :mod:`labels.binned` (each bin's points at their mean, weighted
by their count; exact when every point is its own bin), as in the two-component label stage: Stephens,
ECR and the data-based method are the published algorithms applied to the data rounded to the bin
means. The per-draw log-likelihood is ``sum_g [n_g l(m_g) + V_g l''(m_g) / 2]`` (``l = log f``, the
expansion of :mod:`labels.binned` about each bin mean, exact without bins), where for a mixture

    l''(x) = sum_k p_k(x) ((x - mu_k)^2 / sigma_k^4 - 1 / sigma_k^2) - (sum_k p_k(x) (x - mu_k) / sigma_k^2)^2.

The probabilities are stored bins first, ``(bins, draws, K)``, so that every method's sums over points
and over draws are matrix products of that array seen as ``(bins, draws x K)`` (:mod:`labels.kcosts`);
one compiled loop fills it (``draws x bins x K`` evaluations, one thread as in :mod:`labels.binned`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from .binned import LOG_SQRT_2PI, BinnedData
from .kdraws import MixDraws


@dataclass(frozen=True, eq=False)
class Allocations:
    """Allocation probabilities ``pg (bins, draws, K)`` (draws chain-major), the bins they were computed at,
    and every draw's log-likelihood ``(chain, draw)``."""

    pg: np.ndarray
    binned: BinnedData
    loglik: np.ndarray

    @property
    def p(self) -> np.ndarray:
        """The probabilities as ``(draws, bins, K)`` (a view)."""
        return self.pg.transpose(1, 0, 2)

    @property
    def counts(self) -> np.ndarray:
        return self.binned.counts


def _fill(m, n, v, w, mu, sigma, pg, loglik):
    """``pg[g, t, k]`` and ``loglik[t]`` (module note) for bins ``m, n, v`` and draws ``(draws, K)``."""
    k_count = w.shape[1]
    lt = np.empty(k_count)
    for t in range(w.shape[0]):
        total = 0.0
        for g in range(m.size):
            top = -np.inf
            for k in range(k_count):
                z = (m[g] - mu[t, k]) / sigma[t, k]
                lt[k] = math.log(w[t, k]) - math.log(sigma[t, k]) - LOG_SQRT_2PI - 0.5 * z * z
                top = max(top, lt[k])
            s = 0.0
            for k in range(k_count):
                lt[k] = math.exp(lt[k] - top)
                s += lt[k]
            first = 0.0
            second = 0.0
            for k in range(k_count):
                p = lt[k] / s
                pg[g, t, k] = p
                inv = 1.0 / (sigma[t, k] * sigma[t, k])
                dev = m[g] - mu[t, k]
                first += p * dev * inv
                second += p * (dev * dev * inv * inv - inv)
            total += n[g] * (top + math.log(s)) + 0.5 * v[g] * (second - first * first)
        loglik[t] = total


_fill_compiled = numba.njit(cache=True, error_model="numpy", nogil=True)(_fill)


def allocations(binned: BinnedData, draws: MixDraws) -> Allocations:
    """:class:`Allocations` of ``draws`` at the bins ``binned`` (both in the same coordinates)."""
    w, mu, sigma = (np.ascontiguousarray(a, dtype=float) for a in draws.flat())
    pg = np.empty((binned.n_bins, w.shape[0], draws.k))
    loglik = np.empty(w.shape[0])
    _fill_compiled(binned.means, binned.counts, binned.var_sums, w, mu, sigma, pg, loglik)
    return Allocations(pg, binned, loglik.reshape(draws.shape))
