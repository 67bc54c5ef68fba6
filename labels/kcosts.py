"""The objective of every K-component relabelling method as a cost matrix per draw (docs/methods.md §4.10).

Each function returns ``cost (draws, K, K)`` with ``cost[t, j, k]`` what it costs to give component
``j`` of draw ``t`` the label ``k``; a method's permutation of draw ``t`` minimises
``sum_k cost[t, perm[k], k]`` (:func:`labels.kdraws.assign`). The tests evaluate the same objectives
over all K! permutations of small K and check that the assignment found their minimum.

``pg (bins, draws, K)`` are allocation probabilities (:mod:`labels.kalloc`, bins first so that every sum
over points or draws is one matrix product), ``counts`` the number of points of each bin.
"""

from __future__ import annotations

import numpy as np

#: Floor for probabilities before taking logs: 0 * log(0) must count as 0, not NaN.
P_FLOOR = np.finfo(float).tiny


def perm_matrix(perm_flat: np.ndarray) -> np.ndarray:
    """``(draws x K, K)`` one-hot: row ``t K + j``, column ``k`` is 1 where ``perm[t, k] = j``."""
    t, k = perm_flat.shape
    return (perm_flat[:, None, :] == np.arange(k)[None, :, None]).reshape(t * k, k).astype(float)


def label_sums(pg: np.ndarray, perm_flat: np.ndarray) -> np.ndarray:
    """``(bins, K)``: per point and label the sum over draws of the relabelled probabilities,
    ``sum_t p[t, g, perm[t, k]]`` (one matrix product)."""
    return pg.reshape(pg.shape[0], -1) @ perm_matrix(perm_flat)


def mean_relabelled(pg: np.ndarray, perm_flat: np.ndarray) -> np.ndarray:
    """``q (bins, K)``: the relabelled allocation probabilities averaged over draws (Stephens' ``q``)."""
    return label_sums(pg, perm_flat) / pg.shape[1]


def cross(pg: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``(draws, K, K)``: ``sum_g pg[g, t, j] weights[g, k]`` (one matrix product)."""
    g, t, k = pg.shape
    return (pg.reshape(g, t * k).T @ weights).reshape(t, k, weights.shape[1])


def neg_entropy(pg: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``(draws, K)``: ``sum_i p_ij log p_ij`` over the points, per draw and component (constant over labels)."""
    return np.einsum("g,gtj->tj", counts, pg * np.log(np.maximum(pg, P_FLOOR)))


def stephens_cost(pg: np.ndarray, counts: np.ndarray, q: np.ndarray, neg: np.ndarray | None = None) -> np.ndarray:
    """Stephens (2000): ``cost[t, j, k] = sum_i p_ij (log p_ij - log q_ik)`` over the points (bins weighted
    by their counts), so a permutation's total is the Kullback-Leibler divergence of the draw's relabelled
    allocation probabilities from ``q``. ``neg``: :func:`neg_entropy`, when already computed."""
    neg = neg_entropy(pg, counts) if neg is None else neg
    return neg[:, :, None] - cross(pg, counts[:, None] * np.log(np.maximum(q, P_FLOOR)))


def ecr_cost(pg: np.ndarray, counts: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    """ECR (Papastamoulis & Iliopoulos 2010): expected number of points whose relabelled allocation differs
    from the pivot allocation ``pivot (bins,)``: ``cost[t, j, k] = sum_i p_ij [z*_i != k]``. With hard
    allocations (one-hot probabilities) it is the published number of mismatches."""
    k = pg.shape[-1]
    miss = (pivot[:, None] != np.arange(k)[None, :]).astype(float) * counts[:, None]  # (bins, K)
    return cross(pg, miss)


def hard_allocations(pg: np.ndarray) -> np.ndarray:
    """One-hot, same layout, of each draw's most probable allocation of every point (ties: the lowest
    component), the deterministic stand-in for sampled allocations (module note of :mod:`labels.kmethods`)."""
    k = pg.shape[-1]
    return (np.argmax(pg, axis=-1)[..., None] == np.arange(k)).astype(float)


def majority_pivot(onehot: np.ndarray, perm_flat: np.ndarray) -> np.ndarray:
    """ECR iterative version 1's pivot: per point the label most often given by the relabelled allocations."""
    return np.argmax(label_sums(onehot, perm_flat), axis=-1)


def pra_cost(theta: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    """PRA (Marin, Mengersen & Robert 2005): minus the scalar product of the relabelled draw with the pivot,
    ``cost[t, j, k] = - sum_c theta[t, j, c] pivot[k, c]`` over the component parameters ``c``; since
    permuting keeps a draw's norm, the minimum is also the permutation nearest the pivot (Euclidean)."""
    return -np.einsum("tjc,kc->tjk", theta, pivot)


def data_based_cost(pg: np.ndarray, binned, centres: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Rodriguez & Walker (2014): ``cost[t, j, k] = sum_i p_ij ((x_i - c_k) / s_k)^2``, the points allocated to
    component ``j`` measured from label ``k``'s centre in its spread (a bin contributes
    ``n_g (m_g - c_k)^2 + V_g``: exact over its points)."""
    sq = (binned.counts[:, None] * (binned.means[:, None] - centres[None, :]) ** 2
          + binned.var_sums[:, None]) / scales[None, :] ** 2
    return cross(pg, sq)


def data_based_centres(pg: np.ndarray, binned, perm_flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(c, s)`` per label: mean and standard deviation of the data weighted by the relabelled allocation
    probabilities of every draw (the data-based estimates of the components' locations and spreads)."""
    share = label_sums(pg, perm_flat)  # (bins, K): per point of a bin, its summed allocation to each label
    r = share * binned.counts[:, None]
    mass = np.maximum(r.sum(axis=0), P_FLOOR)
    c = (r * binned.means[:, None]).sum(axis=0) / mass
    var = ((r * (binned.means[:, None] - c) ** 2).sum(axis=0) + (share * binned.var_sums[:, None]).sum(axis=0)) / mass
    return c, np.sqrt(np.maximum(var, P_FLOOR))


def total(cost: np.ndarray, perm_flat: np.ndarray) -> np.ndarray:
    """Per draw the cost of ``perm``: ``sum_k cost[t, perm[t, k], k]``."""
    k = cost.shape[-1]
    return cost[np.arange(cost.shape[0])[:, None], perm_flat, np.arange(k)[None, :]].sum(axis=-1)
