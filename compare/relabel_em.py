"""Relabelling by the EM optimum each draw leads to (Yao & Lindsay 2009).

Yao, W. & Lindsay, B. G. (2009) "Bayesian mixture labeling by highest posterior density", JASA
104:758-767: run an ascent algorithm from each draw and label the draw by the mode it reaches.
Here the ascent is the project's own EM (:func:`em.fit` started at the draw, one start), and the
optimum reached is labelled by :mod:`compare.relabel_pivot` (nearer of ``theta_hat`` and its swap
in the metric of the EM covariance).

``em.fit`` reports its estimate with ``mu1 <= mu2`` and relabels the run's trace the same way, so
the optimum in the draw's own labels is read off the trace's first row (the start, in the reported
labelling): if that row is the swapped draw, so is the reported optimum.

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

from models.params import MixtureParams

from .relabel_core import Draws
from .relabel_pivot import labelling_distances


def thinned_draws(n_draws: int, n_chains: int, max_fits: int) -> np.ndarray:
    """Evenly spaced draw positions (same in every chain) so that at most ``max_fits`` runs are made."""
    step = max(1, math.ceil(n_draws * n_chains / max(1, int(max_fits))))
    return np.arange(0, n_draws, step)


def in_start_labels(result, start: MixtureParams) -> MixtureParams:
    """The optimum ``result.params`` in the labelling of ``start``.

    ``result.trace.params[0]`` is the start in the reported labelling: it is ``start`` itself or its
    swap, whichever it is nearer to decides.
    """
    first = np.asarray(result.trace.params)[0]
    same = np.sum((first - start.to_array()) ** 2) <= np.sum((first - start.swapped().to_array()) ** 2)
    return result.params if same else result.params.swapped()


def em_perm(x, draws: Draws, em_result, *, max_fits: int = 1000, fit_kwargs=None) -> tuple[np.ndarray, dict]:
    """Label a thinned set of draws by the EM optimum each leads to.

    Parameters
    ----------
    x : data (N,)
    draws : the posterior draws
    em_result : the EM fit (its ``params``, ``cov``, ``loglik`` define the labellings and the global optimum)
    max_fits : at most this many EM runs (draws are thinned evenly within each chain)
    fit_kwargs : extra keyword arguments for :func:`em.fit` (e.g. ``tol``)

    Returns
    -------
    perm : (chain, len(draw_index)) bool, True where the draw's labels are swapped
    info : ``draw_index``, ``reached_global`` (chain, draw_index) bool (final log-likelihood within
        ``1e-6 * max(1, |loglik|)`` of the EM optimum), ``share_global``, ``reached_loglik``
    """
    import em  # the EM package sits below compare; imported here to keep this module light

    x = np.asarray(x, dtype=float)
    n_chains, n_draws = draws.shape
    index = thinned_draws(n_draws, n_chains, max_fits)
    kwargs = {"n_init": 1} | dict(fit_kwargs or {})
    reached = np.empty((n_chains, index.size, 4))
    ll = np.empty((n_chains, index.size))
    for c in range(n_chains):
        for j, d in enumerate(index):
            start = draws.point(c, int(d))
            res = em.fit(x, init=start, **kwargs)
            reached[c, j] = in_start_labels(res, start).to_array()
            ll[c, j] = res.loglik
    at = Draws(*(reached[..., k] for k in range(4)))
    d_as, d_sw = labelling_distances(at, em_result.params, em_result.cov)
    tol = 1e-6 * max(1.0, abs(float(em_result.loglik)))
    glob = ll >= float(em_result.loglik) - tol
    info = {"draw_index": index, "reached_global": glob, "share_global": float(glob.mean()),
            "reached_loglik": ll, "reached_params": reached}
    return d_sw < d_as, info
