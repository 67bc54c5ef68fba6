"""The fits every likelihood-ratio statistic of the adequacy checks is made of, taken to their maxima
(docs/methods.md §9.1-9.2), on the data and on every bootstrap replicate alike.

A statistic ``2 (L_alt - L_null)`` is only as good as its two maxima: a fit stopped short of either
moves it (the former unequal-sd fit, two starts and at most 100 SQUAREM iterations, fell short by more
than 0.05 log-likelihood units on 9 of 28 normal and overlapping data sets of n = 500, by up to 2.2).
Both kinds of fit therefore

- start from several points, run each briefly (:data:`SCREEN_ITER` SQUAREM iterations, on at most
  :data:`SCREEN_POINTS` evenly spaced order statistics) and take the best run that converged there and
  the best (:data:`KEEP_SHARED`, :data:`KEEP`) still climbing on to convergence on all the data: a cheap
  screen instead of running every start to the end; and
- stop on the log-likelihood: every run is finished by Newton's method until the gain it predicts is at
  most :data:`SHARED_LOGLIK_TOL` (shared sigma) or :data:`UNEQUAL_LOGLIK_TOL` (unequal sds,
  :mod:`adequacy.unequal_newton`: on the flat ridges of one-normal data EM alone creeps for 10,000
  iterations and stops short).

On 42 data sets (normal, overlapping, separated; n = 500) every fit is within 1e-6 of the maximum an
independent optimiser finds from ~100 starts (benchmarks/lrt_maxima.py).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..em import Climb, EMResult, climb, observed_information, score
from ..em.coords import params as params_of_u
from ..em.coords import to_u
from ..em.iterate import REASON_MAX_ITER
from ..em.kernel import sums_numba
from ..em.starts import make_starts
from ..models.errors import ParamError
from ..models.params import MixtureParams
from ..models.scaling import Scaling
from .unequal import UnequalFit, fit_unequal
from .unequal_starts import unequal_starts

#: SQUAREM iterations every start runs before the best KEEP distinct unfinished ones (and the best finished
#: one) are taken on to convergence; the
#: screen runs on at most SCREEN_POINTS evenly spaced order statistics of the data (its density's shape).
SCREEN_ITER, KEEP, SCREEN_POINTS = 10, 3, 2000
#: Shared-sigma runs taken on to convergence (one: its basins are few, and each run on one-normal data
#: creeps for hundreds of EM iterations)
KEEP_SHARED = 1
#: A shared-sigma fit is finished by Newton steps until the gain they predict (half the Newton
#: decrement) is at most this: EM's own rule (one step gaining <= 1e-10 per point) stops up to 3e-6 short
#: at n = 500 where EM is slow, and a tighter EM rule costs thousands of iterations on one-normal data.
SHARED_LOGLIK_TOL = 1e-10
#: Newton steps at most (each step halved until the log-likelihood does not fall, at most 6 times).
NEWTON_STEPS = 8
#: An unequal-sd run has converged once the gain Newton's method predicts (the Newton decrement) is at most this.
UNEQUAL_LOGLIK_TOL = 1e-8
#: Generated EM starts (:func:`em.starts.make_starts`: the 2-means split, the largest and the smallest
#: point alone, a k-means++ seeding) for every shared-sigma refit of a replicate.
REPLICATE_STARTS = 4


def _loglik_std(xs: np.ndarray, p: MixtureParams) -> float:
    return float(sums_numba(xs, to_u(p))[0])


def newton_polish(xs: np.ndarray, p: MixtureParams, loglik: float) -> tuple[MixtureParams, float]:
    """Newton's method on the shared-sigma log-likelihood of standardised data ``xs`` from an EM end point
    ``p`` (standardised units, log-likelihood ``loglik``), with Louis' observed information (exact minus the
    Hessian, em/information.py): ``theta' = theta + t I^(-1) s``, ``t`` halved until ``L`` does not fall.
    Stops once the predicted gain ``s' I^(-1) s / 2`` is at most :data:`SHARED_LOGLIK_TOL`; leaves a point
    where ``I`` is not positive definite (not a strict maximum: the one-normal ridge) as it is."""
    for _ in range(NEWTON_STEPS):
        info, grad = observed_information(xs, p), score(xs, p)
        try:
            np.linalg.cholesky(info)
        except np.linalg.LinAlgError:
            break
        step = np.linalg.solve(info, grad)
        if not 0.5 * float(grad @ step) > SHARED_LOGLIK_TOL:
            break
        t = 1.0
        for _ in range(7):
            try:
                q = MixtureParams.from_array(p.to_array() + t * step)
                lq = _loglik_std(xs, q)
            except ParamError:
                lq = -math.inf
            if lq >= loglik:
                break
            t *= 0.5
        else:
            break
        p, loglik = q, lq
    return p, loglik


def _polished(c: Climb, sc: Scaling, ys: np.ndarray) -> Climb:
    """``c`` finished by :func:`newton_polish` (its estimate and log-likelihood in the data's units)."""
    p0 = sc.params_to_std(c.params)
    p, ll = newton_polish(ys, p0, _loglik_std(ys, p0))
    ll = sc.loglik_from_std(ll, ys.size)
    return dataclasses.replace(c, params=sc.params_from_std(p), loglik=ll) if ll > c.loglik else c


def _screen_data(ys: np.ndarray) -> np.ndarray:
    k = max(1, ys.size // SCREEN_POINTS)
    return ys if k == 1 else np.sort(ys)[k // 2::k]


def best_shared(y: np.ndarray, starts: list[MixtureParams], sc: Scaling, ys: np.ndarray) -> Climb | None:
    """The highest shared-sigma maximum EM reaches from ``starts``: each screened for :data:`SCREEN_ITER`
    SQUAREM iterations (on :data:`SCREEN_POINTS` order statistics at most), the best run that stopped
    there and the :data:`KEEP_SHARED` best still climbing run to EM's convergence on all the data and
    finished by :func:`newton_polish`; None if every run emptied a component or failed."""
    sub = _screen_data(ys)
    runs = [climb(sub, p, max_iter=SCREEN_ITER, scaling=sc, xs=sub) for p in starts]
    runs = sorted((r for r in runs if r.params is not None and math.isfinite(r.loglik)), key=lambda r: -r.loglik)
    # the best run that stopped in the screen and the KEEP_SHARED best still climbing (adequacy.unequal)
    runs = ([r for r in runs if r.reason != REASON_MAX_ITER][:1]
            + [r for r in runs if r.reason == REASON_MAX_ITER][:KEEP_SHARED])
    done = []
    for r in runs:
        if r.reason == REASON_MAX_ITER or sub is not ys:  # not finished: go on from where it stopped
            more = climb(y, r.params, scaling=sc, xs=ys)
            r = more if more.params is not None and (sub is not ys or more.loglik >= r.loglik) else r
        done.append(_polished(r, sc, ys) if r.params is not None else r)
    return max(done, key=lambda r: r.loglik) if done else None


def replicate_starts(ys: np.ndarray, sc: Scaling, rng: np.random.Generator) -> list[MixtureParams]:
    """:data:`REPLICATE_STARTS` generated starts for standardised replicate data, in its units."""
    return [params_of_u(sc, s.u) for s in make_starts(ys, REPLICATE_STARTS, rng)]


def shared_loglik(x: np.ndarray, fit: EMResult, sc: Scaling, xs: np.ndarray) -> float:
    """The data's shared-sigma maximum: ``fit`` (``em.fit``, many starts) finished by :func:`newton_polish`."""
    p0 = sc.params_to_std(fit.params)
    _, ll = newton_polish(xs, p0, _loglik_std(xs, p0))
    return max(fit.loglik, sc.loglik_from_std(ll, xs.size))


def unequal_fit(y, shared: MixtureParams, sc: Scaling, ys: np.ndarray) -> UnequalFit:
    """The unequal-variance fit every statistic of the shared-sigma test uses, on the data and on each
    replicate alike: constrained EM from :func:`adequacy.unequal_starts.unequal_starts`, screened, the
    best unfinished :data:`KEEP` (distinct) and the best finished run to convergence."""
    return fit_unequal(y, unequal_starts(shared, sc, ys), scaling=sc, xs=ys, tol=UNEQUAL_LOGLIK_TOL,
                       screen_iter=SCREEN_ITER, keep=KEEP, screen_points=SCREEN_POINTS)
