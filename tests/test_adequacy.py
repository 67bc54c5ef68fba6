"""adequacy/: the constrained unequal-variance EM, the test statistics, the bootstrap p-value, determinism."""

import math

import numpy as np
import pytest
from scipy import optimize, stats
from unequal_numpy import logpdf_unequal

from emvb import em
from emvb.adequacy import assess, fit_unequal
from emvb.adequacy.bootstrap import bootstrap_test, check_can_reject, run_replicates
from emvb.adequacy.levels import ALPHA, MIN_BOOT, N_BOOT, SIGMA_RATIO_MIN
from emvb.adequacy.teststats import OUTER, edf_statistics, mixture_logcdf
from emvb.adequacy.unequal import UnequalParams
from emvb.models.errors import SettingError
from emvb.models.params import MixtureParams
from emvb.models.simulate import simulate


def _unequal_data(n, p: UnequalParams, seed):
    rng = np.random.default_rng(seed)
    z = rng.random(n) < p.pi1
    return np.where(z, rng.normal(p.mu1, p.sigma1, n), rng.normal(p.mu2, p.sigma2, n))


def test_level_and_replicates_make_an_exact_monte_carlo_test():
    assert float(ALPHA * (N_BOOT + 1)).is_integer()


def test_unequal_fit_matches_scikit_learn_when_the_constraint_does_not_bind():
    from sklearn.mixture import GaussianMixture

    x = _unequal_data(4000, UnequalParams(0.35, -2.0, 3.0, 0.7, 1.6), seed=1)
    shared = em.fit(x, seed=1)
    u = fit_unequal(x, [UnequalParams.from_shared(shared.params)])
    g = GaussianMixture(2, covariance_type="full", tol=1e-12, max_iter=10_000, reg_covar=0.0, random_state=0)
    g.fit(x[:, None])
    assert not u.at_constraint and u.converged
    assert u.loglik == pytest.approx(g.score(x[:, None]) * x.size, rel=1e-9)
    order = np.argsort(g.means_.ravel())
    assert [u.params.mu1, u.params.mu2] == pytest.approx(g.means_.ravel()[order], abs=1e-4)
    assert [u.params.sigma1, u.params.sigma2] == pytest.approx(np.sqrt(g.covariances_.ravel()[order]), abs=1e-4)
    # the compiled pass and the numpy reference of the density agree on the log-likelihood
    assert u.loglik == pytest.approx(float(np.sum(logpdf_unequal(x, u.params))), rel=1e-12)


def test_unequal_fit_on_the_constraint_is_the_constrained_maximum():
    """95% N(0, 1) + 5% N(0, 30^2): the unconstrained sd ratio (1/30) is below 0.1, so the fit sits on
    sigma_min = 0.1 sigma_max; a general optimiser on that boundary finds the same maximum."""
    x = _unequal_data(3000, UnequalParams(0.95, 0.0, 0.0, 1.0, 30.0), seed=2)
    shared = em.fit(x, seed=2)
    u = fit_unequal(x, [UnequalParams.from_shared(shared.params)], max_iter=10_000)
    assert u.at_constraint and u.params.sigma_ratio == pytest.approx(SIGMA_RATIO_MIN, rel=1e-9)
    narrow_first = u.params.sigma1 < u.params.sigma2

    def negll(v):
        pi1 = 1.0 / (1.0 + math.exp(-v[0]))
        wide = math.exp(v[3])
        s1, s2 = (SIGMA_RATIO_MIN * wide, wide) if narrow_first else (wide, SIGMA_RATIO_MIN * wide)
        return -float(np.sum(logpdf_unequal(x, UnequalParams(pi1, v[1], v[2], s1, s2))))

    p = u.params
    v0 = [math.log(p.pi1 / (1 - p.pi1)), p.mu1, p.mu2, math.log(max(p.sigma1, p.sigma2))]
    best = optimize.minimize(negll, np.array(v0) + 0.05, method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20_000})
    assert u.loglik >= -best.fun - 1e-6
    assert u.loglik > shared.loglik


def test_a_start_outside_the_constraint_is_pulled_onto_it():
    x = _unequal_data(500, UnequalParams(0.5, 0.0, 3.0, 1.0, 1.0), seed=3)
    u = fit_unequal(x, [UnequalParams(0.5, 0.0, 3.0, 0.01, 5.0)])
    assert u.params.sigma_ratio >= SIGMA_RATIO_MIN * (1 - 1e-12)
    with pytest.raises(SettingError):
        fit_unequal(x, [UnequalParams(0.5, 0.0, 3.0, 1.0, 1.0)], ratio_min=0.0)


def test_mixture_cdf_is_exact_in_both_tails():
    p = MixtureParams(0.3, -1.0, 2.0, 0.8)
    x = np.array([-60.0, -3.0, 0.0, 1.0, 4.0, 60.0])
    log_f, log_s = mixture_logcdf(x, p)
    cdf = 0.3 * stats.norm.cdf(x, -1.0, 0.8) + 0.7 * stats.norm.cdf(x, 2.0, 0.8)
    mid = slice(1, 5)
    assert np.exp(log_f[mid]) == pytest.approx(cdf[mid], rel=1e-12)
    assert np.exp(log_f) + np.exp(log_s) == pytest.approx(np.ones(6), rel=1e-12)
    assert np.all(np.isfinite(log_f)) and np.all(np.isfinite(log_s))  # 75 sds out: no log(0)


def test_anderson_darling_matches_the_textbook_formula():
    p = MixtureParams(0.4, 0.0, 3.0, 1.0)
    x = np.sort(simulate(p, n=300, seed=5).values)
    f = 0.4 * stats.norm.cdf(x, 0.0, 1.0) + 0.6 * stats.norm.cdf(x, 3.0, 1.0)
    i = np.arange(1, x.size + 1)
    a2 = -x.size - np.mean((2 * i - 1) * (np.log(f) + np.log(1 - f[::-1])))
    assert edf_statistics(x, p).a2 == pytest.approx(a2, rel=1e-10)


def test_pit_shares_under_the_model_are_the_nominal_ones():
    p = MixtureParams(0.3, 5.0, 15.0, 2.0)
    e = edf_statistics(simulate(p, n=40_000, seed=6).values, p)
    # binomial standard errors: sqrt(q (1 - q) / n)
    assert abs(e.outer - OUTER) < 4 * math.sqrt(OUTER * (1 - OUTER) / 40_000)
    assert abs(e.central - 0.5) < 4 * math.sqrt(0.25 / 40_000)


def test_p_value_counts_ties_and_failures_as_extreme():
    assert bootstrap_test(5.0, [1.0, 2.0, 3.0, 4.0]).p_value == pytest.approx(1 / 5)
    t = bootstrap_test(3.0, [1.0, 3.0, np.nan, 2.0])
    assert t.n_exceed == 2 and t.n_failed == 1 and t.p_value == pytest.approx(3 / 5)
    assert t.mc_error == pytest.approx(math.sqrt(0.6 * 0.4 / 4))
    assert bootstrap_test(10.0, np.zeros(199)).rejects and not bootstrap_test(0.0, np.zeros(199)).rejects


def test_replicates_do_not_depend_on_the_number_of_threads():
    one = run_replicates(lambda rng: rng.normal(size=3).tolist(), 20, seed=7, tag=1, workers=1)
    two = run_replicates(lambda rng: rng.normal(size=3).tolist(), 20, seed=7, tag=1, workers=2)
    other = run_replicates(lambda rng: rng.normal(size=3).tolist(), 20, seed=7, tag=2, workers=2)
    assert one == two and one != other
    with pytest.raises(SettingError):
        run_replicates(lambda rng: 0, 0, seed=1, tag=1)


def test_assess_is_reproducible_and_refuses_a_fit_of_other_data():
    x = simulate(MixtureParams(0.3, 5, 15, 2), n=300, seed=8).values
    a = assess(x, n_boot=19, seed=3, workers=2)
    b = assess(x, n_boot=19, seed=3, workers=1)
    assert np.array_equal(a.fit.test.replicates, b.fit.test.replicates)
    assert np.array_equal(a.components.test.replicates, b.components.test.replicates)
    assert a.to_json_dict() == b.to_json_dict()
    c = assess(x, n_boot=19, seed=4)
    assert not np.array_equal(a.fit.test.replicates, c.fit.test.replicates)
    other = em.fit(simulate(n=300, seed=9).values)
    with pytest.raises(SettingError):
        assess(x, other, n_boot=19)


@pytest.mark.parametrize("b, refused", [(1, True), (MIN_BOOT - 1, True), (MIN_BOOT, False)])
def test_a_number_of_replicates_too_small_to_reject_is_refused(b, refused):
    """The smallest p-value of B replicates is 1/(B + 1): above ALPHA = 0.05 for B < MIN_BOOT = 19."""
    assert MIN_BOOT == 19
    assert (1 / (b + 1) > ALPHA) is refused
    assert bootstrap_test(1.0, np.zeros(b)).rejects is not refused  # data beyond every replicate: p = 1/(B + 1)
    if refused:
        with pytest.raises(SettingError, match="cannot reject"):
            check_can_reject(b)
        with pytest.raises(SettingError, match="cannot reject"):
            assess(simulate(n=200, seed=1).values, n_boot=b)
    else:
        assert check_can_reject(b) == b
