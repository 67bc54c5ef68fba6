import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from scipy.special import logsumexp

from emvb.models.density import loglik, logpdf, pdf, responsibilities
from emvb.models.params import DEFAULT_TRUTH, MixtureParams

params_st = st.builds(
    MixtureParams,
    pi1=st.floats(0.01, 0.99),
    mu1=st.floats(-50, 50),
    mu2=st.floats(-50, 50),
    sigma=st.floats(0.05, 20),
)


def reference_logpdf(x, p):
    """log(pi1 N1 + (1-pi1) N2) with scipy's normal and logsumexp: an independent reference."""
    a = np.stack([np.log(p.pi1) + stats.norm.logpdf(x, p.mu1, p.sigma),
                  np.log1p(-p.pi1) + stats.norm.logpdf(x, p.mu2, p.sigma)])
    return logsumexp(a, axis=0)


@settings(max_examples=200, deadline=None)
@given(params_st, st.lists(st.floats(-200, 200), min_size=1, max_size=20))
def test_logpdf_equals_scipy_mixture(p, xs):
    x = np.array(xs)
    ref = reference_logpdf(x, p)
    np.testing.assert_allclose(logpdf(x, p), ref, rtol=1e-12, atol=1e-10)


def test_density_matches_scipy_pdf_and_integrates_to_one():
    p = DEFAULT_TRUTH
    x = np.linspace(-10, 30, 101)
    direct = p.pi1 * stats.norm.pdf(x, p.mu1, p.sigma) + (1 - p.pi1) * stats.norm.pdf(x, p.mu2, p.sigma)
    np.testing.assert_allclose(pdf(x, p), direct, rtol=1e-13)
    total, err = integrate.quad(lambda t: float(pdf(t, p)), -60, 80, points=[5, 15], limit=200)
    assert abs(total - 1.0) < 1e-8 + err


@pytest.mark.parametrize("p", [MixtureParams(0.5, -5e5, 5e5, 1.0), MixtureParams(0.3, 5, 15, 1e-3)])
def test_extreme_separation_and_far_points_are_finite_and_exact(p):
    s = p.sigma
    x = np.array([p.mu1, p.mu2, 0.5 * (p.mu1 + p.mu2), p.mu1 - 50 * s, p.mu2 + 50 * s, 1e7])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow/divide warning fails the test
        lp = logpdf(x, p)
        r = responsibilities(x, p)
    assert np.all(np.isfinite(lp))
    assert np.all((r >= 0) & (r <= 1))
    # At a component's own mean the other component is negligible: log p = log pi_k + log N(0) exactly.
    np.testing.assert_allclose(lp[0], np.log(p.pi1) + stats.norm.logpdf(0, 0, s), rtol=1e-14)
    np.testing.assert_allclose(lp[1], np.log1p(-p.pi1) + stats.norm.logpdf(0, 0, s), rtol=1e-14)
    # 50 sigma beyond mu1 (on the side away from mu2): the log-density is the Gaussian tail of component 1.
    np.testing.assert_allclose(lp[3], np.log(p.pi1) + stats.norm.logpdf(-50.0, 0, 1) - np.log(s), rtol=1e-14)


@settings(max_examples=100, deadline=None)
@given(params_st, st.integers(0, 2**32 - 1))
def test_loglik_invariant_under_label_swap(p, seed):
    x = np.random.default_rng(seed).normal(0, 30, size=50)
    assert loglik(x, p.swapped()) == pytest.approx(loglik(x, p), rel=1e-13, abs=1e-9)
    np.testing.assert_allclose(responsibilities(x, p.swapped()), 1 - responsibilities(x, p), atol=1e-12)


def test_responsibilities_are_bayes_rule():
    p = MixtureParams(0.4, 0.0, 2.0, 1.3)
    x = np.linspace(-4, 6, 41)
    num = p.pi1 * stats.norm.pdf(x, p.mu1, p.sigma)
    den = num + (1 - p.pi1) * stats.norm.pdf(x, p.mu2, p.sigma)
    np.testing.assert_allclose(responsibilities(x, p), num / den, rtol=1e-12)
