"""The original bug hunt, rerun: each faulty version next to the real code on the same seed.

Each ``pitfall_*`` function runs one mistake of docs/methods.md §6 (faulty twins in
:mod:`teaching.faulty`) and the correct version (``models.simulate``, ``models.density``, ``em``) from
the same seed, and returns a frozen record of the numbers (iterations: :mod:`teaching.runs`). The records
also derive the numbers the report quotes (peak heights, masses, distances in SEs), so that the prose
only formats. Every random step starts from ``np.random.default_rng(seed)``: the faulty and the correct
side of a pitfall see the same random stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from .. import em
from ..models.density import pdf
from ..models.params import DEFAULT_N, DEFAULT_TRUTH, MixtureParams
from ..models.simulate import draw
from . import faulty
from .runs import Fit, Run, frozen_array, iterate, quartile_start

#: The estimate the original program reported after 50 iterations (docs/methods.md §6).
REPORTED = MixtureParams(0.0705, 0.0430, 0.0407, 0.1252)
ORIGINAL_ITERATIONS = 50
#: Grid points between the two means on which the valley of the density is looked for.
VALLEY_POINTS = 2001
#: Iterations allowed to the fixed-point runs of mistake 3 (the faulty map can creep for thousands).
FIXED_POINT_MAX_ITER = 10_000
#: Grid points of mistake 4's area integrals.
PRECEDENCE_POINTS = 8001
#: Mistake 4's grid reaches this many sds (of the wider bell) beyond both means: tail mass < 1e-30.
PRECEDENCE_SDS = 12.0


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

    @property
    def peak_heights(self) -> tuple[float, float]:
        """``pi_k / (sigma sqrt(2 pi))``: component k's height over ``mu_k``, the mixture's peak there
        when the means are several sigma apart (5 for the default truth)."""
        t = self.truth
        peak1, peak2 = (w / (t.sigma * np.sqrt(2 * np.pi)) for w in (t.pi1, 1 - t.pi1))
        return peak1, peak2

    @property
    def positions_width(self) -> float:
        return self.positions[1] - self.positions[0]

    @property
    def mass_in_positions(self) -> float:
        """``sum_k pi_k [Phi((hi - mu_k) / sigma) - Phi((lo - mu_k) / sigma)]``: mass on the interval."""
        t = self.truth
        lo, hi = self.positions
        return float(np.sum([w * (ndtr((hi - m) / t.sigma) - ndtr((lo - m) / t.sigma))
                             for w, m in ((t.pi1, t.mu1), (1 - t.pi1, t.mu2))]))

    @property
    def expected_mean_height(self) -> float:
        """``E[p(U)] = mass / width`` for ``U ~ Uniform(positions)``: what the mean height estimates."""
        return self.mass_in_positions / self.positions_width

    @property
    def valley(self) -> float:
        """The density's minimum between the two means (on ``VALLEY_POINTS`` grid points): the flat bottom."""
        t = self.truth
        between = np.linspace(min(t.mu1, t.mu2), max(t.mu1, t.mu2), VALLEY_POINTS)
        return float(pdf(between, t).min())

    @property
    def reported_mean(self) -> float:
        """``(mu1 + mu2) / 2`` of the reported estimate: its "data"'s mean if it collapsed (mu1 ~ mu2)."""
        return 0.5 * (self.reported.mu1 + self.reported.mu2)

    @property
    def reported_sigma_ratio(self) -> float:
        """The reported sigma over the reported mean: a sigma several times the means."""
        return self.reported.sigma / self.reported_mean

    @property
    def original_bell_sd(self) -> float:
        """``1/sigma`` at the all-four-mistakes estimate: the sd of the precedence-bug E-step's bells."""
        return 1 / self.original.params.sigma


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
        seed=seed, truth=truth, positions=faulty.POSITIONS, u=frozen_array(u), heights=frozen_array(h),
        on_heights=on_heights, heights_original=frozen_array(h_orig), original=original, x=frozen_array(x),
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
        seed=seed, n=int(n), truth=truth, x_randn=frozen_array(xr), x_correct=frozen_array(xc),
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

    @property
    def pooled_sd(self) -> float:
        """``sqrt(pi1 s_1^2 + (1 - pi1) s_2^2)``: the truth's within-component sd pooled over both components."""
        s1, s2 = self.sigmas
        t = self.truth
        return float(np.sqrt(t.pi1 * s1**2 + (1 - t.pi1) * s2**2))

    @property
    def both_converged(self) -> bool:
        return self.correct.converged and self.faulty.converged

    @property
    def z_faulty(self) -> np.ndarray:
        """``(faulty fixed point - MLE) / SE`` per parameter."""
        return self.mle.z(self.faulty.params)

    @property
    def mahalanobis_faulty(self) -> float:
        """The faulty fixed point's joint distance from the MLE, in SE units."""
        return self.mle.mahalanobis(self.faulty.params)

    @property
    def z_control(self) -> np.ndarray:
        """Control: ``(faulty map started at the MLE - MLE) / SE`` per parameter."""
        return self.mle_equal.z(self.faulty_equal_from_mle.params)

    @property
    def mahalanobis_control(self) -> float:
        """Control: the joint distance the faulty map moves from the MLE it started at, in SE units."""
        return self.mle_equal.mahalanobis(self.faulty_equal_from_mle.params)

    def control_gap(self, run: Run) -> float:
        """``l(MLE) - l(run)`` on the equal-spread control data."""
        return self.mle_equal.loglik - run.loglik


def pitfall_one_component_sigma(
    seed: int,
    n: int = DEFAULT_N,
    truth: MixtureParams = DEFAULT_TRUTH,
    sigmas: tuple[float, float] = UNEQUAL_SPREADS,
    max_iter: int = FIXED_POINT_MAX_ITER,
) -> OneComponentSigma:
    """Faulty vs real EM map on unequal-spread data from ``default_rng(seed)``; the equal-spread control."""
    x = draw_unequal_spread(truth, sigmas, n, np.random.default_rng(seed))
    start = quartile_start(x)
    x_eq, _ = draw(truth, n, np.random.default_rng(seed))
    mle_eq = Fit.of(x_eq, seed)
    return OneComponentSigma(
        seed=seed, truth=truth, sigmas=tuple(float(s) for s in sigmas), x=frozen_array(x), mle=Fit.of(x, seed),
        correct=iterate(em.em_map, x, start, max_iter),
        faulty=iterate(faulty.em_step_one_component, x, start, max_iter),
        x_equal=frozen_array(x_eq), mle_equal=mle_eq,
        faulty_equal_from_mle=iterate(faulty.em_step_one_component, x_eq, mle_eq.params, max_iter),
        faulty_equal_from_start=iterate(faulty.em_step_one_component, x_eq, quartile_start(x_eq), max_iter),
    )


# -- 4. operator precedence in the density ------------------------------------------------------


@dataclass(frozen=True)
class Precedence:
    """Mistake 4: the precedence-bug mixture density against the real one on a grid.

    ``area_*`` are trapezoid integrals over ``grid``, which extends 12 sd (``PRECEDENCE_SDS``) beyond
    both means, so the truncated tail mass is below 1e-30; ``area_faulty_exact = 1/sigma^2`` is the faulty
    area in closed form.
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

    @property
    def faulty_sd(self) -> float:
        """``1/sigma``: the sd of each faulty bell, whose exponent is ``-(x - mu)^2 sigma^2 / 2``."""
        return 1 / self.params.sigma

    @property
    def narrowing(self) -> float:
        """``sigma / (1/sigma) = sigma^2``: how many times narrower the faulty bells are."""
        return self.params.sigma**2

    @property
    def heights_at_mu2(self) -> tuple[float, float]:
        """The real and the faulty mixture density at ``mu2``: equal, the exponent is 0 at a mean either way."""
        at = np.array([self.params.mu2])
        return float(pdf(at, self.params)[0]), float(faulty.pdf_precedence(at, self.params)[0])


def pitfall_precedence(params: MixtureParams = DEFAULT_TRUTH, points: int = PRECEDENCE_POINTS) -> Precedence:
    """Evaluate both densities on a grid with step ``span/(points-1)`` far below ``min(sigma, 1/sigma)``."""
    width = PRECEDENCE_SDS * max(params.sigma, 1.0 / params.sigma)
    lo, hi = min(params.mu1, params.mu2) - width, max(params.mu1, params.mu2) + width
    grid = np.linspace(lo, hi, points)
    t, f = pdf(grid, params), faulty.pdf_precedence(grid, params)
    return Precedence(params=params, grid=frozen_array(grid), true_pdf=frozen_array(t), faulty_pdf=frozen_array(f),
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
