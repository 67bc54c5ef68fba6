"""The fits every likelihood-ratio statistic of the adequacy checks is made of, taken to their maxima
(docs/methods.md §9.1-9.2), on the data and on every bootstrap replicate alike.

A statistic ``2 (L_alt - L_null)`` is only as good as its two maxima: a fit stopped short of either
moves it (the former unequal-sd fit, two starts and at most 100 SQUAREM iterations, fell short by more
than 0.05 log-likelihood units on 9 of 28 normal and overlapping data sets of n = 500, by up to 2.2).
Both kinds of fit therefore

- start from several points, run each briefly (:data:`SCREEN_ITER` SQUAREM iterations of the compiled
  constrained EM, on at most :data:`SCREEN_POINTS` evenly spaced order statistics; a shared sigma is the
  sd ratio held at 1) and take the best run that converged there and the best (:data:`KEEP_SHARED`,
  :data:`KEEP`) still climbing on to convergence on all the data: a cheap screen instead of running
  every start to the end; and
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

from ..em import Climb, EMResult, climb
from ..em.coords import params as params_of_u
from ..em.coords import start_u, to_u
from ..em.information import score_and_information
from ..em.iterate import REASON_MAX_ITER, REASON_TOL
from ..em.kernel import sums_numba
from ..em.starts import make_starts
from ..models.errors import ParamError
from ..models.params import MixtureParams
from ..models.scaling import Scaling
from .unequal import UnequalFit, constrained_em, fit_unequal, screen_data
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
#: EM iterations between two tries of Newton's method on a shared-sigma run not yet at its maximum
NEWTON_EVERY = 20
#: EM iterations at most per shared-sigma run (em.climb's own bound): a safeguard
MAX_ITER = 10_000
#: An unequal-sd run has converged once the gain Newton's method predicts (the Newton decrement) is at most this.
UNEQUAL_LOGLIK_TOL = 1e-8
#: Generated EM starts (:func:`em.starts.make_starts`: the 2-means split, the largest and the smallest
#: point alone, a k-means++ seeding) for every shared-sigma refit of a replicate.
REPLICATE_STARTS = 4


def _loglik_std(xs: np.ndarray, p: MixtureParams) -> float:
    return float(sums_numba(xs, to_u(p))[0])


def newton_polish(xs: np.ndarray, p: MixtureParams) -> tuple[MixtureParams, float, bool]:
    """Newton's method on the shared-sigma log-likelihood of standardised data ``xs`` from an EM point ``p``
    (standardised units), with Louis' observed information (exact minus the
    Hessian, em/information.py): ``theta' = theta + t I^(-1) s``, ``t`` halved until ``L`` does not fall.
    Returns the point, its log-likelihood and whether it converged: the predicted gain
    ``s' I^(-1) s / 2`` at most :data:`SHARED_LOGLIK_TOL` where ``I`` is positive definite. Where it is
    not (not a strict maximum: the one-normal ridge) it stops, not converged."""
    loglik = _loglik_std(xs, p)
    for _ in range(NEWTON_STEPS):
        grad, info = score_and_information(xs, p)
        try:
            np.linalg.cholesky(info)
        except np.linalg.LinAlgError:
            return p, loglik, False
        step = np.linalg.solve(info, grad)
        if not 0.5 * float(grad @ step) > SHARED_LOGLIK_TOL:
            return p, loglik, True
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
            return p, loglik, False
        p, loglik = q, lq
    return p, loglik, False


def _finished(r: Climb, y: np.ndarray, sc: Scaling, ys: np.ndarray) -> Climb:
    """Run ``r`` (on all the data) taken to its maximum: :func:`newton_polish` from where EM is, and while
    it does not converge and EM has not stopped, :data:`NEWTON_EVERY` more EM iterations and again (EM
    creeps where the maximum is poorly conditioned; Newton does not). In the data's units."""
    n_iter = r.n_iter
    while True:
        p, ll, ok = newton_polish(ys, sc.params_to_std(r.params))
        ll = sc.loglik_from_std(ll, ys.size)
        if ok or r.reason != REASON_MAX_ITER or n_iter >= MAX_ITER:
            if ll > r.loglik:
                r = dataclasses.replace(r, params=sc.params_from_std(p), loglik=ll)
            return dataclasses.replace(r, converged=r.converged or ok, n_iter=n_iter)
        more = climb(y, r.params, max_iter=NEWTON_EVERY, scaling=sc, xs=ys)
        if more.params is None:
            return more
        r, n_iter = more, n_iter + more.n_iter


def _screen_shared(sub: np.ndarray, starts: list[MixtureParams], sc: Scaling) -> list[Climb]:
    """Each start run :data:`SCREEN_ITER` SQUAREM iterations on ``sub`` by the compiled constrained EM with
    the sd ratio held at 1 (:func:`adequacy.unequal.constrained_em`: EM for a shared sigma, no Python
    between iterations), as :class:`Climb` records in the data's units (log-likelihoods on ``sub``, for
    ranking), the runs that emptied a component left out."""
    out = []
    for p in starts:
        u = start_u(sc, p)
        u, ll, it, status = constrained_em(sub, np.array([*u, u[3]]), 1.0, UNEQUAL_LOGLIK_TOL, SCREEN_ITER)
        if status == 2 or not math.isfinite(ll):
            continue
        try:
            end = params_of_u(sc, u[:4])
        except ParamError:
            continue
        out.append(Climb(params=end, loglik=sc.loglik_from_std(ll, sub.size), converged=status == 0,
                         reason=REASON_MAX_ITER if status == 1 else REASON_TOL, n_iter=int(it)))
    return out


def best_shared(y: np.ndarray, starts: list[MixtureParams], sc: Scaling, ys: np.ndarray) -> Climb | None:
    """The highest shared-sigma maximum EM reaches from ``starts``: each screened for :data:`SCREEN_ITER`
    SQUAREM iterations (:func:`_screen_shared`, on :data:`SCREEN_POINTS` order statistics at most), the
    best run that stopped there and the :data:`KEEP_SHARED` best still climbing go on on all the data by
    EM (:func:`em.climb`, whose own stopping rule and maximum check decide) to their maxima
    (:func:`_finished`: EM and Newton's method); None if every run emptied a component or failed."""
    sub = screen_data(ys, SCREEN_POINTS)
    runs = sorted(_screen_shared(sub, starts, sc), key=lambda r: -r.loglik)
    # the best run that stopped in the screen and the KEEP_SHARED best still climbing (adequacy.unequal)
    runs = ([r for r in runs if r.reason != REASON_MAX_ITER][:1]
            + [r for r in runs if r.reason == REASON_MAX_ITER][:KEEP_SHARED])
    done = []
    for r in runs:
        more = climb(y, r.params, max_iter=NEWTON_EVERY, scaling=sc, xs=ys)
        r = dataclasses.replace(more, n_iter=more.n_iter + r.n_iter)
        done.append(_finished(r, y, sc, ys) if r.params is not None else r)
    done = [r for r in done if r.params is not None and math.isfinite(r.loglik)]
    return max(done, key=lambda r: r.loglik) if done else None


def replicate_starts(ys: np.ndarray, sc: Scaling, rng: np.random.Generator,
                     n: int = REPLICATE_STARTS) -> list[MixtureParams]:
    """``n`` generated starts (:func:`em.starts.make_starts`) for standardised replicate data, in its units."""
    return [params_of_u(sc, s.u) for s in make_starts(ys, n, rng)]


def shared_loglik(x: np.ndarray, fit: EMResult, sc: Scaling, xs: np.ndarray) -> float:
    """The data's shared-sigma maximum: ``fit`` (``em.fit``, many starts) finished by :func:`newton_polish`."""
    _, ll, _ = newton_polish(xs, sc.params_to_std(fit.params))
    return max(fit.loglik, sc.loglik_from_std(ll, xs.size))


def unequal_fit(y, shared: MixtureParams, sc: Scaling, ys: np.ndarray) -> UnequalFit:
    """The unequal-variance fit every statistic of the shared-sigma test uses, on the data and on each
    replicate alike: constrained EM from :func:`adequacy.unequal_starts.unequal_starts`, screened, the
    best unfinished :data:`KEEP` (distinct) and the best finished run to convergence."""
    return fit_unequal(y, unequal_starts(shared, sc, ys), scaling=sc, xs=ys, tol=UNEQUAL_LOGLIK_TOL,
                       screen_iter=SCREEN_ITER, keep=KEEP, screen_points=SCREEN_POINTS)
