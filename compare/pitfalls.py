"""The original bug hunt, rerun: each faulty version next to the real code on the same seed.

Each ``pitfall_*`` function runs one mistake of ../shared/METHODS.md §6 (faulty twins in
:mod:`em.faulty`) and the correct version (``models.simulate``, ``models.density``, ``em``) from the
same seed, and returns a frozen record of the numbers; :mod:`compare.pitfalls_report` turns the
records into markdown and figures. Every random step starts from ``np.random.default_rng(seed)``,
so the faulty and the correct side of a pitfall see the same random stream.

A log-likelihood trace counts as decreasing at step t when
``l[t] - l[t-1] < -1e-10 |l[t]|`` (METHODS §1): the rounding slack of a sum of N terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

import em
from em import faulty
from models.density import loglik, pdf
from models.params import DEFAULT_N, DEFAULT_TRUTH, MixtureParams
from models.simulate import draw

#: The estimate the original program reported after 50 iterations (METHODS §6).
REPORTED = MixtureParams(0.0705, 0.0430, 0.0407, 0.1252)
ORIGINAL_ITERATIONS = 50
#: Relative slack below which a drop of the log-likelihood is rounding, not a decrease.
MONOTONE_RTOL = 1e-10


def _frozen(a) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def quartile_start(x) -> MixtureParams:
    """A neutral asymmetric start: ``(0.5, q25(x), q75(x), sd(x))``.

    Asymmetric because ``mu1 = mu2`` is a fixed point of EM (METHODS §1); used for both the faulty and
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
        d = np.diff(self.trace)
        return np.flatnonzero(d < -MONOTONE_RTOL * np.abs(self.trace[1:])) + 1

    @property
    def largest_drop(self) -> float:
        """``max_t (l[t-1] - l[t])``, 0 if the trace never goes down."""
        return float(max(0.0, -np.diff(self.trace).min())) if self.trace.size > 1 else 0.0


def iterate(
    step: Callable[[np.ndarray, MixtureParams], MixtureParams],
    x,
    start: MixtureParams,
    max_iter: int,
    tol: float | None = 1e-10,
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
    return Run(start=start, params=p, trace=_frozen(trace), converged=converged)


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
        tr = np.asarray(r.trace.loglik, dtype=float)
        drops = int(np.sum(np.diff(tr) < -MONOTONE_RTOL * np.abs(tr[1:])))
        return cls(params=r.params, loglik=float(r.loglik), se=_frozen(r.se.to_array()),
                   cov=_frozen(np.asarray(r.cov, dtype=float)), n_iter=int(r.n_iter), decreases=drops)

    def z(self, other: MixtureParams) -> np.ndarray:
        """``(other - mle) / se`` per parameter, ``other`` labelled like the MLE (``mu1 <= mu2``)."""
        return (other.ordered().to_array() - self.params.to_array()) / self.se

    def mahalanobis(self, other: MixtureParams) -> float:
        """``sqrt(d' Cov^{-1} d)``, ``d = other - mle`` (same labelling): the joint distance in SE units."""
        d = other.ordered().to_array() - self.params.to_array()
        return float(np.sqrt(d @ np.linalg.solve(self.cov, d)))


# -- 1. density values instead of samples --------------------------------------------------------


@dataclass(frozen=True)
class DensityValues:
    """Mistake 1: EM fitted to density heights at uniform positions.

    Attributes
    ----------
    u, heights : the uniform positions and the real density's heights there (the faulty "data")
    on_heights : 50 plain iterations of the real EM on ``heights`` (mistake 1 alone)
    heights_original, original : the same with all four mistakes (heights of the precedence-bug
        density, its E-step and the one-component sigma): our reconstruction of the original program
    x, correct : draws from the mixture (``models.simulate.draw``) and ``em.fit`` on them
    """

    seed: int
    truth: MixtureParams
    positions: tuple[float, float]
    u: np.ndarray
    heights: np.ndarray
    on_heights: Run
    heights_original: np.ndarray
    original: Run
    x: np.ndarray
    correct: Fit
    reported: MixtureParams = REPORTED


def pitfall_density_values(
    seed: int, n: int = DEFAULT_N, truth: MixtureParams = DEFAULT_TRUTH
) -> DensityValues:
    """Run mistake 1 (alone, and with the other three as in the original) and the correct fit."""
    u, h = faulty.density_values_data(truth, n, np.random.default_rng(seed))
    _, h_orig = faulty.density_values_data(truth, n, np.random.default_rng(seed),
                                           density=faulty.pdf_precedence)
    on_heights = iterate(em.em_map, h, quartile_start(h), ORIGINAL_ITERATIONS, tol=None)
    original = iterate(faulty.em_step_original, h_orig, quartile_start(h_orig), ORIGINAL_ITERATIONS, tol=None)
    x, _ = draw(truth, n, np.random.default_rng(seed))
    return DensityValues(
        seed=seed, truth=truth, positions=faulty.POSITIONS, u=_frozen(u), heights=_frozen(h),
        on_heights=on_heights, heights_original=_frozen(h_orig), original=original, x=_frozen(x),
        correct=Fit.of(x, seed),
    )


# -- 2. randn labels --------------------------------------------------------------------------


@dataclass(frozen=True)
class RandnLabels:
    """Mistake 2: labels ``randn() < pi1`` against ``rand() < pi1``, and what the real EM makes of each.

    ``weight_*`` are the realised shares of label 1; ``fit_*`` the real ``em.fit`` on each data set.
    """

    seed: int
    n: int
    truth: MixtureParams
    x_randn: np.ndarray
    x_correct: np.ndarray
    weight_randn: float
    weight_correct: float
    fit_randn: Fit
    fit_correct: Fit

    @property
    def phi_pi1(self) -> float:
        """``Phi(pi1) = P(randn() < pi1)``: the weight the faulty sampler really uses."""
        return float(ndtr(self.truth.pi1))

    def binomial_se(self, p: float) -> float:
        """``sqrt(p (1 - p) / n)``: the sd of a realised share with probability p."""
        return float(np.sqrt(p * (1.0 - p) / self.n))


def pitfall_randn_labels(seed: int, n: int = DEFAULT_N, truth: MixtureParams = DEFAULT_TRUTH) -> RandnLabels:
    """Draw with both samplers from ``default_rng(seed)`` and fit each with the real EM."""
    xr, zr = faulty.draw_randn_labels(truth, n, np.random.default_rng(seed))
    xc, zc = draw(truth, n, np.random.default_rng(seed))
    return RandnLabels(
        seed=seed, n=int(n), truth=truth, x_randn=_frozen(xr), x_correct=_frozen(xc),
        weight_randn=float(zr.mean()), weight_correct=float(zc.mean()),
        fit_randn=Fit.of(xr, seed), fit_correct=Fit.of(xc, seed),
    )


# -- 3. one-component sigma in the M-step -------------------------------------------------------

#: Component spreads of the demonstration data: component 1 narrow (sd 1), component 2 wide (sd 3).
UNEQUAL_SPREADS = (1.0, 3.0)


def draw_unequal_spread(truth: MixtureParams, sigmas: tuple[float, float], n: int, rng) -> np.ndarray:
    """Draws from ``pi1 N(mu1, s_1^2) + (1 - pi1) N(mu2, s_2^2)`` (spreads differ: outside the model).

    Uses the real sampler with ``sigma = s_1`` and rescales component 2's points about mu2 by
    ``s_2 / s_1``: if ``x ~ N(mu2, s_1^2)`` then ``mu2 + (x - mu2) s_2/s_1 ~ N(mu2, s_2^2)``.
    """
    s1, s2 = sigmas
    x, z = draw(MixtureParams(truth.pi1, truth.mu1, truth.mu2, s1), n, rng)
    return np.where(z, x, truth.mu2 + (x - truth.mu2) * (s2 / s1))


@dataclass(frozen=True)
class OneComponentSigma:
    """Mistake 3 on data whose components differ in spread, and a control with equal spreads.

    Attributes
    ----------
    x : data from :func:`draw_unequal_spread` with ``sigmas``
    mle : the real ``em.fit`` (the maximum-likelihood estimate, Louis SEs)
    correct, faulty : the real and the faulty EM map from the same :func:`quartile_start`,
        run to their fixed points
    x_equal, mle_equal : the control data (equal spreads, ``truth``) and its MLE
    faulty_equal_from_mle, faulty_equal_from_start : the faulty map on the control data started at
        its MLE and at the quartile start (two fixed points: the bug is start-dependent)
    """

    seed: int
    truth: MixtureParams
    sigmas: tuple[float, float]
    x: np.ndarray
    mle: Fit
    correct: Run
    faulty: Run
    x_equal: np.ndarray
    mle_equal: Fit
    faulty_equal_from_mle: Run
    faulty_equal_from_start: Run

    @property
    def loglik_gap(self) -> float:
        """``l(MLE) - l(faulty fixed point)`` (>= 0 up to rounding, since the MLE is the maximum)."""
        return self.mle.loglik - self.faulty.loglik


def pitfall_one_component_sigma(
    seed: int,
    n: int = DEFAULT_N,
    truth: MixtureParams = DEFAULT_TRUTH,
    sigmas: tuple[float, float] = UNEQUAL_SPREADS,
    max_iter: int = 10_000,
) -> OneComponentSigma:
    """Faulty vs real EM map on unequal-spread data from ``default_rng(seed)``; the equal-spread control."""
    x = draw_unequal_spread(truth, sigmas, n, np.random.default_rng(seed))
    start = quartile_start(x)
    x_eq, _ = draw(truth, n, np.random.default_rng(seed))
    mle_eq = Fit.of(x_eq, seed)
    return OneComponentSigma(
        seed=seed, truth=truth, sigmas=tuple(float(s) for s in sigmas), x=_frozen(x), mle=Fit.of(x, seed),
        correct=iterate(em.em_map, x, start, max_iter),
        faulty=iterate(faulty.em_step_one_component, x, start, max_iter),
        x_equal=_frozen(x_eq), mle_equal=mle_eq,
        faulty_equal_from_mle=iterate(faulty.em_step_one_component, x_eq, mle_eq.params, max_iter),
        faulty_equal_from_start=iterate(faulty.em_step_one_component, x_eq, quartile_start(x_eq), max_iter),
    )


# -- 4. operator precedence in the density ------------------------------------------------------


@dataclass(frozen=True)
class Precedence:
    """Mistake 4: the precedence-bug mixture density against the real one on a grid.

    ``area_*`` are trapezoid integrals over ``grid``, which extends 12 sd beyond both means, so the
    truncated tail mass is below 1e-30; ``area_faulty_exact = 1/sigma^2`` is the faulty area in closed form.
    """

    params: MixtureParams
    grid: np.ndarray
    true_pdf: np.ndarray
    faulty_pdf: np.ndarray
    area_true: float
    area_faulty: float

    @property
    def area_faulty_exact(self) -> float:
        return 1.0 / self.params.sigma**2


def pitfall_precedence(params: MixtureParams = DEFAULT_TRUTH, points: int = 8001) -> Precedence:
    """Evaluate both densities on a grid with step ``span/(points-1)`` far below ``min(sigma, 1/sigma)``."""
    width = 12.0 * max(params.sigma, 1.0 / params.sigma)
    lo, hi = min(params.mu1, params.mu2) - width, max(params.mu1, params.mu2) + width
    grid = np.linspace(lo, hi, points)
    t, f = pdf(grid, params), faulty.pdf_precedence(grid, params)
    return Precedence(params=params, grid=_frozen(grid), true_pdf=_frozen(t), faulty_pdf=_frozen(f),
                      area_true=float(np.trapezoid(t, grid)), area_faulty=float(np.trapezoid(f, grid)))


# -- all four -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pitfalls:
    """The four records of one ``emvb pitfalls`` run."""

    seed: int
    n: int
    density_values: DensityValues
    randn_labels: RandnLabels
    one_component_sigma: OneComponentSigma
    precedence: Precedence


def run_all(seed: int, n: int = DEFAULT_N) -> Pitfalls:
    """Run the four pitfalls on ``seed`` with ``n`` points each (the default truth)."""
    return Pitfalls(
        seed=seed, n=int(n),
        density_values=pitfall_density_values(seed, n),
        randn_labels=pitfall_randn_labels(seed, n),
        one_component_sigma=pitfall_one_component_sigma(seed, n),
        precedence=pitfall_precedence(),
    )
