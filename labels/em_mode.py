"""Relabelling by the EM optimum each draw leads to (Yao & Lindsay 2009).

Yao, W. & Lindsay, B. G. (2009) "Bayesian mixture labeling by highest posterior density", JASA
104:758-767: run an ascent algorithm from each draw and label the draw by the mode it reaches.
Here the ascent is the project's own EM (:func:`em.climb` from the draw, which reports the optimum
in the draw's own labels), and the optimum reached is labelled by :mod:`labels.pivot` (nearer of
``theta_hat`` and its swap in the metric of the EM covariance).

A property of this model worth knowing: with a shared sigma, the plain EM map never changes the
sign of ``mu1 - mu2``. If ``mu1 > mu2`` the responsibility ``r1 = sigmoid(eta(x))`` increases with
x, and the M-step gives

    mu1' - mu2' = Cov_n(r1, x) (1/mean(r1) + 1/mean(r2)) > 0

(Chebyshev's sum inequality), and symmetrically for ``mu1 < mu2``. So wherever plain EM from a
draw reaches the global maximum, this method labels the draw exactly as ordering by mu does; it can
differ only on draws that lead to another stationary point, or where SQUAREM's extrapolation step
(not an EM map) jumps across ``mu1 = mu2``.

EM runs per draw are the cost, so a thinned, evenly spaced subset of draws per chain is labelled.
"""

from __future__ import annotations

import math

import numpy as np

from .draws import Draws
from .pivot import labelling_distances


def thinned_draws(n_draws: int, n_chains: int, max_fits: int) -> np.ndarray:
    """Evenly spaced draw positions (same in every chain) so that at most ``max_fits`` runs are made."""
    step = max(1, math.ceil(n_draws * n_chains / max(1, int(max_fits))))
    return np.arange(0, n_draws, step)


def em_perm(x, draws: Draws, em_result, *, max_fits: int = 1000, climb_kwargs=None) -> tuple[np.ndarray, dict]:
    """Label a thinned set of draws by the EM optimum each leads to.

    Parameters
    ----------
    x : data (N,)
    draws : the posterior draws
    em_result : the EM fit (its ``params``, ``cov``, ``loglik`` define the labellings and the global optimum)
    max_fits : at most this many EM runs (draws are thinned evenly within each chain)
    climb_kwargs : extra keyword arguments for :func:`em.climb` (e.g. ``tol``)

    Returns
    -------
    perm : (chain, len(draw_index)) bool, True where the draw's labels are swapped
    info : ``draw_index``, ``reached_global`` (chain, draw_index) bool (final log-likelihood within
        ``1e-6 * max(1, |loglik|)`` of the EM optimum), ``share_global``, ``reached_loglik``
    """
    from ..em import climb
    from ..models.scaling import Scaling

    x = np.asarray(x, dtype=float)
    scaling, xs = Scaling.standardized(x)  # once for all runs
    n_chains, n_draws = draws.shape
    index = thinned_draws(n_draws, n_chains, max_fits)
    reached = np.full((n_chains, index.size, 4), np.nan)
    ll = np.empty((n_chains, index.size))
    for c in range(n_chains):
        for j, d in enumerate(index):
            res = climb(x, draws.point(c, int(d)), scaling=scaling, xs=xs, **dict(climb_kwargs or {}))
            if res.params is not None:
                reached[c, j] = res.params.to_array()
            ll[c, j] = res.loglik
    at = Draws(*(reached[..., k] for k in range(4)))
    d_as, d_sw = labelling_distances(at, em_result.params, em_result.cov)
    tol = 1e-6 * max(1.0, abs(float(em_result.loglik)))
    glob = ll >= float(em_result.loglik) - tol
    info = {"draw_index": index, "reached_global": glob, "share_global": float(glob.mean()),
            "reached_loglik": ll, "reached_params": reached}
    return d_sw < d_as, info
