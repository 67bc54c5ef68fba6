"""The public API the teaching notebooks use: relabelling methods as the code documents them, prior draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

import emvb
from emvb.labels.relabel import METHODS


def test_every_relabelling_method_has_its_one_line_description_from_the_code():
    described = emvb.relabel_methods()
    assert list(described) == list(METHODS)
    for name, text in described.items():
        assert len(text) > 10 and "\n" not in text and not text.startswith("``"), (name, text)


def test_the_description_reader_fails_loudly_when_a_method_is_undocumented(monkeypatch):
    from emvb.labels import relabel

    monkeypatch.setattr(relabel, "METHODS", (*relabel.METHODS, "nosuchmethod"))
    with pytest.raises(emvb.EmvbError, match="nosuchmethod"):
        emvb.relabel_methods()


@pytest.mark.parametrize("ordered", [False, True])
def test_prior_draws_follow_the_model_prior(ordered):
    """Means of the prior draws of mu, in prior sd units: unordered, both 0; ordered (sorted pair of two
    iid normals), -+1/sqrt(pi). The sd of one sorted coordinate is sqrt(1 - 1/pi) prior sd, so with
    m draws the SE of the mean is below 1/sqrt(m); tolerance 4 SE."""
    data = emvb.simulate(n=500, seed=1)
    priors = emvb.Priors.default_for(data.values)
    m = 20_000
    tree = emvb.prior_draws(data, ordered=ordered, draws=m, seed=4)
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
    a = emvb.prior_draws(data, draws=50, seed=9)["prior"]["mu"].values
    b = emvb.prior_draws(data, draws=50, seed=9)["prior"]["mu"].values
    np.testing.assert_array_equal(a, b)
