"""K-component label verdicts and the DataTree API: each verdict on posteriors built to have it, the two-component
verdicts reproduced at K = 2, layouts of PyMC / NumPyro / Stan read and written back, bad layouts refused."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from test_labels_synthetic import OVERLAPPING, dataset, known_perm, normal_draws, swap, to_tree
from test_relabel_k import simulate

from emvb.labels.diagnose import diagnose_labels
from emvb.labels.foreign import Names, read_mixture
from emvb.labels.inputs import prepare_k
from emvb.labels.kdiagnose import diagnose_k
from emvb.labels.kdraws import MixDraws, inverse
from emvb.labels.kmethods import run_method
from emvb.labels.mixture import relabel_mixture
from emvb.labels.relabel import relabel_all
from emvb.models.errors import DataError

C, D = 4, 150


def built(k=3, *, gap=8.0, seed=0, shared=True):
    """Separated draws, all in the sorted labelling, and their data."""
    x, draws, s = simulate(k, gap=gap, shared=shared, chains=C, draws=D, seed=seed)
    return x, draws.permuted(inverse(s))


def scrambled(draws: MixDraws, s) -> MixDraws:
    return MixDraws(*(np.take_along_axis(a, s, -1) for a in (draws.w, draws.mu, draws.sigma)), draws.shared)


def test_each_k_verdict_on_a_posterior_built_to_have_it():
    x, d = built()
    k = d.k
    s = np.broadcast_to(np.arange(k), (*d.shape, k)).copy()
    assert diagnose_k(d).verdict == "none"
    s[1] = (2, 0, 1)
    between = diagnose_k(scrambled(d, s))
    assert between.verdict == "between_chains"
    assert between.chains[1].labelling == (2, 3, 1) and between.chains[0].labelling == (1, 2, 3)
    assert between.crossing_share == 0 and between.chains[1].share_other == 0
    s[0, 10:25] = (1, 0, 2)
    within = diagnose_k(scrambled(d, s))
    assert within.verdict == "within_chain"
    assert within.chains[0].share_other == pytest.approx(15 / D) and within.chains[0].switches
    moved = MixDraws(d.w, d.mu + np.where(np.arange(C) == 3, 1.0, 0.0)[:, None, None], d.sigma, True)
    assert diagnose_k(moved).verdict == "chains_disagree"  # a label-invariant quantity differs between chains


def test_overlapping_components_whose_chains_cross_are_ambiguous():
    """Means drawn independently around close centres: draws fill the boundaries and cross them in every chain."""
    rng = np.random.default_rng(3)
    mu = np.array([0.0, 0.4, 0.8]) + 0.3 * rng.standard_normal((C, D, 3))
    w = rng.dirichlet([20, 20, 20], size=(C, D))
    d = MixDraws(w, mu, np.ones((C, D, 3)), True)
    diag = diagnose_k(d)
    assert diag.verdict == "ambiguous" and diag.boundary_share > 0.01 and diag.crossing_share > 0.01


@pytest.mark.parametrize("case", ["separated", "overlapping"])
def test_at_k2_the_verdict_and_shares_are_the_two_component_ones(case):
    args, kw, scale = ((), {}, 1.0) if case == "separated" else ((OVERLAPPING,), {"n": 300, "seed": 5}, 4.0)
    x, fit = dataset(*args, **kw)
    theta = normal_draws(fit, C, 200, seed=2, cov_scale=scale)
    theta[..., 0] = np.clip(theta[..., 0], 0.02, 0.98)
    theta[..., 3] = np.abs(theta[..., 3])
    tree = to_tree(swap(theta, known_perm(C, 200)), fit.sha256, x)
    two = diagnose_labels(tree, fit, data=x)
    draws, _ = read_mixture(tree)
    inputs = prepare_k(draws, x)
    kd = diagnose_k(inputs.draws, inputs.loglik)
    assert kd.verdict == two.verdict
    assert kd.boundary_share == two.boundary_share and kd.crossing_share == pytest.approx(two.crossing_share)
    assert kd.separation == pytest.approx(two.separation)
    assert [c.share_other for c in kd.chains] == pytest.approx([c.share_other for c in two.chains])
    assert [c.labelling == (2, 1) for c in kd.chains] == [c.labelling == "swapped" for c in two.chains]
    if case == "separated":  # far from mu1 = mu2 the general methods choose the two-component labels
        rel = relabel_all(tree, em_result=fit, data=x, methods=("order", "stephens", "ecr", "pra"))
        for m in ("order", "stephens", "ecr", "pra"):
            perm, _ = run_method(m, inputs.draws, inputs.alloc, init="identity")
            assert np.array_equal(perm[..., 0] == 1, rel[m].perm), m


def pymc_like(k=3, seed=0, free=False, own_sigma=False, names=("w", "mu", "sigma")):
    """A tree as pm.sample writes a NormalMixture: dims ``<name>_dim_0``, observed_data, sample_stats."""
    x, d = built(k, seed=seed, shared=not own_sigma)
    s = np.broadcast_to(np.arange(k), (*d.shape, k)).copy()
    s[1] = np.roll(np.arange(k), 1)
    s[2, 5:40] = np.roll(np.arange(k), -1)
    sd = scrambled(d, s)
    wn, mn, sn = names
    w = sd.w[..., :-1] if free else sd.w
    post = xr.Dataset({wn: (("chain", "draw", f"{wn}_dim_0"), w), mn: (("chain", "draw", f"{mn}_dim_0"), sd.mu),
                       "extra": (("chain", "draw"), np.ones(d.shape))},
                      coords={"chain": np.arange(C), "draw": np.arange(D)})
    post[sn] = (("chain", "draw", f"{sn}_dim_0"), sd.sigma) if own_sigma else (("chain", "draw"), sd.sigma[..., 0])
    tree = xr.DataTree.from_dict({"posterior": post, "observed_data": xr.Dataset({"y": ("y_dim_0", x)}),
                                  "sample_stats": xr.Dataset({"lp": (("chain", "draw"), np.zeros(d.shape))})})
    return tree, d, inverse(s)


@pytest.mark.parametrize("layout", ["pymc", "numpyro-free-weights", "stan-own-sigmas"])
def test_relabel_mixture_returns_the_input_layout_relabelled_and_every_method(layout):
    kw = {"pymc": {}, "numpyro-free-weights": {"free": True, "names": ("weights", "locs", "scale")},
          "stan-own-sigmas": {"own_sigma": True, "names": ("theta", "mu", "sigma")}}[layout]
    tree, truth, restore = pymc_like(k=3, **kw)
    out = relabel_mixture(tree)  # names detected, data from observed_data
    assert set(out.children) == {"posterior", "observed_data", "sample_stats", "relabelling"}
    group = out["relabelling"].to_dataset()
    assert group["perm_stephens"].dims == ("chain", "draw", "component")
    assert group.attrs["verdict"] == "within_chain"
    for m in group["relabeller"].values:
        if m != "order_weights":
            assert np.array_equal(group[f"perm_{m}"].values, restore), m
    share = 1 - np.mean(np.all(restore == np.arange(3), -1))
    assert float(group["permuted_share"].sel(relabeller="stephens")) == pytest.approx(share)
    assert float(group["agreement"].sel(relabeller="stephens", relabeller_other="pra")) == 1.0
    assert "lowest 100% of draws, order_weights aside" in group.attrs["agreement_meaning"]  # separated: all agree
    post, before = out["posterior"].to_dataset(), tree["posterior"].to_dataset()
    wn, mn, sn = kw.get("names", ("w", "mu", "sigma"))
    assert post[mn].dims == before[mn].dims and np.allclose(post[mn].values, truth.mu)
    assert np.allclose(post[wn].values, truth.w[..., :-1] if kw.get("free") else truth.w)
    assert np.allclose(post[sn].values, truth.sigma if kw.get("own_sigma") else truth.sigma[..., 0])
    assert np.array_equal(post["extra"].values, before["extra"].values)
    assert post.attrs["relabelled_by"] == "stephens"


def _replace(p, name, var):
    return p.drop_vars(name).assign({name: var})


@pytest.mark.parametrize("change, message", [
    (lambda p: _replace(p, "mu", p["mu"].isel(mu_dim_0=[0]).rename(mu_dim_0="one")), "size K >= 2"),
    (lambda p: _replace(p, "w", p["w"].isel(w_dim_0=[0]).rename(w_dim_0="one")), "entries per draw"),
    (lambda p: _replace(p, "sigma", p["mu"].isel(mu_dim_0=[0, 1]).rename(mu_dim_0="s")), r"expected 1 \(shared\) or 3"),
    (lambda p: p.drop_vars("mu"), "no variable for the means"),
    (lambda p: _replace(p, "w", p["w"] * 2), "do not sum to 1"),
    (lambda p: _replace(p, "mu", p["mu"].where(p.chain != 0)), "non-finite"),
    (lambda p: _replace(p, "mu", p["mu"].expand_dims(extra_dim=2, axis=-1)), "more than one dimension"),
])
def test_bad_layouts_are_refused_in_one_line(change, message):
    tree, _, _ = pymc_like()
    bad = xr.DataTree.from_dict({"posterior": change(tree["posterior"].to_dataset()),
                                 "observed_data": tree["observed_data"].to_dataset()})
    with pytest.raises(DataError, match=message) as err:
        relabel_mixture(bad, where="post.nc")
    assert "\n" not in str(err.value) and str(err.value).startswith("post.nc: ")


def test_given_names_win_over_detection_and_a_missing_name_is_named():
    tree, _, _ = pymc_like()
    with pytest.raises(DataError, match="no variable 'mix_w' for the weights"):
        read_mixture(tree, Names(weights="mix_w"))
    draws, lay = read_mixture(tree, Names(weights="w", means="mu", sigma="sigma"))
    assert (lay.k, lay.weights_dim, lay.sigma_dim) == (3, "w_dim_0", None) and draws.shared


def test_the_api_takes_a_dataset_of_draws_and_the_data_and_runs_without_data_for_the_orderings():
    import emvb

    tree, truth, restore = pymc_like(k=4, seed=1)
    x = tree["observed_data"]["y"].values
    out = emvb.relabel_mixture(tree["posterior"].to_dataset(), x, method="ecr_iterative_1")
    np.testing.assert_array_equal(out["relabelling"]["perm_ecr_iterative_1"].values, restore)
    assert out["posterior"].attrs["relabelled_by"] == "ecr_iterative_1"
    bare = emvb.relabel_mixture(tree["posterior"].to_dataset(), method="order")
    assert list(bare["relabelling"]["relabeller"].values) == ["order", "order_weights"]
    with pytest.raises(DataError, match="needs the observed data"):
        emvb.relabel_mixture(tree["posterior"].to_dataset(), method="stephens")
