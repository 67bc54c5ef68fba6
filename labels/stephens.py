"""Stephens' (2000) Kullback-Leibler relabelling, in blocks of draws.

Stephens, M. (2000) "Dealing with label switching in mixture models", JRSS-B 62:795-809, and
Papastamoulis (2016) JSS 69(c01), R package label.switching. With classification probabilities
``p^(t)_ik`` of point i and label k under draw t, alternate

    q_ik  = mean_t p^(t)_{i, tau_t(k)}
    tau_t = argmin_tau  sum_i sum_k p^(t)_{i,tau(k)} log(p^(t)_{i,tau(k)} / q_ik)

until the objective (the sum over draws of the minimised KL) stops changing. For K = 2 the
``p log p`` part does not depend on tau, and with ``r1``, ``r2`` the responsibilities of draw t

    cost(identity) - cost(swap) = - sum_i (r1_i - r2_i) logit(q_i1)

so a draw is swapped exactly when ``sum_i (r1_i - r2_i) logit(q_i1) < 0``: a dot product with a
vector of length N. Each iteration is one pass over the draws in blocks of ``block_rows`` draws:
the block's ``draws x points`` responsibilities are computed, give the block's new labels and are
added into the running sums for the next ``q``; no ``draws x points`` array is ever kept.
"""

from __future__ import annotations

import numpy as np

from ..models.density import softplus
from .draws import DEFAULT_BLOCK_BYTES, Draws, block_responsibilities, block_rows, iter_blocks

#: Floor for q before taking logs: q_ik = 0 happens (all draws give r = 0 to a far point) and
#: 0 * log(0) must count as 0, not NaN.
_Q_FLOOR = np.finfo(float).tiny


def _logit_q(s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """``log q_1 - log q_2`` from the two running sums (the 1/T cancels)."""
    return np.log(np.maximum(s1, _Q_FLOOR)) - np.log(np.maximum(s2, _Q_FLOOR))


def _initial_sums(x, draws: Draws, perm: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Pass 0: the running sums of ``q`` under the starting labels, and the label-free
    ``sum_t sum_i sum_k p log p`` (a constant of the objective)."""
    s1 = np.zeros(x.size)
    s2 = np.zeros(x.size)
    neg_entropy = 0.0
    for start, stop in iter_blocks(perm.size, rows):
        r1, r2, e = block_responsibilities(x, draws.flat_block(start, stop))
        sw = perm[start:stop, None]
        s1 += np.where(sw, r2, r1).sum(axis=0)
        s2 += np.where(sw, r1, r2).sum(axis=0)
        # r1 log r1 + r2 log r2 with log r1 = -softplus(-eta), log r2 = -softplus(eta): exact, no 0 log 0
        neg_entropy -= float(np.sum(r1 * softplus(-e)) + np.sum(r2 * softplus(e)))
    return s1, s2, neg_entropy


def _relabel_pass(x, draws: Draws, s1: np.ndarray, s2: np.ndarray, rows: int):
    """One update: each draw's best labels against the current ``q``, the new sums and the cross term.

    Returns ``(perm, s1, s2, cross)`` with ``cross = sum_t sum_i sum_k p_{i,tau_t(k)} log q_ik`` under
    the new labels (the objective is ``neg_entropy - cross``).
    """
    total = int(np.prod(draws.shape))
    lq = _logit_q(s1, s2)
    log_q2 = np.log(np.maximum(s2 / total, _Q_FLOOR))
    new_s1 = np.zeros(x.size)
    new_s2 = np.zeros(x.size)
    cross = 0.0
    perm = np.empty(total, bool)
    for start, stop in iter_blocks(total, rows):
        r1, r2, _ = block_responsibilities(x, draws.flat_block(start, stop))
        sw = (r1 - r2) @ lq < 0  # > 0: identity fits q better than the swap
        perm[start:stop] = sw
        p1 = np.where(sw[:, None], r2, r1)
        p2 = np.where(sw[:, None], r1, r2)
        c1, c2 = p1.sum(axis=0), p2.sum(axis=0)
        new_s1 += c1
        new_s2 += c2
        # p1 log q1 + p2 log q2 = p1 logit(q1) + (p1 + p2) log q2
        cross += float(c1 @ lq + (c1 + c2) @ log_q2)
    return perm, new_s1, new_s2, cross


def stephens_perm(x, draws: Draws, *, init_perm=None, tol: float = 1e-6, max_iter: int = 100,
                  block_bytes: int = DEFAULT_BLOCK_BYTES) -> tuple[np.ndarray, dict]:
    """Stephens' KL relabelling for K = 2.

    Parameters
    ----------
    x : data (N,)
    draws : the posterior draws
    init_perm : (chain, draw) bool starting labels (default: identity, i.e. the sampler's labels)
    tol : stop when the objective changes by less than ``tol * max(1, |objective|)``, or when no
        label changes (an exact fixed point)
    max_iter : at most this many label updates
    block_bytes : memory budget for one ``draws x points`` block

    Returns
    -------
    perm : (chain, draw) bool, True where the draw's labels are swapped
    info : ``iterations``, ``objective`` (final total KL, nats), ``objective_trace``, ``converged``,
        ``block_rows``
    """
    x = np.asarray(x, dtype=float)
    total = int(np.prod(draws.shape))
    perm = np.zeros(total, bool) if init_perm is None else np.asarray(init_perm, bool).reshape(-1).copy()
    rows = block_rows(x.size, block_bytes)
    s1, s2, neg_entropy = _initial_sums(x, draws, perm, rows)
    trace: list[float] = []
    converged = False
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        new_perm, s1, s2, cross = _relabel_pass(x, draws, s1, s2, rows)
        objective = neg_entropy - cross
        changed = int(np.count_nonzero(new_perm != perm))
        perm = new_perm
        converged = bool(trace) and (changed == 0 or abs(trace[-1] - objective) < tol * max(1.0, abs(objective)))
        trace.append(objective)
        if converged:
            break
    info = {"iterations": iterations, "objective": trace[-1], "objective_trace": trace,
            "converged": converged, "block_rows": rows}
    return perm.reshape(draws.shape), info
