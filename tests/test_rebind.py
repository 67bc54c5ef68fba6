"""The PyMC side at any scale, and one compiled sampler for every data set of the same size.

One ordered model is compiled for N = 200 points; every other data set, of that size or another, is
swapped in with ``MixtureModel.rebind`` (no compile: counted by patching the one compile call). The posterior of
``a x + b`` must be the affine image of the posterior of ``x``: exactly when the sampler sees the same
standardised data (``a`` a power of two), else within Monte-Carlo error (the standardised data then
differ in the last bit, and a NUTS trajectory is chaotic in the last bit).
"""

from __future__ import annotations

import numpy as np
import pytest

from emvb import em
from emvb.models import MixtureParams, simulate
from emvb.models.errors import SettingError

pytest.importorskip("pymc")
import arviz as az  # noqa: E402
import xarray as xr  # noqa: E402
from pymc_map import find_map_result  # noqa: E402

from emvb.models.priors import Priors  # noqa: E402
from emvb.models.pymc_model import CONTAINERS, HYPERPARAMETERS, PRIOR_STD, build_model, hyperparameters  # noqa: E402
from emvb.sampling import nutpie_starts  # noqa: E402
from emvb.sampling.sample import sample  # noqa: E402

N = 200
KW = dict(chains=2, draws=300, tune=300, seed=1)


@pytest.fixture(scope="module")
def data():
    return simulate(MixtureParams(0.3, 5.0, 15.0, 2.0), N, seed=5)


@pytest.fixture(scope="module")
def model(data):
    return build_model(data, ordered=True)


@pytest.fixture(scope="module")
def base(model, data):
    return sample(model, start=em.fit(data).params, **KW)


@pytest.fixture
def compiles(monkeypatch):
    """Calls of the one place a nutpie model is compiled."""
    calls = []
    real = nutpie_starts._compile
    monkeypatch.setattr(nutpie_starts, "_compile", lambda m, s: calls.append(1) or real(m, s))
    return calls


def draws(dt) -> np.ndarray:
    p = dt["posterior"]
    return np.concatenate([p["pi1"].values[..., None], p["mu"].values, p["sigma"].values[..., None]], axis=-1)


def mcse(d: np.ndarray) -> np.ndarray:
    """ArviZ's MCSE of the mean of each of the 4 parameters, draws shaped (chain, draw, 4)."""
    return az.mcse(xr.Dataset({"t": (("chain", "draw", "param"), d)}))["t"].values


def test_rebound_model_samples_as_a_fresh_model_without_compiling(model, base, compiles):
    y = simulate(MixtureParams(0.6, -3.0, 4.0, 1.5), N, seed=6)
    start = em.fit(y).params
    rebound = model.rebind(y)
    assert rebound.graph is model.graph and rebound.compiled is model.compiled
    got = sample(rebound, start=start, **KW)
    assert compiles == []  # the cached compiled model, given the new data by nutpie's with_data
    fresh = sample(build_model(y, ordered=True), start=start, **KW)
    assert compiles == [1]
    np.testing.assert_array_equal(draws(got), draws(fresh))
    for dt in (got, fresh):
        assert dt.attrs["data_sha256"] == y.sha256
        np.testing.assert_array_equal(dt["observed_data"]["x"].values, y.values)
    for key in ("priors", "standardisation"):
        assert got.attrs[key] == fresh.attrs[key]
    # the original model still samples its own data
    np.testing.assert_array_equal(draws(sample(model, start=em.fit(model.data).params, **KW)), draws(base))


def test_power_of_two_scaling_gives_exactly_the_scaled_posterior(model, data, base):
    a = 2.0 ** -600  # ~2e-181: the standardised data, priors and start are bit for bit those of x
    got = sample(model.rebind(a * data.values), start=em.fit(a * data.values).params, **KW)
    expect = draws(base) * np.array([1.0, a, a, a])
    np.testing.assert_array_equal(draws(got), expect)


@pytest.mark.parametrize("a", [1e-200, 1e-6, 1e6, 1e100, 1e200])
def test_scaled_data_give_the_affine_image_within_monte_carlo_error(model, data, base, a):
    """Data times 1e100 used to fail ("All initialization points failed", then a segfault)."""
    b = 3.7 * a
    y = a * data.values + b
    got = sample(model.rebind(y), start=em.fit(y).params, **KW)
    assert got.attrs["n_divergent"] == 0
    shift = np.array([0.0, b, b, 0.0])
    scale = np.array([1.0, a, a, a])
    back = (draws(got) - shift) / scale  # the posterior of x, as estimated from the draws for a x + b
    mean_x, mean_y = draws(base).mean(axis=(0, 1)), back.mean(axis=(0, 1))
    # 4 combined MCSEs (ArviZ on the unscaled draws: its squares of 1e200 would overflow)
    z = (mean_y - mean_x) / np.hypot(mcse(draws(base)), mcse(back))
    assert np.all(np.abs(z) < 4), z


def test_rebind_keeps_the_kind_of_priors(model, data):
    y = simulate(MixtureParams(0.5, 0.0, 3.0, 1.0), N, seed=7)
    assert model.rebind(y).spec.priors == Priors.default_for(y)  # data-based: recomputed
    fixed = Priors(2.0, 2.0, 10.0, 20.0, 5.0)
    m_fixed = build_model(data, priors=fixed, ordered=True)
    r = m_fixed.rebind(y)
    assert r.spec.priors == fixed  # fixed: kept, restandardised for the new data
    names = list(hyperparameters(r.spec.priors))
    assert r.values[PRIOR_STD][names.index("mu_sd_std")] == pytest.approx(20.0 / r.scaling.scale, rel=1e-15)
    assert model.rebind(y, priors=fixed).spec.priors == fixed
    assert set(model.values) == set(CONTAINERS)
    with pytest.raises(SettingError, match="kind of prior"):
        model.rebind(y, priors="flat")


@pytest.mark.parametrize("priors", ["default", "flat", Priors(2.0, 2.0, 10.0, 20.0, None)])
def test_every_hyperparameter_is_in_one_container(data, priors):
    """Two ``pm.Data`` containers whatever the prior (nutpie compiles a function per container): the data
    and one vector holding the standardised hyperparameters the prior has, in the documented order."""
    m = build_model(data, priors=priors, ordered=False)
    assert {v.name for v in m.graph.data_vars} == set(CONTAINERS) == set(m.values)
    std = m.scaling.priors_to_std(m.spec.priors)
    want = hyperparameters(std)
    assert list(want) == [k for k in HYPERPARAMETERS if k in want]
    np.testing.assert_array_equal(m.values[PRIOR_STD], np.array(list(want.values()), dtype=float))
    assert len(want) == {"default": 5, "flat": 2}.get(priors, 4)


def test_a_rebound_model_of_another_size_samples_as_a_fresh_model(model, data, base, compiles):
    """The data container's length is not compiled in: the N = 200 compile samples N = 57 data exactly as
    a model built for them, and that model's compile samples the N = 200 data exactly as ``base``."""
    y = simulate(MixtureParams(0.6, -3.0, 4.0, 1.5), 57, seed=6)
    start = em.fit(y).params
    got = sample(model.rebind(y), start=start, **KW)
    assert compiles == []
    fresh_model = build_model(y, ordered=True)
    np.testing.assert_array_equal(draws(got), draws(sample(fresh_model, start=start, **KW)))
    assert compiles == [1]
    assert got.attrs["data_n"] == 57 and got["observed_data"]["x"].size == 57
    back = sample(fresh_model.rebind(data), start=em.fit(data).params, **KW)
    assert compiles == [1]
    np.testing.assert_array_equal(draws(back), draws(base))


def test_map_at_1e200_is_the_mle():
    """The MAP (tests/pymc_map.py) on the standardised graph: with flat priors the mode is EM's MLE, at any scale."""
    x = 1e200 * simulate(MixtureParams(0.3, 5.0, 15.0, 2.0), 500, seed=8).values
    r = find_map_result(x, "flat", ordered=True)
    mle = em.fit(x)
    np.testing.assert_allclose(r.params.to_array(), mle.params.to_array(), rtol=1e-6)
    assert r.logp == pytest.approx(mle.loglik, rel=1e-10)
    assert r.newton_decrement < 1e-5
