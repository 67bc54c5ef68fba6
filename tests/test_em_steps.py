"""E-step, M-step, EM map and the fused pass: each against an independent formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from emvb import em
from emvb.em.coords import params, start_u
from emvb.em.kernel import sums_numba, sums_numpy, update
from emvb.models import MixtureParams, loglik, simulate
from emvb.models.scaling import Scaling

TRUTH = MixtureParams(0.3, 5.0, 15.0, 2.0)


@pytest.fixture(scope="module")
def x():
    return simulate(TRUTH, 2000, 11).values


def test_e_step_is_bayes_rule(x):
    p = MixtureParams(0.4, 6.0, 13.0, 2.5)
    f1 = p.pi1 * stats.norm.pdf(x, p.mu1, p.sigma)
    f2 = (1 - p.pi1) * stats.norm.pdf(x, p.mu2, p.sigma)
    np.testing.assert_allclose(em.e_step(x, p), f1 / (f1 + f2), rtol=1e-12, atol=1e-300)


def _q(x, r1, theta):
    """Expected complete-data log-likelihood Q(theta | r1), written out directly with scipy."""
    pi1, mu1, mu2, sigma = theta
    return float(np.sum(r1 * (np.log(pi1) + stats.norm.logpdf(x, mu1, sigma))
                        + (1 - r1) * (np.log1p(-pi1) + stats.norm.logpdf(x, mu2, sigma))))


def test_m_step_maximises_q_with_pooled_sigma(x):
    r1 = em.e_step(x, MixtureParams(0.5, 7.0, 12.0, 3.0))
    new = em.m_step(x, r1).to_array()
    # the gradient of Q vanishes at the M-step. Central differences with h = 1e-5 |theta_j|: truncation
    # h^2 |Q'''| / 6 ~ 1e-7 and rounding eps |Q| / h ~ 1e-8 (absolute), while the natural size of
    # dQ/dtheta_j is N / (pi1, sigma, sigma, sigma) ~ 10^3: a relative 1e-7 bound leaves a 100x margin
    # and still catches an M-step whose sigma is off by 1e-6 relative.
    grad = np.empty(4)
    for j in range(4):
        h = 1e-5 * abs(new[j])
        e = np.zeros(4)
        e[j] = h
        grad[j] = (_q(x, r1, new + e) - _q(x, r1, new - e)) / (2 * h)
    natural = x.size / np.array([new[0], new[3], new[3], new[3]])
    assert np.all(np.abs(grad) < 1e-7 * natural), grad / natural
    # and moving any coordinate lowers Q (a maximum, not a saddle)
    q0 = _q(x, r1, new)
    for j in range(4):
        for sign in (-1, 1):
            e = np.zeros(4)
            e[j] = sign * 1e-3 * abs(new[j])
            assert _q(x, r1, new + e) < q0
    # the one-component bug (docs/methods.md §6.3) gives a different sigma: the test can tell them apart
    mu1 = np.dot(r1, x) / r1.sum()
    buggy = math.sqrt(np.dot(r1, (x - mu1) ** 2) / r1.sum())
    assert abs(buggy - new[3]) > 1e-3


def test_m_step_refuses_an_empty_component(x):
    with pytest.raises(ValueError, match="no weight"):
        em.m_step(x, np.zeros_like(x))


def test_em_map_raises_loglik_and_fixes_the_mle(x):
    p = MixtureParams(0.5, 7.0, 12.0, 3.0)
    assert loglik(x, em.em_map(x, p)) > loglik(x, p)
    mle = em.fit(x, tol=1e-14, xtol=1e-12, n_init=2).params
    step = em.em_map(x, mle).to_array() - mle.to_array()
    assert np.max(np.abs(step)) < 1e-9 * x.std()


CASES = [
    ("default", TRUTH, MixtureParams(0.5, 7.0, 12.0, 3.0)),
    ("overlap", MixtureParams(0.3, 0.0, 1.5, 1.0), MixtureParams(0.6, -1.0, 2.0, 0.5)),
    ("far from 0", MixtureParams(0.3, 1e8 + 5, 1e8 + 15, 2.0), MixtureParams(0.5, 1e8 + 7, 1e8 + 12, 3.0)),
    # components 10^6 sigma apart: eta is ~1e12 for every point, r is 0 or 1 to the last bit
    ("extreme separation", MixtureParams(0.4, 0.0, 1e6, 1.0), MixtureParams(0.5, 1.0, 9e5, 2.0)),
    ("tiny sigma", MixtureParams(0.3, 1.0, 1.0 + 1e-4, 1e-6),
     MixtureParams(0.5, 1.0 + 1e-5, 1.0 + 9e-5, 3e-6)),
]


@pytest.mark.parametrize("name,truth,at", CASES, ids=[c[0] for c in CASES])
def test_fused_pass_equals_numpy_reference(name, truth, at):
    x = simulate(truth, 3001, 5).values  # not a multiple of the 256-point block
    sc = Scaling.of(x)
    xs = sc.standardize(x)
    u = start_u(sc, at)
    a, b = sums_numba(xs, u), sums_numpy(xs, u)
    # sums of O(N) terms of size O(1) in a different order: agree to ~N * eps relative to their scale
    scale = np.array([abs(b[0]), xs.size, xs.size, *(np.sum(np.abs(xs - v)) for v in (u[1],)),
                      np.sum((xs - u[1]) ** 2), np.sum(np.abs(xs - u[2])), np.sum((xs - u[2]) ** 2)])
    np.testing.assert_array_less(np.abs(a - b), 1e-12 * scale + 1e-300)
    # and the update equals the reference M-step on the original data
    fused = params(sc, update(u, a, xs.size)).to_array()
    ref = em.em_map(x, at).to_array()
    np.testing.assert_allclose(fused, ref, rtol=1e-9, atol=1e-9 * x.std())
    # the log-likelihood the pass reports, mapped back, is models.loglik's
    assert sc.loglik_from_std(a[0], xs.size) == pytest.approx(loglik(x, at), rel=1e-11, abs=1e-9)


def test_vectorised_exp_is_accurate_to_a_few_ulp():
    from emvb.models.fused_pass import exp_neg_abs

    v = np.concatenate([np.linspace(-708, 708, 200_001), np.geomspace(1e-300, 1.0, 1001), [0.0, -0.0]])
    got, want = exp_neg_abs(v), np.exp(-np.abs(v))
    # Taylor truncation < 2e-16 plus ~12 roundings in Horner's rule: a few ulp
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    # beyond the clamp at -708 the kernel returns exp(-708) ~ 3e-308 instead of something smaller:
    # harmless, as every use adds it to 1 or multiplies it by a responsibility
    assert np.all(exp_neg_abs(np.array([710.0, 1e300])) <= np.exp(-708.0) * (1 + 1e-15))
