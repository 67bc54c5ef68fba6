"""The estimator loops: plain EM and SQUAREM, on standardised data in the unconstrained ``u``.

Every evaluation of the EM map is one fused pass (:mod:`em.kernel`) that also returns the
log-likelihood at its input, so the loops never need a separate likelihood sweep.

Stopping rule (both loops): stop at ``theta`` once one EM step into it gained
``L(theta) - L(theta_prev) <= tol * N``, i.e. the *mean* log-likelihood per point rose by at most
``tol``. This is the quantity scikit-learn's ``tol`` thresholds (``lower_bound_`` is the mean), so
benchmarks compare like with like, and unlike a tolerance relative to ``|L|`` it does not depend on
the units of the data (rescaling x shifts ``L`` by ``N log c`` but leaves its changes unchanged).
Because EM is an ascent method a negative gain can only be rounding, and also stops the loop.

That rule cannot pin the parameters down better than about ``sqrt(rounding error of L / (1 - rate))``
(the log-likelihood is flat at its maximum; with overlapping components EM's rate is near 1), so an
optional ``xtol`` additionally requires the EM step itself, ``max |F(u) - u|`` in the standardised
unconstrained coordinates, to be at most ``xtol``. The fused pass computes that step as a sum of
residuals (:mod:`em.kernel`), not as a difference of two large numbers, so it stays accurate down to
about 1e-14 and ``xtol=1e-12`` gives estimates to about ``1e-12 / (1 - rate)``.

Near ``mu1 == mu2`` (one normal) the EM map has rate exactly 1 in the direction that separates the
means (linearise r1 about pi1: the new separation equals the old), so EM creeps and the gain rule
fires long before any maximum. A stop with ``|mu1 - mu2| < STALL * sigma`` is therefore reported as
*stalled*, ``converged=False``.

SQUAREM (Varadhan & Roland 2008, Scand. J. Stat. 35:335-353; docs/methods.md §3), one iteration::

    u1 = F(u0); u2 = F(u1); r = u1 - u0; v = u2 - u1 - r; alpha = -|r|/|v| clamped to [-step_max, -1]
    u' = u0 - 2 alpha r + alpha^2 v;  u'' = F(u')
    accept u'' if L(u'') >= L(u0), else fall back to u2 (the monotone safeguard)

``step_max`` starts at 1 and is multiplied by 4 whenever a step at the bound is accepted (divided
by 4 when one is rejected), the adaptive bound of the SQUAREM R package. Convergence is judged
on the plain EM step ``L(u1) - L(u0)`` inside each iteration, so an extrapolation that happened to
gain little cannot stop the loop early; the estimate returned is then ``u1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .kernel import sums_numba, update

REASON_TOL = "log-likelihood change < tol"
REASON_TOL_X = "log-likelihood change < tol and EM step < xtol"
REASON_MAX_ITER = "max_iter reached"
REASON_EMPTY = "a component emptied (weight < 1e-6 points): EM is heading to pi1 = 0 or 1"
REASON_BAD_START = "log-likelihood not finite at the start"
REASON_STALLED = ("stalled near mu1 == mu2 (the one-normal stationary set, where EM's rate is 1 "
                  "and it creeps): not shown to be a maximum")
REASON_NOT_MAX = ("stopped where the observed information is not positive definite: a saddle on the "
                  "one-normal ridge (mu1 ~ mu2, EM's rate ~ 1), not a maximum")
#: A stop with |mu1 - mu2| below this many sigmas is reported as stalled, not converged.
STALL = 1e-2


@dataclass(frozen=True)
class RunPath:
    """One EM run in standardised unconstrained coordinates (see :mod:`em.coords`)."""

    u: np.ndarray            # final iterate (4,)
    loglik_std: float        # log-likelihood of the standardised data at u
    n_iter: int
    converged: bool
    reason: str
    n_map_evals: int
    trace_u: np.ndarray      # (n_iter + 1, 4)
    trace_loglik_std: np.ndarray  # (n_iter + 1,)


class _Map:
    """``u -> (L(u), F(u) or None)`` with a counter of EM-map evaluations."""

    def __init__(self, xs: np.ndarray, sums: Callable):
        self.xs = xs
        self.n = xs.size
        self.sums = sums
        self.evals = 0

    def __call__(self, u):
        self.evals += 1
        s = self.sums(self.xs, u)
        loglik = float(s[0])
        if not math.isfinite(loglik):
            return loglik, None
        return loglik, update(u, s, self.n)


def _finish(u, loglik, trace_u, trace_l, converged, reason, fmap) -> RunPath:
    return RunPath(np.asarray(u, dtype=float), float(loglik), len(trace_u) - 1, converged, reason,
                   fmap.evals, np.array(trace_u), np.array(trace_l))


def run_em(xs: np.ndarray, u0, *, tol: float, max_iter: int, accelerate: bool, xtol: float | None = None,
           sums: Callable = sums_numba) -> RunPath:
    """Iterate EM (plain or SQUAREM) from ``u0`` on standardised data ``xs``; see the module note."""
    fmap = _Map(xs, sums)
    threshold = tol * xs.size
    u0 = np.asarray(u0, dtype=float)
    l0, f0 = fmap(u0)
    if not math.isfinite(l0):
        return _finish(u0, l0, [u0], [l0], False, REASON_BAD_START, fmap)
    if f0 is None:
        return _finish(u0, l0, [u0], [l0], False, REASON_EMPTY, fmap)
    loop = _squarem if accelerate else _plain
    return loop(fmap, u0, l0, f0, threshold, math.inf if xtol is None else xtol, max_iter)


def _reason(xtol: float) -> str:
    return REASON_TOL if xtol == math.inf else REASON_TOL_X


def _stalled(u) -> bool:
    return abs(u[1] - u[2]) < STALL * math.exp(u[3])


def _small(u_from, u_to, xtol: float) -> bool:
    return xtol == math.inf or float(np.max(np.abs(u_to - u_from))) <= xtol


def _plain(fmap: _Map, u, loglik, f, threshold, xtol, max_iter) -> RunPath:
    trace_u, trace_l = [u], [loglik]
    for _ in range(max_iter):
        l_new, f_new = fmap(f)
        gain = l_new - loglik
        small = _small(u, f, xtol)
        u, loglik = f, l_new
        trace_u.append(u)
        trace_l.append(loglik)
        if f_new is None:
            return _finish(u, loglik, trace_u, trace_l, False, REASON_EMPTY, fmap)
        if gain <= threshold:
            if _stalled(u):
                return _finish(u, loglik, trace_u, trace_l, False, REASON_STALLED, fmap)
            if small:
                return _finish(u, loglik, trace_u, trace_l, True, _reason(xtol), fmap)
        f = f_new
    return _finish(u, loglik, trace_u, trace_l, False, REASON_MAX_ITER, fmap)


def _squarem(fmap: _Map, u0, l0, f0, threshold, xtol, max_iter) -> RunPath:
    trace_u, trace_l = [u0], [l0]
    step_max = 1.0
    for _ in range(max_iter):
        u1 = f0
        l1, u2 = fmap(u1)
        if u2 is None:
            trace_u.append(u1)
            trace_l.append(l1)
            return _finish(u1, l1, trace_u, trace_l, False, REASON_EMPTY, fmap)
        if l1 - l0 <= threshold and (_stalled(u1) or _small(u0, u1, xtol)):
            trace_u.append(u1)
            trace_l.append(l1)
            if _stalled(u1):
                return _finish(u1, l1, trace_u, trace_l, False, REASON_STALLED, fmap)
            return _finish(u1, l1, trace_u, trace_l, True, _reason(xtol), fmap)
        r = u1 - u0
        v = u2 - u1 - r
        nv = float(np.sqrt(v @ v))
        alpha = -float(np.sqrt(r @ r)) / nv if nv > 0 else -math.inf
        alpha = max(min(alpha, -1.0), -step_max)
        u_ext = u0 - 2.0 * alpha * r + alpha * alpha * v  # alpha = -1 gives u2 exactly
        l_ext, cand = fmap(u_ext)
        accepted = False
        if cand is not None and math.isfinite(l_ext):
            l_c, f_c = fmap(cand)
            if f_c is not None and math.isfinite(l_c) and l_c >= l0:
                u0, l0, f0 = cand, l_c, f_c
                accepted = True
        if accepted:
            if alpha == -step_max:
                step_max *= 4.0
        else:
            if alpha == -step_max:
                step_max = max(1.0, step_max / 4.0)
            if alpha == -1.0:  # u_ext was u2: its pass already gave L(u2), F(u2)
                u0, l0, f0 = u2, l_ext, cand
            else:
                l2, f2 = fmap(u2)
                u0, l0, f0 = u2, l2, f2
            if f0 is None:
                trace_u.append(u0)
                trace_l.append(l0)
                return _finish(u0, l0, trace_u, trace_l, False, REASON_EMPTY, fmap)
        trace_u.append(u0)
        trace_l.append(l0)
    return _finish(u0, l0, trace_u, trace_l, False, REASON_MAX_ITER, fmap)
