"""The objective of every K-component relabelling method as a cost matrix per draw (docs/methods.md §4.10).

Each function returns ``cost (draws, K, K)`` with ``cost[t, j, k]`` what it costs to give component
``j`` of draw ``t`` the label ``k``; a method's permutation of draw ``t`` minimises
``sum_k cost[t, perm[k], k]`` (:func:`labels.kdraws.assign`). The tests evaluate the same objectives
over all K! permutations of small K and check that the assignment found their minimum.

``p (draws, bins, K)`` are allocation probabilities (:mod:`labels.kalloc`), ``counts`` the number of
points of each bin.
"""

from __future__ import annotations

import numpy as np

#: Floor for probabilities before taking logs: 0 * log(0) must count as 0, not NaN.
P_FLOOR = np.finfo(float).tiny


def relabelled(p: np.ndarray, perm_flat: np.ndarray) -> np.ndarray:
    """``p`` with every draw's components relabelled: ``out[t, g, k] = p[t, g, perm[t, k]]``."""
    return np.take_along_axis(p, perm_flat[:, None, :], axis=-1)


def mean_relabelled(p: np.ndarray, perm_flat: np.ndarray) -> np.ndarray:
    """``q (bins, K)``: the relabelled allocation probabilities averaged over draws (Stephens' ``q``)."""
    return relabelled(p, perm_flat).mean(axis=0)


def stephens_cost(p: np.ndarray, counts: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Stephens (2000): ``cost[t, j, k] = sum_i p_ij (log p_ij - log q_ik)`` over the points (bins weighted
    by their counts), so a permutation's total is the Kullback-Leibler divergence of the draw's relabelled
    allocation probabilities from ``q``."""
    pc = p * counts[None, :, None]
    neg_entropy = (pc * np.log(np.maximum(p, P_FLOOR))).sum(axis=1)  # (draws, K): one per component j
    cross = np.einsum("tgj,gk->tjk", pc, np.log(np.maximum(q, P_FLOOR)))
    return neg_entropy[:, :, None] - cross


def ecr_cost(p: np.ndarray, counts: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    """ECR (Papastamoulis & Iliopoulos 2010): expected number of points whose relabelled allocation differs
    from the pivot allocation ``pivot (bins,)``: ``cost[t, j, k] = sum_i p_ij [z*_i != k]``. With hard
    allocations (``p`` one-hot) it is the published number of mismatches."""
    k = p.shape[-1]
    miss = (pivot[:, None] != np.arange(k)[None, :]).astype(float) * counts[:, None]  # (bins, K)
    return np.einsum("tgj,gk->tjk", p, miss)


def hard_allocations(p: np.ndarray) -> np.ndarray:
    """One-hot ``(draws, bins, K)`` of each draw's most probable allocation of every point (ties: the lowest
    component), the deterministic stand-in for sampled allocations (module note of :mod:`labels.kmethods`)."""
    k = p.shape[-1]
    return (np.argmax(p, axis=-1)[..., None] == np.arange(k)).astype(float)


def majority_pivot(onehot: np.ndarray, perm_flat: np.ndarray) -> np.ndarray:
    """ECR iterative version 1's pivot: per point the label most often given by the relabelled allocations."""
    return np.argmax(relabelled(onehot, perm_flat).sum(axis=0), axis=-1)


def pra_cost(theta: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    """PRA (Marin, Mengersen & Robert 2005): minus the scalar product of the relabelled draw with the pivot,
    ``cost[t, j, k] = - sum_c theta[t, j, c] pivot[k, c]`` over the component parameters ``c``; since
    permuting keeps a draw's norm, the minimum is also the permutation nearest the pivot (Euclidean)."""
    return -np.einsum("tjc,kc->tjk", theta, pivot)


def data_based_cost(p: np.ndarray, binned, centres: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Rodriguez & Walker (2014): ``cost[t, j, k] = sum_i p_ij ((x_i - c_k) / s_k)^2``, the points allocated to
    component ``j`` measured from label ``k``'s centre in its spread (a bin contributes
    ``n_g (m_g - c_k)^2 + V_g``: exact over its points)."""
    sq = (binned.counts[:, None] * (binned.means[:, None] - centres[None, :]) ** 2
          + binned.var_sums[:, None]) / scales[None, :] ** 2
    return np.einsum("tgj,gk->tjk", p, sq)


def data_based_centres(p: np.ndarray, binned, perm_flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(c, s)`` per label: mean and standard deviation of the data weighted by the relabelled allocation
    probabilities of every draw (the data-based estimates of the components' locations and spreads)."""
    r = relabelled(p, perm_flat).sum(axis=0) * binned.counts[:, None]  # (bins, K): points per label, summed
    mass = np.maximum(r.sum(axis=0), P_FLOOR)
    c = (r * binned.means[:, None]).sum(axis=0) / mass
    share = r / np.maximum(binned.counts[:, None], P_FLOOR)
    var = ((r * (binned.means[:, None] - c) ** 2).sum(axis=0) + (share * binned.var_sums[:, None]).sum(axis=0)) / mass
    return c, np.sqrt(np.maximum(var, P_FLOOR))


def total(cost: np.ndarray, perm_flat: np.ndarray) -> np.ndarray:
    """Per draw the cost of ``perm``: ``sum_k cost[t, perm[t, k], k]``."""
    k = cost.shape[-1]
    return cost[np.arange(cost.shape[0])[:, None], perm_flat, np.arange(k)[None, :]].sum(axis=-1)
