"""Draws of a K-component 1-D Gaussian mixture and per-draw permutations of their labels (docs/methods.md §4.10).

A posterior of K >= 2 components is held as three ``(chain, draw, K)`` arrays: the weights ``w``
(summing to 1 in each draw), the means ``mu`` and the sigmas ``sigma`` (a shared sigma repeated K
times, with ``shared`` True). A relabelling is a permutation per draw, an integer array
``perm (chain, draw, K)``: label ``k`` of the relabelled draw is component ``perm[..., k]`` of the
draw as sampled, so ``relabelled[..., k] = sampled[..., perm[..., k]]`` for every component parameter.

Every method that needs one permutation per draw out of K! solves an assignment problem
(:func:`assign`, scipy's ``linear_sum_assignment``, O(K^3) per draw): ``cost[t, j, k]`` is what it
costs to give component ``j`` of draw ``t`` the label ``k``, and the permutation minimises
``sum_k cost[t, perm[k], k]``. No method enumerates the K! permutations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..models.scaling import Scaling


@dataclass(frozen=True)
class MixDraws:
    """Weights, means and sigmas of every draw, each ``(chain, draw, K)`` (module note)."""

    w: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    shared: bool

    @property
    def shape(self) -> tuple[int, int]:
        return self.mu.shape[:2]

    @property
    def k(self) -> int:
        return int(self.mu.shape[-1])

    def permuted(self, perm) -> MixDraws:
        """The draws relabelled by ``perm (chain, draw, K)``: ``new[..., k] = old[..., perm[..., k]]``."""
        perm = np.asarray(perm)
        return MixDraws(*(np.take_along_axis(a, perm, axis=-1) for a in (self.w, self.mu, self.sigma)), self.shared)

    def standardized(self, scaling: Scaling) -> MixDraws:
        """The draws in the coordinates of the standardised data ``(x - c) / k``: means and sigmas mapped,
        weights unchanged. Permuting commutes with this map."""
        return MixDraws(self.w, scaling.standardize(self.mu), self.sigma / scaling.scale, self.shared)

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(w, mu, sigma)`` as ``(draws, K)`` arrays, chain-major."""
        return tuple(a.reshape(-1, self.k) for a in (self.w, self.mu, self.sigma))


def identity(shape: tuple[int, int], k: int) -> np.ndarray:
    """The sampler's labels: ``perm[..., k] = k`` for every draw."""
    return np.broadcast_to(np.arange(k), (*shape, k)).copy()


def order_perm_k(values: np.ndarray) -> np.ndarray:
    """Per draw the permutation that sorts ``values (..., K)`` ascending (a stable sort: ties keep the
    sampler's order); with the means, the ordering constraint mu_1 < ... < mu_K applied after sampling."""
    return np.argsort(values, axis=-1, kind="stable")


def inverse(perm: np.ndarray) -> np.ndarray:
    """``inv`` with ``inv[..., perm[..., k]] = k``: the label that component ``j`` of the sampled draw gets."""
    return np.argsort(perm, axis=-1, kind="stable")


def compose(perm: np.ndarray, then: np.ndarray) -> np.ndarray:
    """The relabelling ``perm`` followed by ``then`` (both ``(..., K)``): ``perm[..., then[..., k]]``."""
    return np.take_along_axis(perm, then, axis=-1)


def assign(cost: np.ndarray) -> np.ndarray:
    """Per draw the permutation minimising ``sum_k cost[t, perm[k], k]``.

    Parameters
    ----------
    cost : ``(draws, K, K)``, ``cost[t, j, k]`` the cost of giving component ``j`` of draw ``t`` label ``k``

    Returns
    -------
    perm : ``(draws, K)`` int, label ``k`` <- component ``perm[t, k]``
    """
    cost = np.asarray(cost, dtype=float)
    out = np.empty(cost.shape[:2], dtype=np.intp)
    for t in range(cost.shape[0]):
        _, labels = linear_sum_assignment(cost[t])  # labels[j]: the label given to component j
        out[t, labels] = np.arange(cost.shape[1])
    return out


def perm_codes(perm: np.ndarray) -> np.ndarray:
    """Each permutation ``(..., K)`` as one integer (base-K digits), for counting labellings."""
    k = perm.shape[-1]
    return (perm * (k ** np.arange(k - 1, -1, -1))).sum(axis=-1)


def perm_of_code(code: int, k: int) -> tuple[int, ...]:
    """The permutation :func:`perm_codes` encoded as ``code``."""
    return tuple(int(code // k**p) % k for p in range(k - 1, -1, -1))


def agreement_k(perms: dict[str, np.ndarray]) -> np.ndarray:
    """``(methods, methods)``: share of draws on which two methods chose the same permutation (``perms``:
    method -> ``(chain, draw, K)``)."""
    names = list(perms)
    out = np.eye(len(names))
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            out[a, b] = out[b, a] = float(np.mean(np.all(perms[names[a]] == perms[names[b]], axis=-1)))
    return out
