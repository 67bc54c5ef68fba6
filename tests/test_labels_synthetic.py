"""Constructed posteriors with known labellings, for the label-switching and relabelling tests.

Draws come from the normal approximation ``N(theta_hat, C)`` of a real EM fit (``em.fit``, Louis
covariance; the Bernstein-von Mises limit of the posterior for separated components), so every
draw's labelling is known by construction; chains are then swapped or switched half-way on
purpose. The tests in this file check that the construction itself is what the other tests assume.
"""

from __future__ import annotations

import arviz as az
import numpy as np

from emvb import em
from emvb.models.data import fingerprint
from emvb.models.params import MixtureParams
from emvb.models.simulate import simulate

SEPARATED = MixtureParams(0.3, 5.0, 15.0, 2.0)
OVERLAPPING = MixtureParams(0.5, 0.0, 1.5, 1.0)


def dataset(truth=SEPARATED, n=2000, seed=7):
    """Simulated data and the project's EM fit (Louis covariance) of them."""
    ds = simulate(truth, n, seed)
    return ds.values, em.fit(ds)


def normal_draws(fit, chains=4, draws=500, seed=1, cov_scale=1.0) -> np.ndarray:
    """``(chains, draws, 4)`` iid draws from ``N(theta_hat, cov_scale C)``, all in EM's labelling."""
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(fit.params.to_array(), cov_scale * fit.cov, size=(chains, draws))


def swap(theta: np.ndarray, where) -> np.ndarray:
    """Apply the label swap to ``theta (..., 4)`` where ``where (...)`` is True."""
    out = theta.copy()
    w = np.asarray(where, bool)
    out[w, 0] = 1.0 - theta[w, 0]
    out[w, 1], out[w, 2] = theta[w, 2], theta[w, 1]
    return out


def to_tree(theta: np.ndarray, sha256: str | None = None, x=None):
    """A DataTree laid out like ``sampling.sample.sample``'s (component coords [1, 2])."""
    groups = {"posterior": {"pi1": theta[..., 0], "mu": theta[..., 1:3], "sigma": theta[..., 3]}}
    if x is not None:
        groups["observed_data"] = {"x": np.asarray(x)}
    dt = az.from_dict(groups, dims={"mu": ["component"], "x": ["obs"]}, coords={"component": [1, 2]})
    if sha256:
        dt.attrs["data_sha256"] = sha256
        dt["posterior"].attrs["data_sha256"] = sha256
    return dt


def known_perm(chains, draws, seed=3, block=50) -> np.ndarray:
    """A (chains, draws) swap pattern: whole chains, runs of draws and single draws."""
    rng = np.random.default_rng(seed)
    perm = np.zeros((chains, draws), bool)
    perm[1] = True
    for c in range(chains):
        starts = rng.choice(draws, size=3, replace=False)
        for s in starts:
            perm[c, s:s + block] ^= True
    perm[0, rng.choice(draws, size=20, replace=False)] ^= True
    return perm


# -- checks of the construction ---------------------------------------------------------------


def test_swap_is_an_involution_and_keeps_sigma():
    x, fit = dataset()
    theta = normal_draws(fit, 2, 10)
    where = np.random.default_rng(0).random((2, 10)) < 0.5
    assert np.allclose(swap(swap(theta, where), where), theta)
    assert np.array_equal(swap(theta, where)[..., 3], theta[..., 3])
    assert np.all((swap(theta, where)[..., 1] > swap(theta, where)[..., 2]) == where)


def test_to_tree_has_the_sampler_layout():
    x, fit = dataset()
    dt = to_tree(normal_draws(fit, 3, 20), fit.sha256, x)
    post = dt["posterior"]
    assert post["mu"].dims == ("chain", "draw", "component")
    assert list(post["component"].values) == [1, 2]
    assert post.attrs["data_sha256"] == fingerprint(dt["observed_data"]["x"].values)
