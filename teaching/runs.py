"""Generic iteration records for the teaching experiments: a map iterated by hand, and the real fit.

:func:`iterate` applies any step ``theta <- step(x, theta)`` (the real EM map or a faulty twin from
:mod:`teaching.faulty`) and records the log-likelihood after every step in a frozen :class:`Run`;
:class:`Fit` wraps the real estimator ``em.fit`` with its Louis SEs. The experiments in
:mod:`teaching.pitfalls` compare the two.

A log-likelihood trace counts as decreasing at step t when
``l[t] - l[t-1] < -1e-10 |l[t]|`` (docs/methods.md §1): the rounding slack of a sum of N terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import em
from ..models.density import loglik
from ..models.params import MixtureParams

#: Relative slack below which a drop of the log-likelihood is rounding, not a decrease.
MONOTONE_RTOL = 1e-10
#: Relative stopping tolerance of :func:`iterate`: ``max|dtheta| <= STOP_TOL (1 + max|theta|)``.
STOP_TOL = 1e-10
#: Means closer than this many sigmas make a mixture a single normal in effect (see :attr:`Run.collapsed`).
COLLAPSE_SIGMAS = 0.1


def frozen_array(a) -> np.ndarray:
    """A read-only float copy of ``a``, so a frozen record cannot be changed through its arrays."""
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def decreasing_steps(trace) -> np.ndarray:
    """Steps t where ``l[t] - l[t-1] < -MONOTONE_RTOL |l[t]|``: the log-likelihood went down.

    Parameters
    ----------
    trace : log-likelihood at the start (``trace[0]``) and after each step

    Returns
    -------
    The 1-based step numbers t, increasing.
    """
    trace = np.asarray(trace, dtype=float)
    return np.flatnonzero(np.diff(trace) < -MONOTONE_RTOL * np.abs(trace[1:])) + 1


def quartile_start(x) -> MixtureParams:
    """A neutral asymmetric start: ``(0.5, q25(x), q75(x), sd(x))``.

    Asymmetric because ``mu1 = mu2`` is a fixed point of EM (docs/methods.md §1); used for both the faulty and
    the correct iteration so that only the update differs.
    """
    x = np.asarray(x, dtype=float)
    q25, q75 = np.quantile(x, [0.25, 0.75])
    return MixtureParams(0.5, q25, q75, x.std())


@dataclass(frozen=True)
class Run:
    """An iteration ``theta <- step(x, theta)`` from ``start`` and its log-likelihood trace.

    Attributes
    ----------
    params : where it stopped
    trace : log-likelihood (the real ``models.density.loglik``) at the start (``trace[0]``) and after
        each iteration t (``trace[t]``)
    converged : True if the largest parameter change fell below the tolerance
    """

    start: MixtureParams
    params: MixtureParams
    trace: np.ndarray
    converged: bool

    @property
    def loglik(self) -> float:
        return float(self.trace[-1])

    @property
    def n_iter(self) -> int:
        return int(self.trace.size - 1)

    @property
    def decreases(self) -> np.ndarray:
        """Iterations t where ``l[t] - l[t-1] < -1e-10 |l[t]|`` (the log-likelihood went down)."""
        return decreasing_steps(self.trace)

    @property
    def largest_drop(self) -> float:
        """``max_t (l[t-1] - l[t])``, 0 if the trace never goes down."""
        return float(max(0.0, -np.diff(self.trace).min())) if self.trace.size > 1 else 0.0

    @property
    def collapsed(self) -> bool:
        """True if ``|mu1 - mu2| < COLLAPSE_SIGMAS sigma``: the two components sit on one another."""
        p = self.params
        return bool(abs(p.mu1 - p.mu2) < COLLAPSE_SIGMAS * p.sigma)


def iterate(
    step: Callable[[np.ndarray, MixtureParams], MixtureParams],
    x,
    start: MixtureParams,
    max_iter: int,
    tol: float | None = STOP_TOL,
) -> Run:
    """Apply ``step`` up to ``max_iter`` times; stop early when ``max|dtheta| <= tol (1 + max|theta|)``.

    ``tol=None`` runs exactly ``max_iter`` iterations (the original program ran a fixed 50) and leaves
    ``converged`` False: nothing was checked.
    The stopping rule is on the parameters, not the log-likelihood, because a faulty map need not
    increase the log-likelihood and may pause on a plateau before moving on.
    """
    x = np.asarray(x, dtype=float)
    p = start
    trace = [loglik(x, start)]
    converged = False
    for _ in range(int(max_iter)):
        new = step(x, p)
        trace.append(loglik(x, new))
        change = np.max(np.abs(new.to_array() - p.to_array()))
        p = new
        if tol is not None and change <= tol * (1.0 + np.max(np.abs(p.to_array()))):
            converged = True
            break
    return Run(start=start, params=p, trace=frozen_array(trace), converged=converged)


@dataclass(frozen=True)
class Fit:
    """The real estimator's answer: ``em.fit`` (restarts, acceleration) with its Louis SEs.

    ``n_iter`` and ``decreases`` describe the best run's log-likelihood trace (``EMResult.trace``):
    its iterations and how many of them lowered the log-likelihood by more than the rounding slack.
    """

    params: MixtureParams
    loglik: float
    se: np.ndarray
    cov: np.ndarray
    n_iter: int
    decreases: int

    @classmethod
    def of(cls, x, seed: int) -> Fit:
        r = em.fit(np.asarray(x, dtype=float), seed=seed)
        drops = int(decreasing_steps(r.trace.loglik).size)
        return cls(params=r.params, loglik=float(r.loglik), se=frozen_array(r.se.to_array()),
                   cov=frozen_array(np.asarray(r.cov, dtype=float)), n_iter=int(r.n_iter), decreases=drops)

    def z(self, other: MixtureParams) -> np.ndarray:
        """``(other - mle) / se`` per parameter, ``other`` labelled like the MLE (``mu1 <= mu2``)."""
        return (other.ordered().to_array() - self.params.to_array()) / self.se

    def z_pi1(self, value: float) -> float:
        """``(pi1_hat - value) / SE(pi1_hat)``: how far the estimated weight is from ``value``, in SEs."""
        return float((self.params.pi1 - value) / self.se[0])

    def mahalanobis(self, other: MixtureParams) -> float:
        """``sqrt(d' Cov^{-1} d)``, ``d = other - mle`` (same labelling): the joint distance in SE units."""
        d = other.ordered().to_array() - self.params.to_array()
        return float(np.sqrt(d @ np.linalg.solve(self.cov, d)))
