"""em.fit: recovery of the truth, restarts, stopping, SQUAREM, trace, result record."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from emvb import em
from emvb.models import Dataset, MixtureParams, fingerprint, loglik, simulate
from emvb.models.errors import DataError

TRUTH = MixtureParams(0.3, 5.0, 15.0, 2.0)
OVERLAP = MixtureParams(0.3, 0.0, 1.5, 1.0)


@pytest.fixture(scope="module")
def ds():
    return simulate(TRUTH, 10_000, 2026)


@pytest.fixture(scope="module")
def fitted(ds):
    return em.fit(ds)


def test_recovers_the_truth_within_its_standard_errors(fitted):
    z = (fitted.params.to_array() - TRUTH.to_array()) / fitted.se.to_array()
    assert np.all(np.abs(z) < 4.0), z  # 4 SE: a false alarm probability of ~2.5e-4 over 4 parameters
    assert fitted.converged and fitted.reason == "log-likelihood change < tol"
    assert fitted.params.mu1 <= fitted.params.mu2


def test_result_is_consistent_with_the_model(ds, fitted):
    assert fitted.loglik == pytest.approx(loglik(ds.values, fitted.params), rel=1e-12)
    assert fitted.n == ds.n and fitted.sha256 == ds.sha256
    cov = np.linalg.inv(em.observed_information(ds.values, fitted.params))
    np.testing.assert_allclose(fitted.cov, cov, rtol=1e-10)
    np.testing.assert_allclose(fitted.se.to_array(), np.sqrt(np.diag(cov)), rtol=1e-12)


def test_trace_is_the_best_run_in_the_reported_labelling(ds, fitted):
    tr = fitted.trace
    assert tr.params.shape == (fitted.n_iter + 1, 4) and tr.loglik.shape == (fitted.n_iter + 1,)
    np.testing.assert_allclose(tr.params[-1], fitted.params.to_array(), rtol=1e-12)
    assert tr.loglik[-1] == fitted.loglik
    best = fitted.runs.starts[fitted.runs.best]
    assert best.final == fitted.params and best.n_iter == fitted.n_iter
    # row 0 is the best run's start, relabelled like the estimate if that was needed
    assert any(np.allclose(tr.params[0], p.to_array(), rtol=1e-12) for p in (best.init, best.init.swapped()))
    for t in (0, len(tr.loglik) // 2):
        expect = loglik(ds.values, MixtureParams.from_array(tr.params[t]))
        assert tr.loglik[t] == pytest.approx(expect, rel=1e-11)
    assert np.all(np.diff(tr.loglik) >= -1e-10 * abs(tr.loglik[-1]))


def test_runs_record_every_start_and_the_optima(fitted):
    runs = fitted.runs
    assert len(runs) == 10
    assert sum(o.count for o in runs.optima) == 10
    assert runs.optima[0].loglik == pytest.approx(fitted.loglik, abs=1e-6)
    assert [o.loglik for o in runs.optima] == sorted((o.loglik for o in runs.optima), reverse=True)
    for r in runs:
        assert r.final == runs.optima[r.optimum].params or r.loglik <= runs.optima[r.optimum].loglik
        assert r.n_map_evals >= r.n_iter
    kinds = [r.kind.split(" q=")[0] for r in runs]
    assert kinds[:4] == ["2-means split", "largest point alone", "smallest point alone", "k-means++ seeding"]
    assert set(kinds[4:]) == {"quantile split", "random data points"}
    for r in runs:  # a run that ends with mu1 ~ mu2 is never called converged
        if abs(r.final.mu1 - r.final.mu2) < 1e-2 * r.final.sigma:
            assert not r.converged and r.reason.startswith("stalled")


def test_a_given_start_with_n_init_1_is_the_only_start(ds):
    init = MixtureParams(0.5, 6.0, 13.0, 3.0)
    r = em.fit(ds, init=init, n_init=1)
    assert len(r.runs) == 1 and r.runs.starts[0].kind == "user"
    np.testing.assert_allclose(r.runs.starts[0].init.to_array(), init.to_array(), rtol=1e-12)
    r3 = em.fit(ds, init=init, n_init=3)
    assert len(r3.runs) == 3 and r3.runs.starts[0].kind == "user"


def test_a_symmetric_start_is_perturbed_not_stuck(ds, fitted):
    r = em.fit(ds, init=MixtureParams(0.3, 10.0, 10.0, 4.0), n_init=1)
    assert "perturbed" in r.runs.starts[0].kind
    # from mu1 == mu2 EM could never move; perturbed, it reaches the MLE
    assert r.loglik == pytest.approx(fitted.loglik, abs=1e-5)
    # while plain EM started exactly symmetric (the reference map) does not move the means apart
    p = em.em_map(ds.values, MixtureParams(0.3, 10.0, 10.0, 4.0))
    assert p.mu1 == pytest.approx(p.mu2, abs=1e-9)


def test_hitting_max_iter_is_reported():
    x = simulate(OVERLAP, 1000, 1).values
    r = em.fit(x, n_init=1, max_iter=3, accelerate=False)
    assert not r.converged and r.reason == "max_iter reached" and r.n_iter == 3
    assert r.trace.params.shape == (4, 4)
    assert r.to_json_dict()["converged"] is False


def test_squarem_reaches_plain_em_optimum_with_fewer_map_evaluations():
    x = simulate(OVERLAP, 2000, 1).values
    kw = dict(n_init=1, tol=1e-14, xtol=1e-12, max_iter=100_000)
    fast = em.fit(x, accelerate=True, **kw)
    slow = em.fit(x, accelerate=False, **kw)
    assert fast.converged and slow.converged
    # EM's rate here is ~0.98, so xtol = 1e-12 leaves each ~5e-11 from the optimum
    np.testing.assert_allclose(fast.params.to_array(), slow.params.to_array(), rtol=1e-8, atol=1e-8)
    assert fast.loglik == pytest.approx(slow.loglik, abs=1e-8)
    assert 5 * fast.n_map_evals <= slow.n_map_evals


def test_squarem_trace_never_decreases():
    x = simulate(OVERLAP, 1000, 9).values
    r = em.fit(x, n_init=4, tol=0.0, xtol=1e-12)
    assert np.all(np.diff(r.trace.loglik) >= -1e-10 * abs(r.loglik))


def test_default_tolerance_error_is_small_in_standard_errors():
    x = simulate(OVERLAP, 2000, 2).values
    loose = em.fit(x, n_init=2)
    tight = em.fit(x, n_init=2, tol=1e-14, xtol=1e-12)
    # the loglik gap bounds the distance: |d_j| <= sqrt(2 gap cov_jj) for a quadratic log-likelihood
    gap = tight.loglik - loose.loglik
    assert 0.0 <= gap < 1e-10 * x.size / (1 - 0.99)  # tol per point, amplified by 1/(1 - EM rate)
    bound = np.sqrt(2 * gap * np.diag(tight.cov))
    assert np.all(np.abs(loose.params.to_array() - tight.params.to_array()) <= 1.1 * bound + 1e-12)


def test_standardisation_makes_the_fit_equivariant():
    """Data far from 0 with a tiny spread: the fit is the affine image of the fit on the unshifted data."""
    y = 1e8 + 1e-3 * simulate(TRUTH, 3000, 3).values
    x = (y - 1e8) / 1e-3  # exactly the data y holds (y - 1e8 is exact), back on the O(1) scale
    kw = dict(n_init=3, tol=1e-14, xtol=1e-12)
    a, b = em.fit(x, **kw), em.fit(y, **kw)
    pa = a.params
    expect = np.array([pa.pi1, 1e8 + 1e-3 * pa.mu1, 1e8 + 1e-3 * pa.mu2, 1e-3 * pa.sigma])
    # both converge to ~1e-11 data sds; the mapping of the means back adds ulp(1e8) ~ 1.5e-8
    np.testing.assert_allclose(b.params.to_array(), expect, rtol=1e-9, atol=3e-8)
    assert b.loglik == pytest.approx(a.loglik - x.size * math.log(1e-3), abs=1e-6)
    np.testing.assert_allclose(b.se.to_array(), a.se.to_array() * [1, 1e-3, 1e-3, 1e-3], rtol=1e-6)


def test_extreme_separation_and_tiny_sigma():
    for truth in (MixtureParams(0.4, 0.0, 1e6, 1.0), MixtureParams(0.3, 1.0, 1.0 + 1e-4, 1e-6)):
        x = simulate(truth, 2000, 4).values
        r = em.fit(x, n_init=3)
        z = (r.params.to_array() - truth.to_array()) / r.se.to_array()
        assert r.converged and np.all(np.isfinite(z)) and np.all(np.abs(z) < 4.0), z


def test_numpy_engine_gives_the_same_fit(ds, fitted):
    ref = em.fit(ds, engine="numpy")
    assert ref.loglik == pytest.approx(fitted.loglik, abs=1e-8)
    # Which of several runs at the same optimum is "best" may differ by rounding (their log-likelihoods
    # differ by ~1e-10): the estimates then agree to the stopping rule's accuracy, not to rounding.
    # The rule leaves L(MLE) - L <= tol N / (1 - rate), i.e. sqrt(2 tol N / (1 - rate)) SE (rate < 0.99).
    z = (ref.params.to_array() - fitted.params.to_array()) / fitted.se.to_array()
    assert np.all(np.abs(z) < np.sqrt(2 * 1e-10 * ds.n / 0.01)), z
    # run by run from the same starts; a stop decided at the threshold may differ by rounding, so
    # iterations may differ by one; with the same number of iterations the paths agree to rounding
    for a, b in zip(ref.runs, fitted.runs, strict=True):
        assert a.kind == b.kind and abs(a.n_iter - b.n_iter) <= 1
        np.testing.assert_allclose(a.final.to_array(), b.final.to_array(), rtol=1e-9 if a.n_iter == b.n_iter else 1e-6)


def test_ci_is_wald_on_logit_and_log_scale():
    x = simulate(MixtureParams(0.03, 0.0, 4.0, 1.0), 200, 5).values
    r = em.fit(x, n_init=3)
    ci = r.ci(0.95)
    z = 1.959963984540054
    lo, hi = ci["mu2"]
    assert lo == pytest.approx(r.params.mu2 - z * r.se.mu2)
    assert hi == pytest.approx(r.params.mu2 + z * r.se.mu2)
    lo, hi = ci["pi1"]
    assert 0.0 < lo < r.params.pi1 < hi < 1.0
    logit = math.log(r.params.pi1 / (1 - r.params.pi1))
    p = r.params.pi1
    assert math.log(hi / (1 - hi)) - logit == pytest.approx(z * r.se.pi1 / (p * (1 - p)))
    assert math.log(ci["sigma"][1] / r.params.sigma) == pytest.approx(z * r.se.sigma / r.params.sigma)
    assert r.ci(0.5)["mu1"][1] - r.ci(0.5)["mu1"][0] < ci["mu1"][1] - ci["mu1"][0]
    with pytest.raises(ValueError):
        r.ci(1.0)


def test_json_dict_has_exactly_the_cli_keys(fitted):
    d = fitted.to_json_dict()
    assert list(d) == ["pi1", "mu1", "mu2", "sigma", "loglik", "n_iter", "converged", "n", "sha256", "se",
                       "standardisation"]
    assert list(d["se"]) == ["pi1", "mu1", "mu2", "sigma"]
    assert json.loads(json.dumps(d)) == d


def test_array_input_is_fingerprinted_and_reproducible(ds):
    x = np.array(ds.values)
    a = em.fit(x, seed=3)
    b = em.fit(x, seed=3)
    assert a.sha256 == fingerprint(x) == ds.sha256
    assert a.params == b.params and a.loglik == b.loglik


@pytest.mark.parametrize("bad,match", [
    (np.array([1.0, 2.0, np.nan, 3.0]), "NaN"),
    (np.array([1.0, 2.0] * 6), "distinct"),
    (np.ones((3, 3)), "1-D"),
])
def test_unusable_data_is_refused(bad, match):
    with pytest.raises(DataError, match=match):
        em.fit(bad)


def test_bad_settings_are_refused(ds):
    for kw in (dict(n_init=0), dict(tol=-1.0), dict(max_iter=0)):
        with pytest.raises(ValueError):
            em.fit(ds, **kw)


def test_dataset_input_keeps_its_fingerprint():
    d = Dataset(values=np.linspace(0, 1, 50) ** 2, name="t")
    assert em.fit(d, n_init=2).sha256 == d.sha256


def test_runs_that_stop_on_the_one_normal_ridge_are_not_converged():
    # EM creeps along mu1 ~ mu2 (rate 1) and its log-likelihood rule can fire there; such an end
    # point has an observed information with a negative eigenvalue and must not count as a maximum.
    from emvb.em.fit import is_strict_max
    from emvb.models.params import MixtureParams
    from emvb.models.simulate import simulate

    ds = simulate(MixtureParams(0.3, 0.0, 1.5, 1.0), 200, 2026)
    fit = em.fit(ds.values, n_init=10, seed=0)
    assert fit.converged and is_strict_max(ds.values, fit.params)
    ridge = [r for r in fit.runs.starts if abs(r.final.mu1 - r.final.mu2) < 0.2 * r.final.sigma]
    assert ridge, "this seed has starts that end on the ridge"
    for r in ridge:
        assert not r.converged and "not positive definite" in r.reason
        assert not fit.runs.optima[r.optimum].is_max
        assert r.loglik < fit.loglik
    assert fit.runs.optima[0].is_max
