"""A real K = 3 posterior: ``pm.NormalMixture`` with unordered means on well-separated data, sampled by nutpie with
two chains started in one labelling and two in another (the project's per-chain starts). Sampling takes a few
seconds; compiling the model most of the test's time. The verdict is
between_chains, every method puts every draw in one labelling, and the relabelled means' R-hat is at most 1.01."""

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


def _tree(groups) -> xr.DataTree:
    """The groups' posteriors joined along ``chain`` (renumbered)."""
    posts = [g["posterior"].to_dataset() for g in groups]
    post = xr.concat(posts, dim="chain", join="override")
    return xr.DataTree.from_dict({"posterior": post.assign_coords(chain=np.arange(post.sizes["chain"]))})


@pytest.mark.slow
def test_three_components_started_in_two_labellings_are_switched_between_chains():
    import nutpie
    import pymc as pm

    from emvb.sampling.nutpie_starts import compiled_per_group

    rng = np.random.default_rng(24)
    z = rng.choice(3, size=N, p=TRUE_W)
    x = rng.normal(TRUE_MU[z], 1.0)
    with pm.Model() as model:
        w = pm.Dirichlet("w", a=np.ones(3))
        mu = pm.Normal("mu", 0.0, 10.0, shape=3)
        sigma = pm.HalfNormal("sigma", 5.0)
        pm.NormalMixture("y", w=w, mu=mu, sigma=sigma, observed=x)
    starts = [{"w": TRUE_W, "mu": TRUE_MU, "sigma": np.float64(1.0)},
              {"w": TRUE_W[[2, 0, 1]], "mu": TRUE_MU[[2, 0, 1]], "sigma": np.float64(1.0)}]
    compiled, _ = compiled_per_group(types.SimpleNamespace(pymc=model, compiled={}), starts)
    groups = [nutpie.sample(cm, chains=2, draws=300, tune=300, cores=1, seed=i, progress_bar=False)
              for i, cm in enumerate(compiled)]
    tree = _tree(groups)
    out = relabel_mixture(tree, x)
    group = out["relabelling"].to_dataset()
    assert group.attrs["verdict"] == "between_chains", group.attrs["explanation"]
    mu_raw = tree["posterior"]["mu"].transpose("chain", "draw", ...).values
    for m in group["relabeller"].values:
        if m == "order_weights":
            continue
        perm = group[f"perm_{m}"].values
        relabelled = np.take_along_axis(mu_raw, perm, axis=-1)
        assert np.all(order_perm_k(relabelled) == np.arange(3)), m  # one labelling: ascending means
    mu = out["posterior"]["mu"].transpose("chain", "draw", ...).values
    assert max(rhat(mu[..., k]) for k in range(3)) <= 1.01
    assert max(rhat(mu_raw[..., k]) for k in range(3)) > 1.5  # as sampled, the chains disagree
