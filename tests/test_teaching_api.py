"""The public API the teaching notebooks use: relabelling methods as the code documents them, prior draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

import emvb
from emvb import teaching
from emvb.labels.methods import METHOD_INFO
from emvb.labels.relabel import METHODS


def test_every_relabelling_method_has_its_one_line_description_from_the_code():
    described = teaching.relabel_methods()
    assert list(described) == list(METHODS)
    for name, text in described.items():
        assert len(text) > 10 and "\n" not in text and not text.startswith("``"), (name, text)
        assert text == METHOD_INFO[name][1]  # the "what it does" the report's method table prints


def test_every_described_method_is_one_the_api_runs():
    """The notebook relabels with each described method through ``emvb.relabel``: each must run and
    report itself; sorting (``order``) must leave every draw with mu1 < mu2."""
    from test_labels_synthetic import OVERLAPPING, dataset, normal_draws, to_tree

    x, fit = dataset(OVERLAPPING, n=300)
    post = to_tree(normal_draws(fit, chains=2, draws=100), fit.sha256, x)
    for name in teaching.relabel_methods():
        r = emvb.relabel(post, name, em_result=fit, data=x)
        assert r.method == name and r.perm.shape == (2, 100)
    mu = emvb.relabel(post, "order", em_result=fit, data=x).posterior["posterior"]["mu"].values
    assert np.all(mu[..., 0] <= mu[..., 1])


@pytest.mark.parametrize("ordered", [False, True])
def test_prior_draws_follow_the_model_prior(ordered):
    """Means of the prior draws of mu, in prior sd units: unordered, both 0; ordered (sorted pair of two
    iid normals), -+1/sqrt(pi). The sd of one sorted coordinate is sqrt(1 - 1/pi) prior sd, so with
    m draws the SE of the mean is below 1/sqrt(m); tolerance 4 SE."""
    data = emvb.simulate(n=500, seed=1)
    priors = emvb.Priors.default_for(data.values)
    m = 20_000
    tree = teaching.prior_draws(data, ordered=ordered, draws=m, seed=4)
    prior = tree["prior"]
    mu = prior["mu"].values.reshape(-1, 2)
    z = (mu.mean(axis=0) - priors.mu_mean) / priors.mu_sd
    expected = np.array([-1, 1]) / math.sqrt(math.pi) if ordered else np.zeros(2)
    np.testing.assert_allclose(z, expected, atol=4 / math.sqrt(m))
    assert np.all(mu[:, 0] < mu[:, 1]) if ordered else 0.4 < np.mean(mu[:, 0] < mu[:, 1]) < 0.6
    pi1 = prior["pi1"].values.ravel()
    assert np.all((pi1 > 0) & (pi1 < 1)) and np.all(prior["sigma"].values > 0)
    assert prior.attrs["priors_description"] == priors.describe()


def test_prior_draws_are_reproducible():
    data = emvb.simulate(n=200, seed=1)
    a = teaching.prior_draws(data, draws=50, seed=9)["prior"]["mu"].values
    b = teaching.prior_draws(data, draws=50, seed=9)["prior"]["mu"].values
    np.testing.assert_array_equal(a, b)
