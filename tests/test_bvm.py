"""`emvb bvm` and its parts: nested data, the Kolmogorov distance, intervals, findings, figures, the report."""

from __future__ import annotations

import math

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import emvb
from emvb import teaching
from emvb.compare.bvm import KS_95, check_n_grid, ks_to_normal, nested_datasets, run_bvm, standardized
from emvb.compare.intervals import KINDS, intervals
from emvb.compare.thresholds import SD_RATIO_BAND, Z_MAX
from emvb.models.errors import SettingError
from emvb.report.bvm_report import findings
from emvb.sampling.options import Settings

GRID = (50, 400)
SMALL = dict(chains=2, draws=300, tune=300, seed=11)


# -- nested data and the grid ---------------------------------------------------------------------


def test_n_grid_is_sorted_distinct_and_refuses_tiny_or_fractional_sizes():
    assert check_n_grid([1000, 20, 100, 20]) == (20, 100, 1000)
    for bad in ([5, 100], [20.5], [], ["x"]):
        with pytest.raises(SettingError):
            check_n_grid(bad)


def test_nested_datasets_are_prefixes_of_one_simulation():
    sets = nested_datasets(emvb.models.DEFAULT_TRUTH, (100, 20, 1000), seed=3)
    full = emvb.simulate(emvb.models.DEFAULT_TRUTH, n=1000, seed=3).values
    assert [d.n for d in sets] == [20, 100, 1000]
    for d in sets:
        np.testing.assert_array_equal(d.values, full[: d.n])
        assert d.truth == emvb.models.DEFAULT_TRUTH
    assert len({d.sha256 for d in sets}) == 3


# -- the Kolmogorov distance -----------------------------------------------------------------------


def test_ks_noise_level_holds_for_draws_from_the_normal_itself():
    """For m iid N(0, 1) draws, P(ks > 1.358 / sqrt(m)) is about 5%; over 400 replicates the share
    exceeding it lies within 3 binomial SEs of 0.05 (an exact-m correction makes it slightly smaller)."""
    rng = np.random.default_rng(0)
    m, reps = 500, 400
    share = np.mean([ks_to_normal(rng.standard_normal(m)) > KS_95 / math.sqrt(m) for _ in range(reps)])
    se = math.sqrt(0.05 * 0.95 / reps)
    assert abs(share - 0.05) < 3 * se


def test_ks_of_a_shifted_normal_is_its_exact_distance():
    """N(d, 1) against N(0, 1): sup |Phi(t - d) - Phi(t)| = 2 Phi(d/2) - 1, attained at t = d/2; the
    estimate from m draws is within the Kolmogorov 99.9% quantile 1.95 / sqrt(m) of it."""
    rng = np.random.default_rng(1)
    m, d = 40_000, 0.5
    exact = 2 * stats.norm.cdf(d / 2) - 1
    assert abs(ks_to_normal(rng.normal(d, 1, m)) - exact) < 1.95 / math.sqrt(m)


# -- intervals ----------------------------------------------------------------------------------------


def _normal_posterior(fit, draws: int, seed: int):
    """Draws from N(MLE, Cov) shaped like a 4-chain posterior: its HDI and ETI estimate MLE +- z SE."""
    rng = np.random.default_rng(seed)
    d = rng.multivariate_normal(fit.params.to_array(), fit.cov, size=(4, draws))
    return az.from_dict({"posterior": {"pi1": d[..., 0], "mu": d[..., 1:3], "sigma": d[..., 3]}},
                        dims={"mu": ["component"]}, coords={"component": [1, 2]})


def test_posterior_intervals_of_the_normal_approximation_match_plain_wald():
    """ETI bounds are quantiles: their SE is sqrt(p(1-p)/m) / phi(z) SEs (0.013 for m = 40,000, p = 0.025);
    HDI bounds of a symmetric density vary a little more. Tolerance: 5 such SEs."""
    fit = emvb.fit_em(emvb.simulate(emvb.models.DEFAULT_TRUTH, n=2000, seed=2), seed=2)
    m = 4 * 10_000
    df = intervals(fit, _normal_posterior(fit, 10_000, 3), ci_prob=0.95).set_index(["parameter", "kind"])
    z = stats.norm.ppf(0.975)
    q_se = math.sqrt(0.025 * 0.975 / m) / stats.norm.pdf(z)
    for name in emvb.models.PARAM_NAMES:
        se = getattr(fit.se, name)
        plain = df.loc[(name, "wald_plain")]
        assert plain["lb"] == pytest.approx(getattr(fit.params, name) - z * se)
        for kind in ("hdi", "eti"):
            row = df.loc[(name, kind)]
            assert abs(row["lb"] - plain["lb"]) / se < 5 * q_se, (name, kind)
            assert abs(row["ub"] - plain["ub"]) / se < 5 * q_se, (name, kind)
    assert list(df.loc["pi1"].index) == list(KINDS)


def test_reported_wald_stays_inside_where_plain_wald_leaves_the_parameter_space():
    """pi1 = 0.05 with n = 60: the plain interval of some data sets reaches below 0; the logit-scale one
    that EM reports never does. Checked on the first 20 seeds where the plain one leaves."""
    truth = emvb.MixtureParams(0.05, 5, 15, 2)
    leaving = 0
    for seed in range(200):
        fit = emvb.fit_em(emvb.simulate(truth, n=60, seed=seed), seed=0)
        lo = fit.params.pi1 - stats.norm.ppf(0.975) * fit.se.pi1
        if lo < 0:
            leaving += 1
            wald = fit.ci(0.95)["pi1"]
            assert 0 < wald[0] < fit.params.pi1 < wald[1] < 1
        if leaving == 20:
            break
    assert leaving == 20


# -- findings: the sentences follow the table ---------------------------------------------------------


def _table(rows):
    base = {"truth": 0.0, "mle": 0.5, "se": 0.1, "mean": 0.5, "sd": 0.1, "ks": 0.01, "ks_noise": 0.05,
            "ess_bulk": 1000.0, "r_hat": 1.0}
    for k in KINDS:
        base |= {f"{k}_lb": 0.3, f"{k}_ub": 0.7}
    out = []
    for n, name, z, ratio in rows:
        agree = abs(z) <= Z_MAX and SD_RATIO_BAND[0] <= ratio <= SD_RATIO_BAND[1]
        out.append(base | {"n": n, "parameter": name, "z_mean_mle": z, "sd_ratio": ratio, "agree": agree})
    return pd.DataFrame(out)


def test_findings_name_the_first_n_from_which_everything_agrees():
    rows = [(n, p, 0.0, 1.0) for n in (20, 100, 1000) for p in emvb.models.PARAM_NAMES]
    rows[1] = (20, "mu1", 2.0, 3.0)            # n = 20 fails on mu1
    rows[4 + 3] = (100, "sigma", 0.1, 1.4)      # n = 100 fails on sigma (sd ratio above the band)
    table = _table(rows)
    table.loc[2, "r_hat"] = 1.05                # n = 20, mu2: chains disagree
    text = findings(table)
    assert text[0].startswith("From n = 1,000 on, every parameter agrees")
    assert any(s.startswith("Sampling: R-hat at most 1.01") and "except at n = 20 (largest R-hat 1.05, smallest "
               "ESS 1000)," in s for s in text)
    assert any(s.startswith("At n = 20, 1 of 4 parameters do not (mu1)") for s in text)
    assert any(s.startswith("At n = 100, 1 of 4 parameters do not (sigma)") for s in text)
    assert not any(s.startswith("At n = 1,000") for s in text)


def test_findings_say_when_even_the_largest_n_disagrees_and_which_interval_leaves_the_space():
    rows = [(n, p, 0.0, 1.0) for n in (20, 100) for p in emvb.models.PARAM_NAMES]
    rows[-1] = (100, "sigma", 0.9, 1.0)
    table = _table(rows)
    table.loc[0, "wald_plain_lb"] = -0.02    # pi1 at n = 20
    text = findings(table)
    assert text[0].startswith("At the largest n (100) the posterior and N(MLE, SE²) still differ")
    assert "for every parameter at every n." in text[-3]
    assert text[-1] == ("The plain Wald interval MLE ± z SE reaches outside the parameter space for pi1 at n = 20; "
                        "the reported Wald, HDI and equal-tailed intervals never leave it.")


# -- the study end to end, the figures, the command ----------------------------------------------------


@pytest.fixture(scope="module")
def study():
    return run_bvm(emvb.models.DEFAULT_TRUTH, GRID, Settings(**SMALL))


@pytest.mark.slow
def test_study_table_is_consistent_with_its_draws(study):
    t = study.table.set_index(["n", "parameter"])
    assert list(t.index) == [(n, p) for n in GRID for p in emvb.models.PARAM_NAMES]
    assert study.settings.init == "em"  # the preset of sampling.fits.fit_both, whatever Settings said
    for point in study.points:
        assert point.posterior.attrs["init"] == "em" and point.posterior.attrs["chains"] == SMALL["chains"]
        z = standardized(point.posterior, point.em)
        for name in emvb.models.PARAM_NAMES:
            row = t.loc[(point.n, name)]
            assert np.mean(z[name]) == pytest.approx(row["z_mean_mle"], rel=1e-9, abs=1e-12)
            assert row["ks"] == pytest.approx(ks_to_normal(z[name]))
            assert row["hdi_lb"] < row["mean"] < row["hdi_ub"]


@pytest.mark.slow
def test_at_n_400_the_posterior_agrees_with_the_normal_approximation(study):
    """Bernstein-von Mises on separated components: at n = 400 the posterior mean is within Z_MAX SE of the
    MLE and the sd within the band. Monte Carlo error of the mean in SE units is sd_ratio / sqrt(ESS), below
    0.1 here, against a margin of 0.5 (bias of order 1/sqrt(n) = 0.05 SE)."""
    t = study.table[study.table["n"] == 400]
    assert (t["ess_bulk"] > 100).all()
    assert t["agree"].all(), t[["parameter", "z_mean_mle", "sd_ratio"]]


@pytest.mark.slow
def test_figures_have_one_panel_per_parameter_and_a_legend_entry_per_n(study):
    import matplotlib.pyplot as plt

    fig = teaching.plot_bvm(study, "standardized")
    panels = [ax for ax in fig.axes if ax.get_title() in emvb.models.PARAM_NAMES]
    assert sorted(ax.get_title() for ax in panels) == sorted(emvb.models.PARAM_NAMES)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:2] == ["posterior, n = 50", "posterior, n = 400"] and "N(0, 1)" in labels[-1]
    grid = teaching.plot_bvm(study, "grid")
    assert {ax.get_title() for ax in grid.axes if ax.get_title()} == {
        f"{p}, n = {n}" for n in GRID for p in emvb.models.PARAM_NAMES}
    assert len(teaching.plot_bvm(study, "intervals").axes) == 4
    plt.close("all")
    with pytest.raises(SettingError):
        teaching.plot_bvm(study, "pie")


@pytest.mark.slow
def test_command_writes_the_report_and_reproduces_the_study(tmp_path, cli, study):
    out = tmp_path / "bvm"
    # The largest n alone: its data set is the same as the study's (the grid's largest n fixes the simulation).
    args = ["bvm", "--n-grid", str(GRID[-1]), "--chains", SMALL["chains"], "--draws", SMALL["draws"],
            "--tune", SMALL["tune"], "--seed", SMALL["seed"], "--quiet", "--out", out]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    names = {"report.md", "bvm.csv", "bvm.json", "bvm.md", "bvm.png", "bvm_grid.png", "bvm_intervals.png"}
    assert {p.name for p in out.iterdir()} == names
    report = (out / "report.md").read_text()
    for png in ("bvm.png", "bvm_grid.png", "bvm_intervals.png"):
        assert f"]({png})" in report
    # Same seed, same numbers as the in-process study (EM bit-identical; posterior summaries to 1e-6
    # relative, the cold-compile-cache caveat of the README).
    csv = pd.read_csv(out / "bvm.csv")
    mine = study.table[study.table["n"] == GRID[-1]].reset_index(drop=True)
    numeric = [c for c in mine.columns if c not in ("parameter", "agree")]
    np.testing.assert_allclose(csv[numeric].to_numpy(float), mine[numeric].to_numpy(float), rtol=1e-6)
    for sentence in findings(mine):
        assert " ".join(sentence.split()) in " ".join(report.split())
    again = cli(*args)
    assert again.returncode == 2 and "already exists; pass --force" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_command_refuses_a_bad_grid_in_one_line(cli, tmp_path):
    assert cli("bvm", "--help").stdout.startswith("usage: emvb bvm")
    r = cli("bvm", "--n-grid", "5,100", "--out", tmp_path / "x")
    assert r.returncode == 2 and "at least 10" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()
