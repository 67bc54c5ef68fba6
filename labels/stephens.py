"""Stephens' (2000) Kullback-Leibler relabelling, on the binned data (docs/methods.md §4.3).

Stephens, M. (2000) "Dealing with label switching in mixture models", JRSS-B 62:795-809, and
Papastamoulis (2016) JSS 69(c01), R package label.switching, function ``stephens``. With
classification probabilities ``p^(t)_ik`` of point i and label k under draw t, alternate

    q_ik  = mean_t p^(t)_{i, tau_t(k)}
    tau_t = argmin_tau  sum_i sum_k p^(t)_{i,tau(k)} log(p^(t)_{i,tau(k)} / q_ik)

until the objective (the sum over draws of the minimised KL) stops changing. For K = 2 the
``p log p`` part does not depend on tau, and with ``r1``, ``r2`` the responsibilities of draw t

    cost(identity) - cost(swap) = - sum_i (r1_i - r2_i) logit(q_i1)

so a draw is swapped exactly when ``sum_i (r1_i - r2_i) logit(q_i1) < 0``. The sums run over the
bins of :mod:`labels.binned` (each bin's points at their mean, weighted by their count): exact when
every point is its own bin, otherwise Stephens' algorithm on the data rounded to the bin means.
One iteration is one compiled pass over ``draws x bins``.

Differs from sorting only on draws whose allocation pattern matches the other labelling of ``q``
better although their means are in order: near ``mu1 = mu2``, where ``pi1`` rather than the means
decides the allocations.
"""

from __future__ import annotations

import numpy as np

from ..models.draws import Draws
from .binned import BinnedData
from .passes import Held, iterate_passes, label_sums

#: Floor for q before taking logs: q_ik = 0 happens (all draws give r = 0 to a far point) and
#: 0 * log(0) must count as 0, not NaN.
_Q_FLOOR = np.finfo(float).tiny


def _logit_q(s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """``log q_1 - log q_2`` from the two running sums (the 1/T cancels)."""
    return np.log(np.maximum(s1, _Q_FLOOR)) - np.log(np.maximum(s2, _Q_FLOOR))


def stephens_perm(binned: BinnedData, draws: Draws, *, init_perm=None, tol: float = 1e-6,
                  max_iter: int = 100, sums=None, held: Held | None = None) -> tuple[np.ndarray, dict]:
    """Stephens' KL relabelling for K = 2.

    Parameters
    ----------
    binned : the data, :func:`labels.binned.bin_data`
    draws : the posterior draws
    init_perm : (chain, draw) bool starting labels (default: identity, i.e. the sampler's labels)
    tol : stop when the objective changes by less than ``tol * max(1, |objective|)``, or when no
        label changes (an exact fixed point)
    max_iter : at most this many label updates
    sums : :func:`labels.passes.label_sums` under ``init_perm``, when already computed
    held : the responsibilities held in memory (:func:`labels.passes.hold_responsibilities`), if any

    Returns
    -------
    perm : (chain, draw) bool, True where the draw's labels are swapped
    info : ``iterations``, ``objective`` (final total KL, nats), ``objective_trace``, ``converged``,
        ``margin`` (chain, draw): ``|cost(identity) - cost(swap)|`` in nats at the last pass
    """
    total = int(np.prod(draws.shape))
    perm = np.zeros(total, bool) if init_perm is None else np.asarray(init_perm, bool).reshape(-1)
    sums = label_sums(binned, draws, perm, held) if sums is None else sums
    neg_entropy = sums[2]

    def weights(s1, s2):
        return _logit_q(s1, s2), np.log(np.maximum(s2 / total, _Q_FLOOR))

    perm, it = iterate_passes(binned, draws, perm, sums, weights, lambda cross, margin: neg_entropy - cross,
                              tol=tol, max_iter=max_iter, held=held)
    info = {"iterations": it["iterations"], "objective": it["trace"][-1], "objective_trace": it["trace"],
            "converged": it["converged"], "margin": it["margin"].reshape(draws.shape)}
    return perm.reshape(draws.shape), info
