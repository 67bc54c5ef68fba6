"""Real K = 3 posteriors: ``pm.NormalMixture`` with unordered means, sampled by nutpie with two chains started in
one labelling and two in another (the project's per-chain starts). On well-separated data the verdict is
between_chains, every method puts every draw in one labelling and the relabelled means' R-hat is at most 1.01;
on overlapping data (the same model, new data: compiled once) the verdict and the methods' disagreement say
that labels are ambiguous. Sampling takes a few seconds; compiling the model most of the test's time."""

from __future__ import annotations

import types

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("nutpie")

from emvb.labels.diagnose import rhat  # noqa: E402
from emvb.labels.kdraws import order_perm_k  # noqa: E402
from emvb.labels.mixture import relabel_mixture  # noqa: E402

TRUE_MU, TRUE_W, N = np.array([-6.0, 0.0, 6.0]), np.array([0.3, 0.4, 0.3]), 300
#: Overlapping data: the same allocations and noise with the means 0.3 x as far apart (1.8 sigma).
OVERLAP = 0.3


def _sample(compiled, x) -> xr.DataTree:
    """Two chains from each start group on data ``x``, joined along ``chain`` (renumbered)."""
    import nutpie

    groups = [nutpie.sample(cm.with_data(x=x), chains=2, draws=300, tune=300, cores=1, seed=i, progress_bar=False)
              for i, cm in enumerate(compiled)]
    post = xr.concat([g["posterior"].to_dataset() for g in groups], dim="chain", join="override")
    return xr.DataTree.from_dict({"posterior": post.assign_coords(chain=np.arange(post.sizes["chain"]))})


@pytest.mark.slow
def test_three_components_separated_switch_between_chains_and_overlapping_are_ambiguous():
    import pymc as pm

    from emvb.sampling.nutpie_starts import compiled_per_group

    rng = np.random.default_rng(24)
    z = rng.choice(3, size=N, p=TRUE_W)
    noise = rng.normal(0.0, 1.0, N)
    x = TRUE_MU[z] + noise
    with pm.Model() as model:
        data = pm.Data("x", x)
        w = pm.Dirichlet("w", a=np.ones(3))
        mu = pm.Normal("mu", 0.0, 10.0, shape=3)
        sigma = pm.HalfNormal("sigma", 5.0)
        pm.NormalMixture("y", w=w, mu=mu, sigma=sigma, observed=data)
    starts = [{"w": TRUE_W, "mu": TRUE_MU, "sigma": np.float64(1.0)},
              {"w": TRUE_W[[2, 0, 1]], "mu": TRUE_MU[[2, 0, 1]], "sigma": np.float64(1.0)}]
    compiled, _ = compiled_per_group(types.SimpleNamespace(pymc=model, compiled={}), starts)

    tree = _sample(compiled, x)
    out = relabel_mixture(tree, x)
    group = out["relabelling"].to_dataset()
    assert group.attrs["verdict"] == "between_chains", group.attrs["explanation"]
    mu_raw = tree["posterior"]["mu"].transpose("chain", "draw", ...).values
    methods = [m for m in group["relabeller"].values if m != "order_weights"]
    for m in methods:
        relabelled = np.take_along_axis(mu_raw, group[f"perm_{m}"].values, axis=-1)
        assert np.all(order_perm_k(relabelled) == np.arange(3)), m  # one labelling: ascending means
    mu = out["posterior"]["mu"].transpose("chain", "draw", ...).values
    assert max(rhat(mu[..., k]) for k in range(3)) <= 1.01
    assert max(rhat(mu_raw[..., k]) for k in range(3)) > 1.5  # as sampled, the chains disagree

    xo = OVERLAP * TRUE_MU[z] + noise
    group = relabel_mixture(_sample(compiled, xo), xo)["relabelling"].to_dataset()
    assert group.attrs["verdict"] == "ambiguous", group.attrs["explanation"]
    agree = group["agreement"].sel(relabeller=methods, relabeller_other=methods).values
    assert agree.min() < 0.9  # the methods label a tenth of the draws or more differently: the ambiguity
