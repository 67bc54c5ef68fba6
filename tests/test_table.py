"""compare_fits: values are ArviZ's and EM's own, derived columns follow their formulas; writing."""

from __future__ import annotations

import json

import arviz as az
import numpy as np
import pandas as pd
import pytest
from test_labels_synthetic import SEPARATED, dataset, normal_draws, swap, to_tree

from emvb.compare.table import COLUMNS, compare_fits
from emvb.files.tables import write_table
from emvb.models.errors import EmvbError

C, D = 4, 500


@pytest.fixture(scope="module")
def fits():
    x, fit = dataset()
    theta = normal_draws(fit, C, D, seed=4)
    between = np.zeros((C, D), bool)
    between[[1, 3]] = True
    return fit, {"unordered-raw": to_tree(swap(theta, between), fit.sha256),
                 "relabelled": to_tree(theta, fit.sha256)}


@pytest.mark.parametrize("ci_prob", [0.95, 0.8])
def test_posterior_columns_equal_arviz_summary(fits, ci_prob):
    fit, posts = fits
    df = compare_fits(fit, posts, truth=SEPARATED, ci_prob=ci_prob)
    assert list(df.columns) == list(COLUMNS) and len(df) == 8
    pct = int(round(100 * ci_prob))
    for variant, dt in posts.items():
        ref = az.summary(dt, ci_kind="hdi", ci_prob=ci_prob, round_to="none")
        med = az.summary(dt, kind="stats_median", ci_prob=ci_prob, round_to="none")
        rows = df[df.variant == variant].set_index("parameter")
        for name, label in (("pi1", "pi1"), ("mu1", "mu[1]"), ("mu2", "mu[2]"), ("sigma", "sigma")):
            for col, refcol in (("mean", "mean"), ("sd", "sd"), ("hdi_lb", f"hdi{pct}_lb"),
                                ("hdi_ub", f"hdi{pct}_ub"), ("ess_bulk", "ess_bulk"),
                                ("ess_tail", "ess_tail"), ("r_hat", "r_hat"), ("mcse_mean", "mcse_mean")):
                # ArviZ summarises the standardised draws (compare/table.py) and the summaries are mapped
                # back: the same numbers to rounding. R-hat and ESS are rank-based, but the folded draws
                # |x - median| tie at the two middle draws, a tie rounding can break: 1e-4 relative.
                rel = 1e-4 if col in ("ess_bulk", "ess_tail", "r_hat") else 1e-12
                expect = pytest.approx(ref.loc[label, refcol], rel=rel, abs=1e-15)
                assert rows.loc[name, col] == expect, (variant, name, col)
            assert rows.loc[name, "median"] == pytest.approx(med.loc[label, "median"], rel=1e-12)
            # and the median is the plain sample median of the pooled draws
            var = dt["posterior"]["mu"].sel(component=int(name[-1])) if name.startswith("mu") \
                else dt["posterior"][name]
            assert rows.loc[name, "median"] == pytest.approx(float(np.median(var.values)), rel=1e-12)


def test_em_and_derived_columns(fits):
    fit, posts = fits
    df = compare_fits(fit, posts, truth=SEPARATED, ci_prob=0.9)
    wald = fit.ci(0.9)
    for _, r in df.iterrows():
        k = r.parameter
        assert r.em_estimate == getattr(fit.params, k) and r.em_se == getattr(fit.se, k)
        assert (r.em_ci_lb, r.em_ci_ub) == wald[k]
        assert r.truth == getattr(SEPARATED, k)
        assert r.z_mean_mle == (r["mean"] - r.em_estimate) / r.em_se
        assert r.sd_ratio == r.sd / r.em_se
        assert r.mle_in_hdi == (r.hdi_lb <= r.em_estimate <= r.hdi_ub)
        assert r.truth_in_wald == (r.em_ci_lb <= r.truth <= r.em_ci_ub)
        assert r.truth_in_hdi == (r.hdi_lb <= r.truth <= r.hdi_ub)


def test_normal_draws_reproduce_em_mean_and_se(fits):
    """Draws from N(MLE, C): mean within 4 MC errors of the MLE, sd/SE within 4 sd of 1."""
    fit, posts = fits
    rows = compare_fits(fit, {"relabelled": posts["relabelled"]}).set_index("parameter")
    n = C * D  # iid draws
    assert np.all(np.abs(rows.z_mean_mle) < 4 / np.sqrt(n))
    assert np.all(np.abs(rows.sd_ratio - 1) < 4 / np.sqrt(2 * (n - 1)))
    assert rows.mle_in_hdi.all()
    raw = compare_fits(fit, {"raw": posts["unordered-raw"]}).set_index("parameter")
    # Label switching between chains: the raw mean of mu1 sits half-way between the two means.
    assert abs(raw.loc["mu1", "mean"] - (fit.params.mu1 + fit.params.mu2) / 2) < 0.1
    assert raw.loc["mu1", "r_hat"] > 1.5


def test_without_truth_the_truth_columns_are_empty(fits):
    fit, posts = fits
    df = compare_fits(fit, posts)
    assert df.truth.isna().all()
    assert df.truth_in_wald.isna().all() and df.truth_in_hdi.isna().all()


def test_mismatched_fingerprint_is_refused(fits):
    fit, posts = fits
    other = posts["relabelled"].copy()
    other["posterior"].attrs["data_sha256"] = "0" * 64
    with pytest.raises(EmvbError, match="refusing to combine") as e:
        compare_fits(fit, {"ok": posts["relabelled"], "other": other})
    assert "\n" not in str(e.value) and "'other'" in str(e.value)


def test_write_table_csv_json_markdown(fits, tmp_path):
    fit, posts = fits
    df = compare_fits(fit, posts, truth=SEPARATED)
    paths = write_table(df, tmp_path / "out")
    back = pd.read_csv(paths["csv"])
    num = [c for c in df.columns if df[c].dtype == float]
    assert np.array_equal(back[num].to_numpy(), df[num].to_numpy())  # 17 significant digits: exact
    recs = json.loads(paths["json"].read_text())
    assert len(recs) == len(df) and recs[3]["parameter"] == "sigma"
    assert recs[0]["em_se"] == df.em_se[0] and recs[0]["mle_in_hdi"] is bool(df.mle_in_hdi[0])
    md = paths["md"].read_text().splitlines()
    assert len(md) == 2 + len(df) and md[0].startswith("| variant | parameter |")
    assert md[2].count("|") == len(df.columns) + 1
    with pytest.raises(EmvbError, match="already exists"):
        write_table(df, tmp_path / "out")
    write_table(df, tmp_path / "out", force=True)


def test_flags_are_the_thresholds_and_summaries_survive_any_scale(fits):
    """rhat_ok / ess_ok are compare.thresholds' predicates; ArviZ never squares draws near 1e200
    (R-hat and ESS to 1e-4: see the tie note above)."""
    import warnings

    from emvb.compare.table import posterior_summary
    from emvb.compare.thresholds import ESS_PER_CHAIN, RHAT_MAX
    from emvb.models.scaling import Scaling

    fit, posts = fits
    df = compare_fits(fit, posts, truth=SEPARATED)
    assert list(df.rhat_ok) == [bool(r <= RHAT_MAX) for r in df.r_hat]
    assert list(df.ess_ok) == [bool(e >= ESS_PER_CHAIN * C) for e in df.ess_bulk]
    assert not df[df.variant == "unordered-raw"].set_index("parameter").loc["pi1", "rhat_ok"]
    dt = posts["relabelled"]
    big = dt.copy()
    post = big["posterior"].to_dataset()
    big["posterior"] = post.assign(mu=1e200 * post["mu"], sigma=1e200 * post["sigma"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = posterior_summary(big, 0.95, Scaling(fit.scaling.center * 1e200, fit.scaling.scale * 1e200))
    ref = posterior_summary(dt, 0.95, fit.scaling)
    scale = np.array([1.0, 1e200, 1e200, 1e200])[:, None]
    cols = ["mean", "median", "sd", "hdi_lb", "hdi_ub", "mcse_mean"]
    np.testing.assert_allclose(got[cols].values, ref[cols].values * scale, rtol=1e-12)
    np.testing.assert_allclose(got[["ess_bulk", "ess_tail", "r_hat"]].values,
                               ref[["ess_bulk", "ess_tail", "r_hat"]].values, rtol=1e-4)
