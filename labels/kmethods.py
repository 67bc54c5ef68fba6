"""Relabelling methods for K components: one permutation per draw, each as published (docs/methods.md §4.10).

Every method minimises its objective (:mod:`labels.kcosts`) by solving an assignment problem per draw
(:func:`labels.kdraws.assign`). The iterative ones (Stephens, ECR iterative 1 and 2, data-based)
alternate "estimate the reference from the relabelled draws" and "relabel every draw against it"
until no permutation changes (their published fixed point; at most ``max_iter`` rounds). Their
objectives do not change when all draws' labels are permuted alike, so their solution is then
permuted as a whole to put the relabelled posterior means of mu in ascending order (the convention
of the ordering constraint and of EM), which changes no objective.

The sampler integrates the allocations out; where the published ECR uses sampled allocations
``z^(t)`` these are replaced by deterministic ones (no seed): ``ecr_pivot`` and ``ecr_iterative_2``
count *expected* mismatches under the allocation probabilities (as the two-component
:mod:`labels.ecr`), ``ecr_iterative_1`` the mismatches of each draw's most probable allocations,
with its pivot the per-point majority of the relabelled ones (the published update).
"""

from __future__ import annotations

import numpy as np

from ..models.errors import SettingError
from . import kcosts
from .kalloc import Allocations
from .kdraws import MixDraws, assign, compose, identity, order_perm_k
from .methods import ALIASES, METHOD_INFO_K, METHODS_K
from .pra import pivot_position

INITS = ("order", "identity")


def _start(draws: MixDraws, init: str) -> np.ndarray:
    if init not in INITS:
        raise SettingError(f"init must be one of {', '.join(INITS)}, got {init!r}")
    perm = order_perm_k(draws.mu) if init == "order" else identity(draws.shape, draws.k)
    return perm.reshape(-1, draws.k)


def iterate(perm: np.ndarray, cost_of, max_iter: int) -> tuple[np.ndarray, dict]:
    """Alternate ``cost = cost_of(perm)`` and ``perm = assign(cost)`` until no permutation changes.

    Returns ``(perm (draws, K), info)`` with ``iterations``, ``converged`` and ``objective_trace`` (the
    total cost of each round's permutations under that round's reference)."""
    trace = []
    converged = False
    for _ in range(max_iter):
        cost = cost_of(perm)
        new = assign(cost)
        trace.append(float(kcosts.total(cost, new).sum()))
        if np.array_equal(new, perm):
            converged = True
            break
        perm = new
    return perm, {"iterations": len(trace), "converged": converged, "objective_trace": trace}


def ascending(draws: MixDraws, perm: np.ndarray) -> np.ndarray:
    """``perm`` followed by the one global permutation that makes the relabelled mean of mu ascending."""
    means = draws.permuted(perm).mu.reshape(-1, draws.k).mean(axis=0)
    glob = np.argsort(means, kind="stable")
    return compose(perm, np.broadcast_to(glob, perm.shape))


def _pivot_draw(draws: MixDraws, alloc: Allocations, log_prior=None) -> tuple[tuple[int, int], np.ndarray]:
    """Position of the pivot draw and its permutation to ascending means (its own labelling sorted)."""
    lp = alloc.loglik if log_prior is None else alloc.loglik + log_prior
    c, d = pivot_position(lp)
    return (c, d), order_perm_k(draws.mu[c, d])


def run_method(method: str, draws: MixDraws, alloc: Allocations | None, *, init: str = "order",
               max_iter: int = 100, log_prior=None) -> tuple[np.ndarray, dict]:
    """Permutations ``(chain, draw, K)`` of ``method`` (one of :data:`METHODS_K` or :data:`ALIASES`) and its info.

    ``draws`` and ``alloc`` are in the standardised coordinates of the data; ``init`` starts the iterative
    methods ("order": sorted by mu; "identity": the sampler's labels); ``log_prior (chain, draw)`` is added
    to the log-likelihood to choose the pivot of PRA and ECR with a pivot (none: a flat prior)."""
    method = ALIASES.get(method, method)
    if method not in METHODS_K:
        raise SettingError(f"unknown relabelling method {method!r}; choose from {', '.join(METHODS_K)}")
    if METHOD_INFO_K[method][2] and alloc is None:
        raise SettingError(f"relabelling method {method!r} needs the observed data")
    shape, k = draws.shape, draws.k
    info: dict = {}
    if method in ("order", "order_weights"):
        perm = order_perm_k(draws.mu if method == "order" else draws.w).reshape(-1, k)
    elif method == "pra":
        pos, sort = _pivot_draw(draws, alloc, log_prior)
        pivot = _component_params(draws, pos)[sort]
        perm = assign(kcosts.pra_cost(_component_params(draws), pivot))
        info = {"pivot_position": pos}
    elif method == "ecr_pivot":
        pos, sort = _pivot_draw(draws, alloc, log_prior)
        t = pos[0] * shape[1] + pos[1]
        z = np.argmax(alloc.pg[:, t][:, sort], axis=-1)  # the pivot draw's allocations, labels by ascending mean
        perm = assign(kcosts.ecr_cost(alloc.pg, alloc.counts, z))
        info = {"pivot_position": pos, "pivot": z}
    else:
        perm, info = _iterative(method, draws, alloc, _start(draws, init), max_iter)
        perm = ascending(draws, perm.reshape(*shape, k)).reshape(-1, k)
    return perm.reshape(*shape, k), info


def _iterative(method: str, draws: MixDraws, alloc: Allocations, perm0: np.ndarray, max_iter: int):
    pg, counts = alloc.pg, alloc.counts
    if method == "stephens":
        neg = kcosts.neg_entropy(pg, counts)  # the same in every round
        return iterate(perm0, lambda perm: kcosts.stephens_cost(pg, counts, kcosts.mean_relabelled(pg, perm), neg),
                       max_iter)
    if method == "ecr_iterative_2":
        return iterate(perm0, lambda perm: kcosts.ecr_cost(pg, counts, np.argmax(kcosts.label_sums(pg, perm), -1)),
                       max_iter)
    if method == "ecr_iterative_1":
        hard = kcosts.hard_allocations(pg)
        return iterate(perm0, lambda perm: kcosts.ecr_cost(hard, counts, kcosts.majority_pivot(hard, perm)), max_iter)
    binned = alloc.binned
    return iterate(perm0, lambda perm: kcosts.data_based_cost(pg, binned, *kcosts.data_based_centres(pg, binned, perm)),
                   max_iter)


def _component_params(draws: MixDraws, pos: tuple[int, int] | None = None) -> np.ndarray:
    """Per component ``(w_k, mu_k[, sigma_k])``: ``(draws, K, 2 or 3)``, or ``(K, ...)`` of the draw at ``pos``.
    A shared sigma is left out (it is the same under every permutation and would add a constant)."""
    parts = [draws.w, draws.mu] + ([] if draws.shared else [draws.sigma])
    theta = np.stack(parts, axis=-1)
    return theta[pos] if pos is not None else theta.reshape(-1, draws.k, theta.shape[-1])
