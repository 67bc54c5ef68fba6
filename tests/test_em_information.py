"""Louis' observed information = minus the Hessian of models.loglik, at the MLE and elsewhere."""

from __future__ import annotations

import information_numpy as inf
import numpy as np
import pytest

from emvb import em
from emvb.models import MixtureParams, loglik, simulate

TRUTH = MixtureParams(0.3, 5.0, 15.0, 2.0)
OVERLAP = MixtureParams(0.3, 0.0, 1.5, 1.0)


def _fd_hessian(x, p: MixtureParams, h: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of the total log-likelihood (4-point stencil for mixed terms)."""
    t0 = p.to_array()

    def f(t):
        return loglik(x, MixtureParams.from_array(t))

    H = np.empty((4, 4))
    for j in range(4):
        for k in range(j, 4):
            ej = np.zeros(4)
            ek = np.zeros(4)
            ej[j] = h[j]
            ek[k] = h[k]
            H[j, k] = H[k, j] = (f(t0 + ej + ek) - f(t0 + ej - ek) - f(t0 - ej + ek) + f(t0 - ej - ek)) / (
                4 * h[j] * h[k])
    return H


def _fd_gradient(x, p: MixtureParams, h: np.ndarray) -> np.ndarray:
    t0 = p.to_array()
    g = np.empty(4)
    for j in range(4):
        e = np.zeros(4)
        e[j] = h[j]
        up, down = MixtureParams.from_array(t0 + e), MixtureParams.from_array(t0 - e)
        g[j] = (loglik(x, up) - loglik(x, down)) / (2 * h[j])
    return g


@pytest.mark.parametrize("truth,at", [
    (TRUTH, None),                                 # at the MLE
    (TRUTH, MixtureParams(0.45, 6.0, 14.0, 2.6)),  # far from it: Louis' identity holds at any theta
    (OVERLAP, None),
    (OVERLAP, MixtureParams(0.6, -0.5, 2.0, 0.8)),
], ids=["default-mle", "default-elsewhere", "overlap-mle", "overlap-elsewhere"])
def test_louis_equals_finite_difference_hessian(truth, at):
    x = simulate(truth, 800, 3).values
    p = em.fit(x, n_init=3).params if at is None else at
    info = em.observed_information(x, p)
    # steps of 1e-2 "standard errors" (1/sqrt of the diagonal, abs since off the MLE it may be
    # indefinite): L moves by ~1e-4, far above its rounding (~eps |L| ~ 1e-13), while the O(h^2)
    # truncation error is ~1e-4 of the curvature's own scale; 1e-4 relative (issue 3) is met with room.
    h = 1e-2 / np.sqrt(np.abs(np.diag(info)))
    H = _fd_hessian(x, p, h)
    scale = np.sqrt(np.outer(np.abs(np.diag(info)), np.abs(np.diag(info))))
    np.testing.assert_array_less(np.abs(info + H), 1e-4 * scale)


def test_score_is_the_gradient_and_vanishes_at_the_mle():
    x = simulate(OVERLAP, 800, 4).values
    p = MixtureParams(0.5, -0.3, 1.8, 1.1)
    info = em.observed_information(x, p)
    h = 1e-3 / np.sqrt(np.abs(np.diag(info)))
    g = _fd_gradient(x, p, h)
    sd = np.sqrt(np.abs(np.diag(info)))  # natural size of the gradient: one SE moves L by ~1
    np.testing.assert_array_less(np.abs(em.score(x, p) - g), 1e-6 * sd)
    assert np.max(np.abs(g) / sd) > 1.0  # the check above is not vacuous: the gradient is large here
    mle = em.fit(x, tol=1e-14, xtol=1e-12, n_init=3).params
    # at the MLE the gradient is 0; in SE units it is at most the EM convergence error (~1e-10)
    s = em.score(x, mle)
    info = em.observed_information(x, mle)
    assert np.sqrt(s @ np.linalg.solve(info, s)) < 1e-6


def test_information_is_equivariant_under_relabelling():
    x = simulate(TRUTH, 500, 6).values
    p = MixtureParams(0.35, 5.5, 14.0, 2.2)
    J = np.array([[-1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=float)  # d(swap)/d(theta)
    np.testing.assert_allclose(em.observed_information(x, p.swapped()),
                               J @ em.observed_information(x, p) @ J.T,
                               rtol=1e-10, atol=1e-8)


def test_empirical_information_agrees_with_observed_within_sampling_error():
    x = simulate(TRUTH, 20_000, 7).values
    p = em.fit(x, n_init=2).params
    emp = inf.empirical_information(x, p)
    obs = em.observed_information(x, p)
    s = inf.point_scores(x, p)
    # E[s s^T] = I per point at the truth; the sum's sampling sd is sqrt(N var(s_j s_k)), estimated
    # from the data; 5 sds (the observed side varies much less).
    sd = np.sqrt(x.size * np.var(s[:, :, None] * s[:, None, :], axis=0))
    np.testing.assert_array_less(np.abs(emp - obs), 5 * sd)
    # ... but not identical (they are different estimators): catches returning one for the other
    assert np.max(np.abs(emp - obs) / sd) > 1e-3


def test_missing_information_predicts_em_rate():
    """EM's linear rate is the largest eigenvalue of I - I_oc^{-1} I_obs (Dempster et al. 1977, §3)."""
    x = simulate(OVERLAP, 2000, 8).values
    r = em.fit(x, n_init=1, tol=0.0, xtol=0.0, max_iter=700, accelerate=False)
    assert not r.converged and r.reason == "max_iter reached"
    p = r.params
    ioc = em.complete_information(x, p)
    iobs = em.observed_information(x, p)
    # the missing information I_oc - I_obs is positive semi-definite
    assert np.min(np.linalg.eigvalsh(ioc - iobs)) > -1e-8 * np.max(np.abs(ioc))
    rate = np.max(np.real(np.linalg.eigvals(np.eye(4) - np.linalg.solve(ioc, iobs))))
    steps = np.linalg.norm(np.diff(r.trace.params, axis=0), axis=1)
    observed = np.median(steps[301:600] / steps[300:599])  # past the transient, above rounding
    # the ratio converges to the rate like (lambda2/lambda1)^t ~ 0.87^300 ~ 1e-18: only rounding is left
    assert observed == pytest.approx(rate, abs=1e-4)
    assert rate > 0.9  # overlapping components: slow EM (which is why SQUAREM matters)


@pytest.mark.parametrize("truth,at", [
    (TRUTH, MixtureParams(0.45, 6.0, 14.0, 2.6)),
    (MixtureParams(0.3, 1e8 + 5, 1e8 + 15, 2.0), MixtureParams(0.45, 1e8 + 6, 1e8 + 14, 2.6)),
    (MixtureParams(0.4, 0.0, 1e6, 1.0), MixtureParams(0.4, 1.0, 1e6 - 1.0, 1.5)),
], ids=["default", "far-from-0", "extreme-separation"])
def test_compiled_information_equals_numpy_reference(truth, at):
    x = simulate(truth, 3001, 9).values
    scale = np.sqrt(np.abs(np.outer(np.diag(inf.complete_information_numpy(x, at)),
                                    np.diag(inf.complete_information_numpy(x, at)))))
    # sums of N terms in another order: agreement to ~N eps of the information's own scale
    for fast, ref in ((em.observed_information, inf.observed_information_numpy),
                      (em.complete_information, inf.complete_information_numpy)):
        np.testing.assert_array_less(np.abs(fast(x, at) - ref(x, at)), 1e-11 * scale + 1e-300)
    np.testing.assert_allclose(em.score(x, at), inf.score_numpy(x, at), rtol=1e-10,
                               atol=1e-11 * np.sqrt(np.diag(scale)).max())
