"""diagnose_labels: exact verdicts on constructed posteriors, the calibration tests (docs/methods.md §4.9),
how the starts are reported, and the evidence."""

from __future__ import annotations

import json

import arviz as az
import numpy as np
import pytest
import xarray as xr
from test_labels_synthetic import OVERLAPPING, dataset, normal_draws, swap, to_tree

from emvb.labels.diagnose import AMBIGUOUS_SHARE, BAND, diagnose_labels
from emvb.models.density import loglik
from emvb.models.errors import EmvbError
from emvb.models.params import MixtureParams

C, D = 4, 500


@pytest.fixture(scope="module")
def separated():
    x, fit = dataset()
    return x, fit, normal_draws(fit, C, D)


def patterns():
    """Swap patterns of the separated posterior and the verdict each must get."""
    between = np.zeros((C, D), bool)
    between[[1, 3]] = True
    within = np.zeros((C, D), bool)
    within[2, D // 2:] = True
    blocks = np.zeros((C, D), bool)
    for start in (0, 200, 400):  # chain 1: 30% of its draws swapped, in three blocks of 50
        blocks[1, start:start + 50] = True
    return {"none": (np.zeros((C, D), bool), "none"), "between_chains": (between, "between_chains"),
            "within_chain": (within, "within_chain"), "within_chain_blocks": (blocks, "within_chain"),
            "all_swapped": (np.ones((C, D), bool), "none")}


@pytest.mark.parametrize("name", ["none", "between_chains", "within_chain", "within_chain_blocks", "all_swapped"])
def test_verdicts_and_per_chain_shares_are_exact(separated, name):
    x, fit, theta = separated
    perm, verdict = patterns()[name]
    d = diagnose_labels(to_tree(swap(theta, perm), fit.sha256, x), fit)
    assert d.verdict == verdict
    # Separated components: the gap is ~100 of its spreads from mu1 = mu2, no draw is near it.
    assert d.boundary_share == 0.0 and d.separation > 50
    for c, ch in enumerate(d.chains):
        assert ch.chain == c
        assert ch.labelling == ("swapped" if perm[c].mean() > 0.5 else "as_em")
        assert ch.share_other == min(perm[c].mean(), 1 - perm[c].mean())
        assert ch.switches == ch.deep_other == (0 < perm[c].mean() < 1)
    assert d.share_swapped == perm.mean()
    assert d.crossing_share == pytest.approx(np.mean([ch.share_other for ch in d.chains]), abs=1e-15)
    if name == "within_chain_blocks":
        assert d.chains[1].share_other == 0.3


def _copies(gap_mean: float, *, cross: bool = False, seed: int = 0) -> np.ndarray:
    """``(C, D, 4)`` iid draws whose gap ``mu2 - mu1`` is N(gap_mean, 1) in every chain; with ``cross=False``
    a draw with gap <= 0 is drawn again, so no chain ever crosses mu1 = mu2."""
    rng = np.random.default_rng(seed)
    gap = rng.normal(gap_mean, 1.0, (C, D))
    while not cross and (gap <= 0).any():
        bad = gap <= 0
        gap[bad] = rng.normal(gap_mean, 1.0, int(bad.sum()))
    mu1 = rng.normal(5.0, 0.3, (C, D))
    return np.stack([rng.normal(0.3, 0.01, (C, D)), mu1, mu1 + gap, rng.normal(2.0, 0.03, (C, D))], axis=-1)


@pytest.mark.parametrize("gap_mean", [4.0, 3.0, 2.5])
def test_close_copies_that_no_chain_crosses_are_between_chains(gap_mean):
    """mu2 - mu1 ~ N(gap_mean, 1) within every chain, chains 2 and 3 entirely swapped, no draw crossing mu1 = mu2:
    more than AMBIGUOUS_SHARE of the draws lie near the boundary (Phi(-gap_mean / 2): 2.3% to 11%), yet each chain
    keeps one labelling, so the verdict is between_chains, not ambiguous (docs/methods.md §4.9)."""
    from emvb.labels.diagnose import CROSSING_SHARE
    from emvb.labels.wording import unjoined_text

    perm = np.zeros((C, D), bool)
    perm[[2, 3]] = True
    d = diagnose_labels(to_tree(swap(_copies(gap_mean), perm)))
    # b ~ Phi(-gap_mean/2) >= 0.023 with sd <= sqrt(0.023 / 2000) = 0.0034: > 3.8 sd above 1%.
    assert d.boundary_share > AMBIGUOUS_SHARE and d.crossing_share == 0.0 < CROSSING_SHARE
    assert d.verdict == "between_chains" and not d.joined
    assert [c.labelling for c in d.chains] == ["as_em", "as_em", "swapped", "swapped"]
    assert all(c.share_other == 0.0 and not c.switches for c in d.chains)
    # Chains in different copies: raw R-hat of mu1 far above 1.01 (between-chain spread ~gap_mean^2 against a
    # within-chain variance ~1); the invariants are iid, R-hat - 1 of order 1/500.
    assert d.rhat_raw["mu1"] > 1.3 and max(d.rhat_invariant.values()) < 1.01
    text = d.explain()
    assert unjoined_text(d) and unjoined_text(d) in text and not text.startswith("Labels are ambiguous")


def test_a_few_excursions_across_the_boundary_do_not_join_the_copies():
    """The same with gaps N(3, 1) not redrawn: a chain steps across mu1 = mu2 in Phi(-3) = 0.13% of its draws
    (sd 0.08% over 2000), far below CROSSING_SHARE, none deep (Phi(-4.5) = 3e-6): still between_chains."""
    from emvb.labels.diagnose import CROSSING_SHARE

    perm = np.zeros((C, D), bool)
    perm[[2, 3]] = True
    d = diagnose_labels(to_tree(swap(_copies(3.0, cross=True, seed=4), perm)))
    assert 0 < d.crossing_share < CROSSING_SHARE and d.boundary_share > AMBIGUOUS_SHARE
    assert d.verdict == "between_chains" and not any(c.deep_other for c in d.chains)


def test_chains_crossing_the_boundary_often_are_ambiguous():
    """mu2 - mu1 ~ N(1, 1) within every chain, not redrawn: each chain has Phi(-1) = 16% of its draws across
    mu1 = mu2 (sd 1.6% per chain): the copies are joined and the verdict is ambiguous."""
    from emvb.labels.diagnose import CROSSING_SHARE

    d = diagnose_labels(to_tree(_copies(1.0, cross=True, seed=5)))
    assert d.crossing_share > 10 * CROSSING_SHARE and d.boundary_share > 10 * AMBIGUOUS_SHARE
    assert d.verdict == "ambiguous" and d.joined and not any(c.switches for c in d.chains)


@pytest.mark.parametrize("s", [0.1, 0.3, 0.5])
def test_swapped_share_at_random_positions_is_counted_exactly(separated, s):
    """Synthetic (b): a share s of draws swapped at random positions is found, and counted exactly:
    the swap flips the sign of mu2 - mu1 and keeps its size, so no draw is misread."""
    x, fit, theta = separated
    rng = np.random.default_rng(int(100 * s))
    perm = np.zeros(C * D, bool)
    perm[rng.choice(C * D, size=round(s * C * D), replace=False)] = True
    d = diagnose_labels(to_tree(swap(theta, perm.reshape(C, D)), fit.sha256), fit)
    assert d.verdict == "within_chain"
    assert d.share_swapped == perm.mean() and abs(d.share_swapped - s) < 0.03


def _near_boundary(theta, idx, cross: bool):
    """Move the draws ``idx`` to within 1e-3 of mu1 = mu2 (far below BAND x the median gap), across it if ``cross``."""
    th = theta.copy()
    mid = 0.5 * (th[idx][:, 1] + th[idx][:, 2])
    sign = -1.0 if cross else 1.0
    th[idx[0], idx[1], 1], th[idx[0], idx[1], 2] = mid - sign * 1e-3, mid + sign * 1e-3
    return th


def _spread(k: int, total: int, offset: int = 0):
    return np.unravel_index((np.arange(k) * (total // k) + offset) % total, (C, D))


def test_the_ambiguity_gate_is_the_boundary_share_and_the_crossing_share(separated):
    """Move k draws across mu1 = mu2, next to it: the verdict turns 'ambiguous' exactly when k / total exceeds 1%
    (both shares are then k / total). Draws moved next to it on their chain's own side are not a crossing: 5% of
    them leave the verdict 'none', and then the crossing share alone decides."""
    from emvb.labels.diagnose import CROSSING_SHARE

    x, fit, theta = separated
    total = C * D
    for k, expect in ((int(AMBIGUOUS_SHARE * total), "none"), (int(AMBIGUOUS_SHARE * total) + 1, "ambiguous")):
        d = diagnose_labels(to_tree(_near_boundary(theta, _spread(k, total), cross=True), fit.sha256), fit)
        assert d.boundary_share == k / total and d.crossing_share == pytest.approx(k / total, abs=1e-15)
        assert d.verdict == expect
    # Ambiguous labels are said to be ambiguous, and no switching is asserted.
    assert d.explain().startswith("Labels are ambiguous") and not any(c.switches for c in d.chains)
    near = _near_boundary(theta, _spread(total // 20, total), cross=False)
    d = diagnose_labels(to_tree(near, fit.sha256), fit)
    assert d.boundary_share == 0.05 and d.crossing_share == 0.0 and d.verdict == "none"
    for k, expect in ((int(CROSSING_SHARE * total), "none"), (int(CROSSING_SHARE * total) + 1, "ambiguous")):
        th = _near_boundary(near, _spread(k, total, offset=1), cross=True)  # offset: other draws than `near`'s
        d = diagnose_labels(to_tree(th, fit.sha256), fit)
        assert d.boundary_share == (total // 20 + k) / total and d.verdict == expect


def test_chains_in_different_modes_get_no_label_verdict(separated):
    """Two chains moved to another mode of sigma (label-invariant): R-hat of sigma far above RHAT_MODES, so the
    verdict is 'chains_disagree' and neither switching nor ambiguity is asserted; the unmoved posterior is 'none'."""
    from emvb.labels.diagnose import RHAT_MODES

    x, fit, theta = separated
    assert diagnose_labels(to_tree(theta, fit.sha256), fit).verdict == "none"
    th = theta.copy()
    th[: C // 2, :, 3] *= 1.5  # half the chains at 1.5 x sigma: a between-chain spread of many posterior sds
    d = diagnose_labels(to_tree(th, fit.sha256), fit)
    assert d.rhat_invariant["sigma"] > RHAT_MODES and d.verdict == "chains_disagree"
    assert not any(c.switches for c in d.chains)
    text = d.explain()
    assert "chains disagree beyond labels" in text and "Labels are ambiguous" not in text
    assert "within chains" not in text and "between chains" not in text


def test_rhat_evidence_separates_raw_from_label_invariant(separated):
    x, fit, theta = separated
    d = diagnose_labels(to_tree(swap(theta, patterns()["between_chains"][0]), fit.sha256, x), fit)
    # Two chains in each mode: between-chain variance ~ (mu2 - mu1)^2 >> within; R-hat far above 1.01.
    for k in ("pi1", "mu1", "mu2"):
        assert d.rhat_raw[k] > 1.5
    # Invariants are iid draws here; for 8 split chains of 250, R-hat - 1 ~ (chi2_7/7 - 1)/500 < 0.01.
    assert set(d.rhat_invariant) == {"sigma", "mu_min", "mu_max", "loglik"}
    assert max(d.rhat_invariant.values()) < 1.01
    assert d.rhat_raw["sigma"] == d.rhat_invariant["sigma"]
    text = d.explain()
    assert "between chains" in text and "chains 0 and 2" in text and "chains 1 and 3" in text


def test_rhat_values_are_arviz_own(separated):
    x, fit, theta = separated
    th = swap(theta, patterns()["within_chain"][0])
    dt = to_tree(th, fit.sha256, x)
    d = diagnose_labels(dt, fit)
    rh = az.rhat(dt)
    assert d.rhat_raw["pi1"] == float(rh["pi1"])
    assert d.rhat_raw["mu2"] == float(rh["mu"].sel(component=2))
    assert d.rhat_invariant["mu_max"] == float(az.rhat(np.maximum(th[..., 1], th[..., 2])))
    # The binned per-draw log-likelihood is within its stated bound of the exact one, far below the
    # spread of the log-likelihood across draws, so its R-hat is the exact one's to 1e-4.
    ll = np.array([[loglik(x, MixtureParams(*th[c, j])) for j in range(D)] for c in range(C)])
    from emvb.labels.inputs import prepare

    assert 0 < d.loglik_bound < 0.01 * ll.std()
    inputs = prepare(dt, em_result=fit)  # in standardised coordinates: the data's loglik differs by -N log k
    assert inputs.scaling == fit.scaling
    data_ll = fit.scaling.loglik_from_std(inputs.loglik, x.size)
    assert np.all(np.abs(data_ll - ll) <= d.loglik_bound + 1e-12 * np.abs(ll))
    assert d.rhat_invariant["loglik"] == pytest.approx(float(az.rhat(ll)), rel=1e-4)
    assert "within chains" in d.explain() and "chain 2: 50% of its draws" in d.explain()


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


def _with_starts(dt, init, starts):
    dt.attrs["init"] = init
    dt.attrs["start"] = json.dumps([{"pi1": 0.3, "mu": list(m), "sigma": 2.0} for m in starts])
    return dt


def test_starts_are_read_and_the_tools_own_placement_is_said(separated):
    x, fit, theta = separated
    perm = patterns()["between_chains"][0]
    both = [(5, 15), (15, 5), (5, 15), (15, 5)]
    d = diagnose_labels(_with_starts(to_tree(swap(theta, perm), fit.sha256), "dispersed", both), fit)
    assert [c.start_labelling for c in d.chains] == ["as_em", "swapped", "as_em", "swapped"]
    text = d.explain()
    assert "the tool placed chains in both labellings" in text and "not found by the sampler" in text
    assert "Every chain ended mostly in the labelling it started in" in text
    assert "2 of 4 chains ended mostly in the EM estimate's labelling and 2 in the swapped one" in text
    # Prior starts: which chain started where, and the chain that ended elsewhere is named.
    d = diagnose_labels(_with_starts(to_tree(swap(theta, perm), fit.sha256), "prior", [(5, 15)] * 4), fit)
    text = d.explain()
    assert "independent draw from the prior" in text and "every start had mu1 < mu2" in text
    assert "Chains 1 and 3 ended mostly in the labelling opposite to their start" in text
    assert "not recorded" in diagnose_labels(to_tree(theta, fit.sha256), fit).explain()


def test_bad_posterior_is_a_one_line_error(separated):
    x, fit, theta = separated
    dt = az.from_dict({"posterior": {"pi1": theta[..., 0], "sigma": theta[..., 3]}})
    with pytest.raises(EmvbError, match="no variable 'mu'"):
        diagnose_labels(dt, fit)
    dt3 = az.from_dict({"posterior": {"pi1": theta[..., 0], "mu": np.repeat(theta[..., 1:2], 3, -1),
                                      "sigma": theta[..., 3]}}, dims={"mu": ["component"]})
    with pytest.raises(EmvbError, match="size 2"):
        diagnose_labels(dt3, fit)


def test_explain_says_when_components_overlap_in_the_data():
    x, fit = dataset(OVERLAPPING, n=400, seed=3)
    d = diagnose_labels(to_tree(normal_draws(fit, 2, 100), fit.sha256), fit)
    assert (f"is {d.component_gap:.2g}, below 2" in d.explain()) == (d.component_gap < 2)
    xs, fs = dataset()
    ds = diagnose_labels(to_tree(normal_draws(fs, 2, 100), fs.sha256), fs)
    assert ds.component_gap > 4 and "overlap in the data" not in ds.explain()


# -- the calibration tests on real posteriors (docs/methods.md §4.9) ------------------------------

#: (pi1, |mu2 - mu1| / sigma, n, seed): overlapping components, gap 1 to 2.5, n 100 to 500.
OVERLAP_CASES = [(0.5, 1.0, 300, 1), (0.3, 1.5, 200, 2), (0.5, 2.0, 100, 3), (0.4, 2.5, 500, 4), (0.2, 1.2, 400, 5)]


def _model(ds, ordered: bool):
    """The process's compiled model of the ordering, rebound to ``ds`` (``models.pymc_model.model_for``: the
    same draws, seed for seed, as a model built afresh, without a compile per case)."""
    from emvb.models.priors import Priors
    from emvb.models.pymc_model import model_for

    return model_for(ds, priors=Priors.default_for(ds.values), ordered=ordered)


def _posterior(truth, n, seed, ordered, **kw):
    from emvb.models.simulate import simulate
    from emvb.sampling.sample import sample

    ds = simulate(truth, n, seed)
    return ds, sample(_model(ds, ordered), chains=2, draws=250, tune=250, seed=seed, **kw)


@pytest.mark.slow
@pytest.mark.parametrize("pi1, gap, n, seed", OVERLAP_CASES)
def test_a_an_ordered_posterior_is_never_called_within_chain(pi1, gap, n, seed):
    """(a): the ordered model cannot switch; on overlapping data its posterior must not be called switching."""
    ds, dt = _posterior(MixtureParams(pi1, 0.0, gap, 1.0), n, seed, ordered=True)
    d = diagnose_labels(dt, data=ds)
    # Short chains on these posteriors may disagree on label-invariant quantities (then no label verdict);
    # never a verdict that asserts switching.
    # Its chains never cross mu1 = mu2, so however close the copies it is not called ambiguous either.
    assert d.verdict in ("none", "chains_disagree") and d.crossing_share == 0.0
    assert all(c.share_other == 0.0 and not c.switches for c in d.chains)
    assert "within chains" not in d.explain()


@pytest.mark.slow
def test_b_swapped_shares_on_a_real_ordered_posterior_are_found_and_estimated():
    """(b): an ordered posterior of separated data, a share s of its draws swapped at random positions."""
    ds, dt = _posterior(MixtureParams(0.3, 5.0, 15.0, 2.0), 1000, 11, ordered=True)
    theta = np.concatenate([dt["posterior"]["pi1"].values[..., None], dt["posterior"]["mu"].values,
                            dt["posterior"]["sigma"].values[..., None]], axis=-1)
    total = theta.shape[0] * theta.shape[1]
    for s in (0.1, 0.3, 0.5):
        rng = np.random.default_rng(int(10 * s))
        perm = np.zeros(total, bool)
        perm[rng.choice(total, size=round(s * total), replace=False)] = True
        d = diagnose_labels(to_tree(swap(theta, perm.reshape(theta.shape[:2]))), data=ds)
        assert d.verdict == "within_chain", (s, d.boundary_share)
        assert abs(d.share_swapped - s) < 0.03 and d.share_swapped == perm.mean()


@pytest.mark.slow
def test_c_on_overlap_the_verdict_says_ambiguous_not_switching():
    """(c): the unordered posterior of the overlap scenario: chains cross mu1 = mu2, labels are ambiguous."""
    ds, dt = _posterior(MixtureParams(0.3, 0.0, 1.5, 1.0), 200, 2026, ordered=False)
    d = diagnose_labels(dt, data=ds)
    assert d.verdict == "ambiguous" and d.boundary_share > 5 * AMBIGUOUS_SHARE
    text = d.explain()
    assert text.startswith("Labels are ambiguous") and "not evidence of jumps" in text
    assert "Label switching within" not in text
    assert f"{BAND:g} x that median" in text


@pytest.mark.slow
def test_real_posterior_dispersed_starts_switch_between_chains(tmp_path):
    """The unordered PyMC model, chains started at the EM estimate and its swap (init="dispersed")."""
    from emvb import em
    from emvb.labels.relabel import agreement, relabel_all
    from emvb.models.simulate import simulate
    from emvb.sampling.sample import sample

    ds = simulate(MixtureParams(0.3, 5.0, 15.0, 2.0), 500, 4)
    fit = em.fit(ds)
    dt = sample(_model(ds, ordered=False), chains=4, draws=300, tune=300, seed=1,
                init="dispersed", start=fit.params)
    d = diagnose_labels(dt, fit)
    assert d.verdict == "between_chains" and d.init == "dispersed"
    assert [c.labelling for c in d.chains] == [c.start_labelling for c in d.chains] == ["as_em", "swapped"] * 2
    assert max(d.rhat_raw[k] for k in ("pi1", "mu1", "mu2")) > 1.5
    assert "the tool placed chains in both labellings" in d.explain()
    rel = relabel_all(dt, em_result=fit)
    assert (agreement(rel).to_numpy() == 1.0).all()
    s = az.summary(rel["stephens"].posterior, kind="diagnostics", round_to="none")
    # 1200 near-independent NUTS draws; the threshold 1.01 of Vehtari et al. (2021).
    assert s["r_hat"].max() < 1.01
    assert s["ess_bulk"].min() > 400
    # A real sampler's tree (nutpie sample_stats included) survives the netCDF round trip.
    from emvb.compare.results import ENGINE, load_results, results_tree
    from emvb.compare.table import compare_fits
    from emvb.files.netcdf import atomic_write_netcdf

    posts = {"unordered-raw": dt, "stephens": rel["stephens"].posterior}
    table = compare_fits(fit, posts)
    path = atomic_write_netcdf(tmp_path / "r.nc", results_tree(data=ds, em_result=fit, posteriors=posts, table=table),
                               engine=ENGINE)
    back = load_results(path)["posteriors"]["unordered-raw"]
    assert np.array_equal(back["posterior"]["mu"].values, dt["posterior"]["mu"].values)
    assert np.array_equal(back["sample_stats"]["diverging"].values, dt["sample_stats"]["diverging"].values)


def test_rhat_barely_flags_only_when_every_chain_switches(separated):
    """The sentence that R-hat misses switching because the chains agree is said when every chain switches and
    the raw R-hat stays low; a single swapped draw in one chain also leaves R-hat low, for another reason (the
    share is tiny), and must not get that sentence."""
    from emvb.compare import thresholds
    from emvb.labels import diagnose

    x, fit, theta = separated
    one = np.zeros((C, D), bool)
    one[2, D // 3] = True
    d = diagnose_labels(to_tree(swap(theta, one), fit.sha256), fit)
    assert d.verdict == "within_chain" and [c.switches for c in d.chains] == [False, False, True, False]
    assert max(d.rhat_raw[k] for k in ("pi1", "mu1", "mu2")) < diagnose.RHAT_FLAG and not d.rhat_blind
    rng = np.random.default_rng(8)
    spread = rng.random((C, D)) < 0.3  # every chain ~30% swapped: the chains agree, R-hat - 1 of order 1/500
    d = diagnose_labels(to_tree(swap(theta, spread), fit.sha256), fit)
    assert all(c.switches for c in d.chains) and d.rhat_blind
    # One definition of the convergence threshold, read by the comparison's flags and the label text alike.
    from emvb.models import thresholds as bottom

    assert thresholds.RHAT_MAX is bottom.RHAT_MAX and bottom.RHAT_MAX < diagnose.RHAT_MODES


def test_verdict_words_have_one_row_per_verdict_and_every_part_is_quoted():
    """labels.wording.VERDICT_WORDS is the one table of the verdicts' words: a row per verdict, and each row's
    parts (phrasings chosen by a fact) appear in one of its templates or parts."""
    from string import Formatter

    from emvb.labels.diagnose import VERDICTS
    from emvb.labels.wording import VERDICT_WORDS

    assert set(VERDICT_WORDS) == set(VERDICTS)
    for w in VERDICT_WORDS.values():
        texts = [w.explanation, w.k_explanation, w.lesson, *w.relabel, *w.methods_agree, *w.methods_split,
                 *(t for options in w.parts.values() for t in options.values())]
        quoted = {name for t in texts for _, name, _, _ in Formatter().parse(t) if name}
        assert set(w.parts) <= quoted
