"""diagnose_labels: exact verdicts on constructed posteriors, and the evidence it reports."""

from __future__ import annotations

import dataclasses

import arviz as az
import numpy as np
import pytest
import xarray as xr
from scipy.special import ndtr
from test_labels_synthetic import OVERLAPPING, dataset, normal_draws, swap, to_tree

from emvb.labels.diagnose import diagnose_labels
from emvb.models.density import loglik
from emvb.models.errors import EmvbError
from emvb.models.params import MixtureParams

C, D = 4, 500


@pytest.fixture(scope="module")
def separated():
    x, fit = dataset()
    return x, fit, normal_draws(fit, C, D)


def patterns():
    between = np.zeros((C, D), bool)
    between[[1, 3]] = True
    within = np.zeros((C, D), bool)
    within[2, D // 2:] = True
    return {"none": np.zeros((C, D), bool), "between_chains": between, "within_chain": within,
            "all_swapped": np.ones((C, D), bool)}


@pytest.mark.parametrize("name", ["none", "between_chains", "within_chain", "all_swapped"])
def test_verdicts_and_per_chain_shares_are_exact(separated, name):
    x, fit, theta = separated
    perm = patterns()[name]
    d = diagnose_labels(to_tree(swap(theta, perm), fit.sha256, x), fit)
    assert d.verdict == ("none" if name == "all_swapped" else name)
    for c, ch in enumerate(d.chains):
        majority_swapped = perm[c].mean() > 0.5
        assert ch.chain == c
        assert ch.labelling == ("swapped" if majority_swapped else "as_em")
        # Separated components: no draw of the normal mode crosses (wrong-side share ~ 1e-1000).
        assert ch.share_other == min(perm[c].mean(), 1 - perm[c].mean())
    assert d.share_swapped == perm.mean()


def test_rhat_evidence_separates_raw_from_label_invariant(separated):
    x, fit, theta = separated
    d = diagnose_labels(to_tree(swap(theta, patterns()["between_chains"]), fit.sha256, x), fit)
    # Two chains in each mode: between-chain variance ~ (mu2 - mu1)^2 >> within; R-hat far above 1.01.
    for k in ("pi1", "mu1", "mu2"):
        assert d.rhat_raw[k] > 1.5
    # Invariants are iid draws here; for 8 split chains of 250, R-hat - 1 ~ (chi2_7/7 - 1)/500 < 0.01.
    assert set(d.rhat_invariant) == {"sigma", "mu_min", "mu_max", "loglik"}
    assert max(d.rhat_invariant.values()) < 1.01
    assert d.rhat_raw["sigma"] == d.rhat_invariant["sigma"]
    text = d.explain()
    assert "between chains" in text and "0, 2" in text and "1, 3" in text


def test_rhat_values_are_arviz_own(separated):
    x, fit, theta = separated
    th = swap(theta, patterns()["within_chain"])
    dt = to_tree(th, fit.sha256, x)
    d = diagnose_labels(dt, fit)
    rh = az.rhat(dt)
    assert d.rhat_raw["pi1"] == float(rh["pi1"])
    assert d.rhat_raw["mu2"] == float(rh["mu"].sel(component=2))
    assert d.rhat_invariant["mu_max"] == float(az.rhat(np.maximum(th[..., 1], th[..., 2])))
    # The log-likelihood per draw from the data (chunked) is the model's loglik of each draw.
    ll = np.array([[loglik(x, MixtureParams(*th[c, j])) for j in range(D)] for c in range(C)])
    assert d.rhat_invariant["loglik"] == pytest.approx(float(az.rhat(ll)), rel=1e-12)
    assert "within chains" in d.explain() and "chain 2: 50.0%" in d.explain()


def test_loglik_from_log_likelihood_group_when_no_data(separated):
    x, fit, theta = separated
    th = theta[:, :50]
    dt = to_tree(th, fit.sha256)
    from emvb.models.density import logpdf

    pointwise = np.array([[logpdf(x, MixtureParams(*th[c, j])) for j in range(50)] for c in range(C)])
    assert "loglik" not in diagnose_labels(dt, fit).rhat_invariant
    dt["log_likelihood"] = xr.Dataset({"x": (("chain", "draw", "obs"), pointwise)})
    got = diagnose_labels(dt, fit).rhat_invariant["loglik"]
    assert got == pytest.approx(float(az.rhat(pointwise.sum(-1))), rel=1e-12)


def test_overlapping_labellings_raise_the_threshold():
    """A chain that never switches puts ~Phi(-delta/2) of its draws on the far side by chance."""
    x, fit = dataset(OVERLAPPING, n=400, seed=3)
    # Inflate the covariance (and the draws' spread) so the two labellings are delta ~ 3 apart.
    from emvb.labels.pivot import mode_separation

    k = (mode_separation(fit.params, fit.cov) / 3.0) ** 2
    wide = dataclasses.replace(fit, cov=k * fit.cov)
    theta = normal_draws(fit, C, 2000, seed=5, cov_scale=k)
    d = diagnose_labels(to_tree(theta, fit.sha256), wide)
    p = ndtr(-1.5)
    assert d.wrong_side_share == pytest.approx(p, rel=1e-9)
    assert d.threshold == pytest.approx(2 * p)
    assert d.verdict == "none"
    # iid draws: each chain's wrong-side share is Binomial(2000, p)/2000; 4 sd bounds.
    for ch in d.chains:
        assert abs(ch.share_other - p) < 4 * np.sqrt(p * (1 - p) / 2000)
    # A chain that does switch half-way is still caught.
    perm = np.zeros((C, 2000), bool)
    perm[0, 1000:] = True
    d2 = diagnose_labels(to_tree(swap(theta, perm), fit.sha256), wide)
    assert d2.verdict == "within_chain"
    assert [c.switches for c in d2.chains] == [True, False, False, False]


def test_bad_posterior_is_a_one_line_error(separated):
    x, fit, theta = separated
    dt = az.from_dict({"posterior": {"pi1": theta[..., 0], "sigma": theta[..., 3]}})
    with pytest.raises(EmvbError, match="no variable 'mu'"):
        diagnose_labels(dt, fit)
    dt3 = az.from_dict({"posterior": {"pi1": theta[..., 0], "mu": np.repeat(theta[..., 1:2], 3, -1),
                                      "sigma": theta[..., 3]}}, dims={"mu": ["component"]})
    with pytest.raises(EmvbError, match="size 2"):
        diagnose_labels(dt3, fit)


@pytest.mark.slow
def test_real_posterior_dispersed_starts_switch_between_chains(tmp_path):
    """The unordered PyMC model, chains started at the EM estimate and its swap (init="dispersed")."""
    from emvb import em
    from emvb.labels.relabel import agreement, relabel_all
    from emvb.models.pymc_model import build_model
    from emvb.models.simulate import simulate
    from emvb.sampling.sample import sample

    ds = simulate(MixtureParams(0.3, 5.0, 15.0, 2.0), 500, 4)
    fit = em.fit(ds)
    dt = sample(build_model(ds, ordered=False), chains=4, draws=300, tune=300, seed=1,
                init="dispersed", start=fit.params)
    d = diagnose_labels(dt, fit)
    assert d.verdict == "between_chains"
    assert [c.labelling for c in d.chains] == ["as_em", "swapped", "as_em", "swapped"]
    assert max(d.rhat_raw[k] for k in ("pi1", "mu1", "mu2")) > 1.5
    rel = relabel_all(dt, em_result=fit, methods=("order", "pivot", "stephens", "ecr"))
    assert (agreement(rel).to_numpy() == 1.0).all()
    s = az.summary(rel["stephens"].posterior, kind="diagnostics", round_to="none")
    # 1200 near-independent NUTS draws; the threshold 1.01 of Vehtari et al. (2021).
    assert s["r_hat"].max() < 1.01
    assert s["ess_bulk"].min() > 400
    # A real sampler's tree (nutpie sample_stats included) survives the netCDF round trip.
    from emvb.compare.results import load_results, save_results
    from emvb.compare.table import compare_fits

    posts = {"unordered-raw": dt, "stephens": rel["stephens"]}
    table = compare_fits(fit, {k: getattr(v, "posterior", v) for k, v in posts.items()})
    path = save_results(tmp_path / "r.nc", data=ds, em_result=fit, posteriors=posts, table=table)
    back = load_results(path)["posteriors"]["unordered-raw"]
    assert np.array_equal(back["posterior"]["mu"].values, dt["posterior"]["mu"].values)
    assert np.array_equal(back["sample_stats"]["diverging"].values, dt["sample_stats"]["diverging"].values)


def test_undefined_em_covariance_falls_back_to_the_draws_scale(separated):
    """em.fit reports NaN covariance where the information is singular; the diagnosis still works."""
    x, fit, theta = separated
    nan_fit = dataclasses.replace(fit, cov=np.full((4, 4), np.nan))
    d = diagnose_labels(to_tree(swap(theta, patterns()["between_chains"]), fit.sha256, x), nan_fit)
    assert d.verdict == "between_chains" and np.isfinite(d.separation)


def test_explain_warns_about_overlapping_components():
    x, fit = dataset(OVERLAPPING, n=400, seed=3)
    d = diagnose_labels(to_tree(normal_draws(fit, 2, 100), fit.sha256), fit)
    gap = abs(fit.params.mu2 - fit.params.mu1) / fit.params.sigma
    assert d.component_gap == pytest.approx(gap)
    assert (f"only {gap:.2g} sigma apart" in d.explain()) == (gap < 2)
    xs, fs = dataset()
    ds = diagnose_labels(to_tree(normal_draws(fs, 2, 100), fs.sha256), fs)
    assert ds.component_gap > 4 and "sigma apart" not in ds.explain()
