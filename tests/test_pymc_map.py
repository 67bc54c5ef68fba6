"""MAP of the PyMC model: with flat priors it is the MLE (docs/methods.md §5); default priors barely move it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from emvb import models
from emvb.models import MixtureParams

pytest.importorskip("pymc")
from pymc_map import find_map, find_map_result  # noqa: E402

from emvb.models.priors import Priors  # noqa: E402

N = 1000


@pytest.fixture(scope="module")
def data():
    return models.simulate(models.DEFAULT_TRUTH, N, seed=21)


@pytest.fixture(scope="module")
def flat_map(data):
    """The ordered model's MAP under flat priors (shared: each find_map compiles a model)."""
    return find_map_result(data, "flat", ordered=True)


def scipy_mle(x, start: MixtureParams) -> MixtureParams:
    """Independent MLE: BFGS on (logit pi1, mu1, mu2, log sigma) of models.loglik, then polished."""

    def nll(t):
        return -models.loglik(x, MixtureParams(1 / (1 + np.exp(-t[0])), t[1], t[2], np.exp(t[3])))

    t0 = [np.log(start.pi1 / (1 - start.pi1)), start.mu1, start.mu2, np.log(start.sigma)]
    t = optimize.minimize(nll, t0, method="BFGS", options={"gtol": 1e-9}).x
    t = optimize.minimize(nll, t, method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-12,
                                                                   "maxiter": 20_000}).x
    return MixtureParams(1 / (1 + np.exp(-t[0])), t[1], t[2], np.exp(t[3]))


def test_flat_map_equals_em_mle(data, flat_map):
    """docs/methods.md §5: with flat priors the posterior mode is EM's maximum-likelihood estimate."""
    from emvb import em

    mle = em.fit(data.values).params
    np.testing.assert_allclose(flat_map.params.to_array(), mle.ordered().to_array(), rtol=1e-6)


@pytest.mark.parametrize("ordered", [True, False])
def test_flat_map_equals_independent_mle(data, flat_map, ordered):
    """Same check against scipy on models.loglik; 1e-6 relative (both optimisers reach ~1e-8)."""
    x = data.values
    r = flat_map if ordered else find_map_result(data, "flat", ordered=False)
    mle = scipy_mle(x, r.params)
    np.testing.assert_allclose(r.params.to_array(), mle.to_array(), rtol=1e-6)
    # Under flat priors the reported log posterior density is the log-likelihood itself.
    assert r.logp == pytest.approx(models.loglik(x, r.params), rel=1e-12)
    assert r.logp >= models.loglik(x, mle) - 1e-9 * abs(r.logp)
    if ordered:
        assert r.params.mu1 < r.params.mu2


def test_map_labelling_follows_the_start_in_the_unordered_model(data):
    a = find_map(data, "flat", ordered=False, start=MixtureParams(0.3, 5, 15, 2))
    b = find_map(data, "flat", ordered=False, start=MixtureParams(0.7, 15, 5, 2))
    np.testing.assert_allclose(b.to_array(), a.swapped().to_array(), rtol=1e-6)


def numeric_hessian(f, t, h):
    """Central-difference Hessian of f at t with steps h (vector)."""
    k = len(t)
    H = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            H[i, j] = (f(t + ei + ej) - f(t + ei - ej) - f(t - ei + ej) + f(t - ei - ej)) / (4 * h[i] * h[j])
    return H


def test_default_priors_move_the_map_by_the_first_order_prior_shift(data, flat_map):
    """MAP - MLE ~= -H^{-1} grad log prior (H the log-likelihood Hessian at the MLE), in SE units.

    The shift of a posterior mode by a smooth prior is, to first order, the prior's score times the
    inverse observed information; the second-order remainder is O(shift^2 / scale), far below the
    5% + 1e-7 tolerance here. The measured shift is also reported in standard errors (tiny: the
    prior sd is ~10 data units, the SE of mu ~0.1).
    """
    x = data.values
    mle = flat_map.params
    pri = Priors.default_for(x)
    got = find_map_result(data, pri, ordered=True, start=mle)
    t = mle.to_array()
    H = numeric_hessian(lambda v: models.loglik(x, MixtureParams.from_array(v)), t, 1e-4 * np.abs(t))
    grad_prior = np.array([
        0.0,  # Beta(1, 1) is flat
        -(t[1] - pri.mu_mean) / pri.mu_sd**2,
        -(t[2] - pri.mu_mean) / pri.mu_sd**2,
        -t[3] / pri.sigma_sd**2,  # d/dsigma log HalfNormal(sigma | s) = -sigma / s^2
    ])
    predicted = -np.linalg.solve(H, grad_prior)
    shift = got.params.to_array() - t
    np.testing.assert_allclose(shift, predicted, rtol=0.05, atol=1e-7)
    se = np.sqrt(np.diag(np.linalg.inv(-H)))
    assert np.all(np.abs(shift / se) < 0.05), shift / se
    # The MAP maximises log-likelihood + log prior: no higher at the MLE.
    lp = (stats.norm.logpdf(t[1:3], pri.mu_mean, pri.mu_sd).sum()
          + stats.halfnorm.logpdf(t[3], scale=pri.sigma_sd))
    assert got.logp >= models.loglik(x, mle) + lp - 1e-9 * abs(got.logp)


def test_map_reports_a_tiny_newton_decrement_from_good_and_poor_starts(data):
    """From the crude start and from the MLE itself (where L-BFGS-B can stop 'ABNORMAL' at the
    floating-point floor), the returned point is within 1e-5 SE of the mode, and no warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = find_map_result(data, "default", ordered=True)
        b = find_map_result(data, "default", ordered=True, start=a.params)
    for r in (a, b):
        assert r.newton_decrement < 1e-5
    np.testing.assert_allclose(a.params.to_array(), b.params.to_array(), rtol=1e-7)
