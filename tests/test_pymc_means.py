"""The centre-gap coordinates of mu (models/pymc_means.py) leave the posterior unchanged; the retry at a
higher target acceptance (sampling/sample.py) is recorded (docs/methods.md §7.4).

The log density of ``(pi1, mu1, mu2, sigma)`` is compared with the plain parametrisation's at random
points (without Jacobians, so the two must be equal to rounding), and the Jacobian term alone against
its formula; then both parametrisations are sampled on the same overlapping data and their posterior
means compared within Monte-Carlo error.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from emvb import models
from emvb.models import MixtureParams

pytest.importorskip("pymc")
from emvb.models.pymc_model import build_model  # noqa: E402
from emvb.sampling import sample as sample_module  # noqa: E402
from emvb.sampling.nutpie_starts import start_flattener  # noqa: E402
from emvb.sampling.sample import sample  # noqa: E402
from emvb.sampling.starts import point  # noqa: E402

#: Overlapping components (the overlap study's truth): where the plain coordinates diverged.
OVERLAP = MixtureParams(0.3, 0.0, 1.5, 1.0)
# Float64 sums of N = 300 terms of size ~|logp| (about 4e2): rounding leaves ~1e-13 relative.
RTOL = 1e-10


@pytest.fixture(scope="module")
def data():
    return models.simulate(OVERLAP, 300, seed=5)


@pytest.fixture(scope="module")
def ordered_model(data):
    """The ordered model in its default coordinates (centre and gap), compiled once for the module's samplers."""
    return build_model(data, priors="default", ordered=True)


def random_points(rng, k):
    return [MixtureParams(rng.uniform(0.02, 0.98), *np.sort(rng.normal(0.5, 1.5, 2)), rng.uniform(0.3, 2.0))
            for _ in range(k)]


@pytest.mark.parametrize("ordered", [True, False])
@pytest.mark.parametrize("priors", ["default", "flat"])
def test_centre_gap_density_is_the_plain_one_and_its_jacobian_is_the_gap(data, ordered, priors):
    new = build_model(data, priors=priors, ordered=ordered)
    old = build_model(data, priors=priors, ordered=ordered, parametrisation="plain")
    assert new.spec.attrs()["parametrisation"] == "centre_gap" and old.spec.attrs()["parametrisation"] == "plain"
    fn = {k: (start_flattener(m.pymc), m.pymc.compile_logp(jacobian=False), m.pymc.compile_logp())
          for k, m in (("new", new), ("old", old))}
    names = {k: [v.name for v in m.pymc.value_vars] for k, m in (("new", new), ("old", old))}
    sizes = [1, 2, 1]  # pi1, mu, sigma: the free variables' order in both graphs
    for p in random_points(np.random.default_rng(3), 6):
        p = new.scaling.params_to_std(p if ordered else p.swapped())
        got = {}
        for k, (flatten, logp, logp_jac) in fn.items():
            flat = flatten(point(p))
            parts = np.split(flat, np.cumsum(sizes)[:-1])
            values = {n: (v if v.size > 1 else v[0]) for n, v in zip(names[k], parts, strict=True)}
            got[k] = (logp(values), logp_jac(values), flat)
        assert got["new"][0] == pytest.approx(got["old"][0], rel=RTOL)
        m, g = got["new"][2][1:3]
        # The new coordinates by hand: the weighted centre and the (log) gap.
        assert m == pytest.approx(p.pi1 * p.mu1 + (1 - p.pi1) * p.mu2, rel=1e-12, abs=1e-12)
        gap = p.mu2 - p.mu1
        assert g == pytest.approx(np.log(gap) if ordered else gap, rel=1e-12)
        # The Jacobian terms: log pi1 (1 - pi1) + log sigma, plus log(mu2 - mu1) when ordered.
        base = np.log(p.pi1 * (1 - p.pi1)) + np.log(p.sigma)
        assert got["new"][1] - got["new"][0] == pytest.approx(base + (np.log(gap) if ordered else 0.0), rel=1e-9)


def test_both_parametrisations_sample_the_same_posterior(data, ordered_model):
    """Posterior means of the two parametrisations agree within 4.5 combined Monte-Carlo standard errors
    (ArviZ's MCSE of each mean; 16 comparisons, so a false alarm has probability below 1e-4)."""
    import arviz as az

    fit_start = models.MixtureParams(0.4, -0.2, 1.3, 1.0)
    means, mcse = {}, {}
    for par in ("centre_gap", "plain"):
        m = ordered_model if par == "centre_gap" else build_model(data, priors="default", ordered=True,
                                                                   parametrisation=par)
        dt = sample(m, chains=2, draws=1000, tune=600, seed=7, init="em", start=fit_start, target_accept=0.95)
        post = dt["posterior"].to_dataset()
        ds = {"pi1": post["pi1"], "mu1": post["mu"].isel(component=0), "mu2": post["mu"].isel(component=1),
              "sigma": post["sigma"]}
        means[par] = {k: float(v.mean()) for k, v in ds.items()}
        mcse[par] = {k: float(az.mcse(v.transpose("chain", "draw").values)) for k, v in ds.items()}
        assert dt.attrs["parametrisation"] == par
    for k in means["plain"]:
        se = np.hypot(mcse["plain"][k], mcse["centre_gap"][k])
        assert abs(means["plain"][k] - means["centre_gap"][k]) < 4.5 * se, (k, means, mcse)


def test_retry_raises_the_target_and_records_every_attempt(ordered_model, monkeypatch):
    """With a limit no run can meet (a negative share), every target of the ladder is tried in turn and
    recorded; without a retry ladder the first attempt is kept."""
    m = ordered_model
    kw = dict(chains=2, draws=100, tune=100, seed=3, init="em", start=OVERLAP, cores=1)
    monkeypatch.setattr(sample_module, "MAX_DIVERGENT_SHARE", -1.0)
    dt = sample(m, target_accept=0.8, retry=(0.9, 0.85, 0.5), **kw)
    a = dt.attrs
    attempts = json.loads(a["attempts"])
    assert [x["target_accept"] for x in attempts] == [0.8, 0.85, 0.9]  # lower targets than the first are skipped
    assert a["retries"] == 2 and a["target_accept"] == 0.9
    assert a["sampling_time"] == pytest.approx(sum(x["sampling_time"] for x in attempts))
    assert attempts[-1]["n_divergent"] == a["n_divergent"] == int(dt["sample_stats"]["diverging"].sum())
    assert json.loads(a["retry_rule"]) == {"first": 0.8, "retry": [0.85, 0.9], "max_divergent_share": -1.0}
    once = sample(m, target_accept=0.8, retry=(), **kw)
    assert once.attrs["retries"] == 0 and len(json.loads(once.attrs["attempts"])) == 1
    assert once.attrs["target_accept"] == 0.8
