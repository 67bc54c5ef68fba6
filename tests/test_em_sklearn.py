"""Same answer as an independent implementation: scikit-learn's tied-covariance GaussianMixture.

``GaussianMixture(2, covariance_type="tied", reg_covar=0)`` fits exactly our model (docs/methods.md §1).
Two checks. (1) Free runs (``tol=1e-12``, ``n_init=5``): estimates equal to 1e-6 relative and total
log-likelihoods to 1e-6 absolute. Where EM is slow (overlapping components, rate ~0.99) sklearn's
stopping rule (mean log-likelihood change < 1e-12) leaves *its* estimate ~1e-4 relative short of the
optimum; there the log-likelihood at its estimate tells how far it may be: for a log-likelihood that
is quadratic near the maximum, ``|theta_sk - theta_hat|_j <= sqrt(2 (L(theta_hat) - L(theta_sk)) cov_jj)``.
(2) sklearn's EM started at our estimate leaves it in place (a fixed point of independent code).
"""

from __future__ import annotations

import numpy as np
import pytest

from emvb import em
from emvb.models import MixtureParams, loglik, simulate

sklearn_mixture = pytest.importorskip("sklearn.mixture")

CASES = {
    "default": (MixtureParams(0.3, 5.0, 15.0, 2.0), 10_000),
    "overlapping": (MixtureParams(0.3, 0.0, 1.5, 1.0), 2000),
    "unbalanced": (MixtureParams(0.05, 5.0, 15.0, 2.0), 10_000),
}


def _sklearn_fit(x, start: MixtureParams | None = None) -> MixtureParams:
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    kw = dict(n_init=5, random_state=0)
    if start is not None:
        kw = dict(weights_init=[start.pi1, 1 - start.pi1], means_init=[[start.mu1], [start.mu2]],
                  precisions_init=[[1.0 / start.sigma**2]])
    # one thread: its k-means start is OpenMP-parallel and oversubscribing the 2 cores is 100x slower
    with threadpool_limits(limits=1):
        g = sklearn_mixture.GaussianMixture(2, covariance_type="tied", reg_covar=0.0, tol=1e-12,
                                            max_iter=100_000, **kw).fit(x[:, None])
    assert g.converged_
    w, m = g.weights_, g.means_.ravel()
    i, j = np.argsort(m)
    return MixtureParams(w[i], m[i], m[j], float(np.sqrt(g.covariances_.ravel()[0])))


@pytest.mark.parametrize("case", list(CASES))
def test_estimates_equal_sklearn(case):
    truth, n = CASES[case]
    x = simulate(truth, n, 1).values
    ours = em.fit(x, tol=1e-14, xtol=1e-12)
    theirs = _sklearn_fit(x)
    l_theirs = loglik(x, theirs)
    # total log-likelihood to 1e-6 absolute, and ours is the (weakly) higher one
    assert ours.loglik == pytest.approx(l_theirs, abs=1e-6)
    gap = ours.loglik - l_theirs
    assert gap > -1e-9
    diff = np.abs(ours.params.to_array() - theirs.to_array())
    if case == "overlapping":
        # EM's rate is ~0.99 here: sklearn stops ~1e-4 SE short (its estimate differs ~1e-4
        # relative); check it lies where its own log-likelihood gap says it must
        bound = np.sqrt(2 * max(gap, 0.0) * np.diag(ours.cov))
        assert np.all(diff <= 1.1 * bound + 1e-9), (diff, bound)
        assert np.all(diff / ours.se.to_array() < 1e-3)
    else:
        np.testing.assert_allclose(ours.params.to_array(), theirs.to_array(), rtol=1e-6)


@pytest.mark.parametrize("case", list(CASES))
def test_our_estimate_is_a_fixed_point_of_sklearns_em(case):
    """sklearn's own E and M steps, started at our estimate, leave it where it is.

    This holds sklearn to our answer at our precision even where its free run stops early: our
    estimate is ~1e-11 / (1 - rate) <= 1e-9 data sds from the fixed point (xtol = 1e-12, rate <= 0.99),
    and sklearn's two iterations from there move it by less than that.
    """
    truth, n = CASES[case]
    x = simulate(truth, n, 1).values
    ours = em.fit(x, tol=1e-14, xtol=1e-12)
    theirs = _sklearn_fit(x, start=ours.params)
    np.testing.assert_allclose(theirs.to_array(), ours.params.to_array(), rtol=1e-9, atol=1e-9 * x.std())
