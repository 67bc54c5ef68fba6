"""Sampling the PyMC model: truth recovered, label switching shown, everything recorded.

The data are the project's default scenario (N = 10^4, DEFAULT_TRUTH, DEFAULT_SEED); short runs
(2 chains x 300 draws after 300 tuning steps) keep sampling to a few seconds, and most of the cost
is compiling (cached on disk by PyTensor/numba after the first run). The models are built once per
module so that nutpie recompiles a known graph (about 1 s) rather than a new one.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from emvb import models
from emvb.models import DEFAULT_TRUTH, MixtureParams
from emvb.models.errors import ParamError, SettingError

pytest.importorskip("pymc")
import arviz as az  # noqa: E402

from emvb.models.priors import Priors  # noqa: E402
from emvb.models.pymc_model import build_model  # noqa: E402
from emvb.sampling.sample import sample  # noqa: E402
from emvb.sampling.starts import chain_starts, crude_start  # noqa: E402

N, CHAINS, DRAWS, TUNE = models.DEFAULT_N, 2, 300, 300


@pytest.fixture(scope="module")
def data():
    return models.simulate(DEFAULT_TRUTH, N, seed=models.DEFAULT_SEED)


@pytest.fixture(scope="module")
def start(data):
    """A start point in the 'wrong' labelling, to check that the ordered model re-labels it."""
    return crude_start(data.values).swapped()


@pytest.fixture(scope="module")
def ordered_model(data):
    return build_model(data, ordered=True)


@pytest.fixture(scope="module")
def ordered_nutpie(ordered_model, start):
    return sample(ordered_model, chains=CHAINS, draws=DRAWS, tune=TUNE, seed=1, init="dispersed", start=start)


@pytest.fixture(scope="module")
def unordered_dispersed(data, start):
    model = build_model(data, ordered=False)
    return sample(model, chains=CHAINS, draws=DRAWS, tune=TUNE, seed=2, init="dispersed", start=start)


def test_ordered_model_centres_on_the_mle_and_covers_the_truth(ordered_nutpie, data):
    """Tolerances from the statistics, not from one seed's intervals.

    Truth: under a calibrated posterior (mean - truth) / sd is about N(0, 1) over data sets, so
    |z| > 4 has probability 6e-5 per parameter. MLE: by Bernstein-von Mises (separated components,
    N = 10^4) the posterior mean is O(1/N) from the MLE, far inside 0.5 sd; the Monte-Carlo error of
    the mean is sd / sqrt(ESS) < 0.1 sd for ESS > 100, so 0.5 sd leaves 4 MCSE of room.
    """
    from emvb import em

    post = ordered_nutpie["posterior"]
    mle = em.fit(data).params.to_array()
    mu = post["mu"].values
    draws = np.column_stack([post["pi1"].values.ravel(), mu[..., 0].ravel(), mu[..., 1].ravel(),
                             post["sigma"].values.ravel()])
    mean, sd = draws.mean(axis=0), draws.std(axis=0, ddof=1)
    ess = np.array([float(az.ess(d.reshape(CHAINS, DRAWS), method="bulk")) for d in draws.T])
    assert np.all(ess > 100), ess
    assert np.all(np.abs(mean - DEFAULT_TRUTH.to_array()) / sd < 4.0), (mean, sd)
    assert np.all(np.abs(mean - mle) / sd < 0.5), (mean, mle, sd)
    assert np.all(mu[..., 0] < mu[..., 1])  # the ordered transform holds in every draw
    assert ordered_nutpie.attrs["n_divergent"] == 0


def test_unordered_dispersed_has_chains_in_both_labellings(unordered_dispersed, data):
    mu = unordered_dispersed["posterior"]["mu"].values  # (chain, draw, component)
    share_mu1_low = (mu[..., 0] < mu[..., 1]).mean(axis=1)
    # Components 5 sigma apart: a chain never crosses the mu1 = mu2 boundary in 300 draws.
    assert share_mu1_low[0] == 0.0 and share_mu1_low[1] == 1.0, share_mu1_low
    # The chains started where the attrs say: chain 0 at `start` (mu1 > mu2), chain 1 swapped.
    starts = json.loads(unordered_dispersed.attrs["start"])
    assert starts[0]["mu"][0] > starts[0]["mu"][1] and starts[1]["mu"][0] < starts[1]["mu"][1]
    # The label-invariant sigma agrees across chains (within 5 combined MCSEs), mu does not.
    s = unordered_dispersed["posterior"]["sigma"].values
    se = np.sqrt(sum(float(az.mcse(s[c][None, :])) ** 2 for c in range(2)))
    assert abs(s[0].mean() - s[1].mean()) < 5 * se
    m = mu.mean(axis=1)  # per-chain means of (mu1, mu2): the labels are swapped between chains
    np.testing.assert_allclose(m[0], m[1][::-1], atol=0.5)
    assert abs(m[0, 0] - m[1, 0]) > 5


def test_sampling_records_data_priors_variant_and_times(ordered_nutpie, data):
    a = ordered_nutpie.attrs
    assert a["data_sha256"] == data.sha256 and a["data_n"] == N
    assert Priors.from_dict(json.loads(a["priors"])) == Priors.default_for(data.values)
    assert a["model_variant"] == "ordered" and a["likelihood"] == "closed"
    assert (a["sampler"], a["init"], a["seed"], a["chains"], a["draws"], a["tune"]) == \
        ("nutpie", "dispersed", 1, CHAINS, DRAWS, TUNE)
    assert a["sampling_time"] > 0 and a["compile_time"] > 0
    assert a["wall_time"] >= a["sampling_time"] + a["compile_time"] - 1e-6
    assert ordered_nutpie["posterior"].attrs["data_sha256"] == data.sha256
    assert set(ordered_nutpie.children) >= {"posterior", "sample_stats", "observed_data"}
    np.testing.assert_array_equal(ordered_nutpie["observed_data"]["x"].values, data.values)
    ss = ordered_nutpie["sample_stats"]
    for name in ("diverging", "tree_depth", "reached_max_treedepth"):
        assert ss[name].shape == (CHAINS, DRAWS)
    assert a["n_divergent"] == int(ss["diverging"].sum())
    assert a["n_max_treedepth"] == int(ss["reached_max_treedepth"].sum())
    # Ordered model, 'dispersed': every chain starts at the re-labelled start (mu1 < mu2).
    for s in json.loads(a["start"]):
        assert s["mu"][0] < s["mu"][1]


def test_netcdf_round_trip(ordered_nutpie, tmp_path):
    path = tmp_path / "post.nc"
    ordered_nutpie.to_netcdf(path, engine="h5netcdf")
    back = az.from_netcdf(path)
    np.testing.assert_array_equal(back["posterior"]["mu"].values, ordered_nutpie["posterior"]["mu"].values)
    assert back.attrs["data_sha256"] == ordered_nutpie.attrs["data_sha256"]
    assert list(back["posterior"]["mu"].coords["component"].values) == [1, 2]


def test_posterior_is_centred_on_the_mle(ordered_nutpie, data):
    """Bernstein-von Mises (docs/methods.md §5): posterior mean - MLE is O(N^-1/2) posterior sd's; allow
    0.2 sd (20x the N^-1/2 scale at N = 10^4) plus 5 MCSE."""
    from emvb import em

    mle = em.fit(data.values).params
    post = ordered_nutpie["posterior"]
    for name, ref in (("pi1", mle.pi1), ("mu", np.array([mle.mu1, mle.mu2])), ("sigma", mle.sigma)):
        mean, sd = post[name].mean(("chain", "draw")).values, post[name].std(("chain", "draw")).values
        mcse = az.mcse(ordered_nutpie, var_names=[name])[name].values
        assert np.all(np.abs(mean - ref) < 0.2 * sd + 5 * mcse), (name, mean, ref, sd, mcse)


def test_pymc_sampler_agrees_with_nutpie(ordered_model, start, ordered_nutpie):
    """Two independent MCMC estimates of each posterior mean differ by < 5 combined MCSEs."""
    dt = sample(ordered_model, chains=CHAINS, draws=DRAWS, tune=TUNE, seed=3, sampler="pymc", init="em",
                start=start)
    assert dt.attrs["sampler"] == "pymc" and dt.attrs["init"] == "em"
    assert set(dt.children) >= {"posterior", "sample_stats", "observed_data"}
    for name in ("pi1", "mu", "sigma"):
        a, b = dt["posterior"][name], ordered_nutpie["posterior"][name]
        se = np.sqrt(az.mcse(dt, var_names=[name])[name] ** 2
                     + az.mcse(ordered_nutpie, var_names=[name])[name] ** 2)
        diff = np.abs(a.mean(("chain", "draw")) - b.mean(("chain", "draw")))
        assert np.all(diff.values < 5 * se.values), (name, diff.values, se.values)
    assert dt["sample_stats"]["diverging"].shape == (CHAINS, DRAWS)


@pytest.mark.parametrize("mass_matrix", ["dense", "diag"])
def test_same_seed_same_draws(ordered_model, start, mass_matrix):
    a, b = (sample(ordered_model, chains=1, draws=50, tune=50, seed=7, init="em", start=start,
                   mass_matrix=mass_matrix) for _ in range(2))
    np.testing.assert_array_equal(a["posterior"]["mu"].values, b["posterior"]["mu"].values)
    assert a.attrs["mass_matrix"] == mass_matrix
    c = sample(ordered_model, chains=1, draws=50, tune=50, seed=8, init="em", start=start,
               mass_matrix=mass_matrix)
    assert not np.array_equal(a["posterior"]["mu"].values, c["posterior"]["mu"].values)


def test_chain_starts():
    p = MixtureParams(0.3, 5.0, 15.0, 2.0)
    pri = Priors(1.0, 1.0, 10.0, 10.0, 10.0)
    d = chain_starts(chains=4, init="dispersed", ordered=False, start=p, priors=pri, seed=0)
    assert [s["mu"].tolist() for s in d] == [[5, 15], [15, 5], [5, 15], [15, 5]]
    assert [float(s["pi1"]) for s in d] == [0.3, 0.7, 0.3, 0.7]
    d = chain_starts(chains=3, init="dispersed", ordered=True, start=p.swapped(), priors=pri, seed=0)
    assert all(s["mu"].tolist() == [5, 15] for s in d)
    e = chain_starts(chains=2, init="em", ordered=False, start=p.swapped(), priors=pri, seed=0)
    assert all(s["mu"].tolist() == [15, 5] for s in e)
    r1 = chain_starts(chains=3, init="prior", ordered=True, start=p, priors=pri, seed=5)
    r2 = chain_starts(chains=3, init="prior", ordered=True, start=p, priors=pri, seed=5)
    assert [s["mu"].tolist() for s in r1] == [s["mu"].tolist() for s in r2]
    assert len({tuple(s["mu"]) for s in r1}) == 3 and all(s["mu"][0] < s["mu"][1] for s in r1)
    with pytest.raises(ParamError, match="improper"):
        chain_starts(chains=2, init="prior", ordered=True, start=p, priors=Priors.flat(), seed=0)


@pytest.mark.parametrize("kw, match", [({"chains": 0}, "chains"), ({"sampler": "metropolis"}, "sampler"),
                                       ({"init": "advi"}, "init"), ({"draws": 0}, "draws"),
                                       ({"seed": -1}, "seed"), ({"tune": 1.5}, "tune"),
                                       ({"target_accept": 1.0}, "target_accept"),
                                       ({"mass_matrix": "full"}, "mass_matrix")])
def test_bad_arguments_are_refused_before_any_work(ordered_model, kw, match):
    args = {"seed": 0} | kw
    with pytest.raises(SettingError, match=match):
        sample(ordered_model, **args)


def test_model_not_from_build_model_is_refused():
    import pymc as pm

    with pm.Model() as m:
        pm.Normal("a")
    with pytest.raises(SettingError, match="build_model"):
        sample(m, seed=0)


def test_core_count_falls_back_where_the_os_has_no_affinity(monkeypatch):
    """macOS and Windows have no os.sched_getaffinity: emvb sample/run must still choose a core count."""
    import os

    from emvb.sampling import sample as sample_module

    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert sample_module.available_cores() == 3
    assert sample_module._n_cores(8) == 3 and sample_module._n_cores(2) == 2
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert sample_module.available_cores() == 1
