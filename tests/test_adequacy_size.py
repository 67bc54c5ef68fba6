"""Size and power of the adequacy checks.

Size: on R data sets simulated from a model the checks' null hypothesis holds for, the share rejected at
5% must lie within 3 Monte-Carlo errors of 5%, ``3 sqrt(0.05 * 0.95 / R)``. R >= 172 is the least for
which that band excludes a check that rejects twice as often as it should (10%); the bootstrap tests
use R = 500 (band [2.1%, 7.9%]: a check of true size 5% fails it with binomial probability 0.003, one of
size 10% passes it with probability 0.055, i.e. is caught with probability 0.945, one of size 2% is caught
with probability 0.58) and the posterior predictive check, exact by construction, R = 400 (band [1.7%,
8.3%]; a size of 10% is caught with probability 0.86). Each data set is tiny
(n = 50, 60 or 100) and each check uses
B = 19 replicates: with ALPHA (B + 1) = 1 a whole number, "reject" means "the data's statistic is the
largest of 20", an exact 5% Monte Carlo test when the null distribution is free of the estimated
parameters (Hope 1968; the one-vs-two-components statistic is, being invariant to shifting and scaling
the data). B = 19 thus measures the same level as B = 199 at a tenth of the cost, the bootstrap's own
Monte-Carlo noise included.

Power: 5,000 draws of a t with 2 df (the issue's misfit case) are rejected; data from one normal
(`--truth 0.3,0,0,1`, the issue's case) get "one component suffices"; the default scenario passes every
check.
"""

import math

import numpy as np
import pytest

from emvb import em
from emvb.adequacy import assess, components_check, mixture_checks, posterior_predictive_check
from emvb.adequacy.levels import ALPHA, PPP_TAIL
from emvb.models.params import DEFAULT_TRUTH, MixtureParams
from emvb.models.simulate import simulate

R, R_PPC = 500, 400
B = 19


def _band(r: int) -> float:
    """Three Monte-Carlo errors of a rejection rate of ALPHA on ``r`` replicates."""
    return 3 * math.sqrt(ALPHA * (1 - ALPHA) / r)


def _within_band(rejected) -> None:
    rate, band = float(np.mean(rejected)), _band(len(rejected))
    assert abs(rate - ALPHA) <= band, f"rejection rate {rate:.4f}, allowed {ALPHA} +/- {band:.4f}"


@pytest.mark.slow
def test_size_of_the_components_test():
    """One normal is the null: 'two components' must be claimed for about 5% of one-normal data sets."""
    rejected = []
    for r in range(R):
        x = simulate(MixtureParams(0.5, 0.0, 0.0, 1.0), n=50, seed=10_000 + r).values
        c = components_check(x, em.fit(x, seed=r), n_boot=B, seed=r, workers=1)
        rejected.append(c.test.rejects)
    _within_band(rejected)


@pytest.mark.slow
def test_size_of_the_shared_sigma_and_fit_tests():
    """Data from the default mixture (shared sigma): each test rejects about 5% of the data sets."""
    shared, fit = [], []
    for r in range(R):
        x = simulate(DEFAULT_TRUTH, n=60, seed=20_000 + r).values
        s, g = mixture_checks(x, em.fit(x, seed=r), n_boot=B, seed=r, workers=1)
        shared.append(s.test.rejects)
        fit.append(g.test.rejects)
    _within_band(shared)
    _within_band(fit)


@pytest.mark.slow
def test_size_of_the_posterior_predictive_check_at_a_point_mass_posterior():
    """With every 'posterior draw' at the truth, T(y) and the 199 T(y_rep) are exchangeable, so the ppp-value
    is a rank and is 'extreme' (below PPP_TAIL or above 1 - PPP_TAIL) for exactly 10 of 200 ranks: 5%.
    (The share beyond 3 sd is discrete at n = 100; its ties make the check conservative.)"""
    draws = np.tile(DEFAULT_TRUTH.to_array(), (199, 1))
    extreme = {"skewness": [], "excess_kurtosis": [], "share_beyond_3sd": []}
    for r in range(R_PPC):
        x = simulate(DEFAULT_TRUTH, n=100, seed=30_000 + r).values
        ppc = posterior_predictive_check(x, draws, n_draws=199, seed=r)
        for s in ppc.statistics:
            extreme[s.name].append(s.extreme)
    assert 2 * PPP_TAIL == ALPHA
    _within_band(extreme["skewness"])
    _within_band(extreme["excess_kurtosis"])
    assert np.mean(extreme["share_beyond_3sd"]) <= ALPHA + _band(R_PPC)


@pytest.fixture(scope="module")
def t2_data():
    """The misfit case, made as README says: 5,000 draws of a t with 2 df, seed 2026."""
    return np.random.default_rng(2026).standard_t(2, 5000)


@pytest.mark.slow
def test_t_with_2_df_is_rejected(t2_data):
    a = assess(t2_data, seed=2026)
    assert not a.adequate and a.rejected_fit
    assert a.fit.verdict == "rejected" and a.shared_sigma.verdict == "unequal_variances"
    assert a.fit.test.n_exceed == 0 and a.shared_sigma.test.n_exceed == 0  # p = 1 / (B + 1)
    assert "heavier" in a.fit.why()  # the stated reason: tails heavier than any fitted mixture's


@pytest.mark.slow
def test_t_with_2_df_fails_the_posterior_predictive_check(t2_data):
    """A posterior concentrated at the MLE (its Louis normal approximation) does not reproduce the share of
    points beyond 3 sd of t(2) data."""
    fit = em.fit(t2_data, seed=1)
    rng = np.random.default_rng(1)
    draws = fit.params.to_array() + rng.normal(size=(400, 4)) * fit.se.to_array()
    draws[:, 0] = np.clip(draws[:, 0], 1e-6, 1 - 1e-6)
    ppc = posterior_predictive_check(t2_data, draws, seed=1)
    assert ppc.verdict == "extreme"


@pytest.mark.slow
def test_single_normal_data_one_component_suffices():
    x = simulate(MixtureParams(0.3, 0.0, 0.0, 1.0)).values  # emvb run --truth 0.3,0,0,1 (n 10,000, seed 2026)
    fit = em.fit(x, seed=2026)
    c = components_check(x, fit, seed=2026)
    assert c.verdict == "one_component_suffices"
    assert c.loglik_2 - c.loglik_1 == pytest.approx(1.19, abs=0.01)  # the gap the issue quotes
    assert c.bic_1 < c.bic_2


@pytest.mark.slow
def test_default_scenario_is_adequate_on_every_check():
    x = simulate().values
    a = assess(x, seed=2026)
    assert a.adequate
    assert (a.components.verdict, a.shared_sigma.verdict, a.fit.verdict) == (
        "two_components", "shared_not_rejected", "not_rejected")
