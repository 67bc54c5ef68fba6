"""nutpie's per-chain starts: the layout check passes on the installed nutpie, and if it ever fails
the public per-group compile gives the same kind of result, with a warning."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("nutpie")

from emvb.em import fit  # noqa: E402
from emvb.models import MixtureParams, simulate  # noqa: E402
from emvb.models.pymc_model import build_model  # noqa: E402
from emvb.sampling import nutpie_starts  # noqa: E402
from emvb.sampling.sample import sample  # noqa: E402
from emvb.sampling.starts import point  # noqa: E402

# Components 8 sigma apart: a chain never crosses mu1 = mu2, so where it ends shows where it started.
TRUTH = MixtureParams(0.4, 0.0, 8.0, 1.0)


@pytest.fixture(scope="module")
def data():
    return simulate(TRUTH, 300, seed=12)


def test_installed_nutpie_has_the_layout_we_rely_on(data):
    mm = build_model(data, ordered=False)
    start = point(TRUTH)
    cm = nutpie_starts._compile(mm.pymc, start)
    assert nutpie_starts.layout_matches(cm, mm.pymc, start)
    moved = nutpie_starts._with_start(cm, nutpie_starts.flatten_start(mm.pymc, point(TRUTH.swapped())))
    np.testing.assert_allclose(moved.initial_point_func(0),
                               nutpie_starts.flatten_start(mm.pymc, point(TRUTH.swapped())))


def test_a_layout_mismatch_falls_back_to_one_public_compile_per_group(data, monkeypatch):
    real = nutpie_starts.flatten_start
    monkeypatch.setattr(nutpie_starts, "flatten_start", lambda model, start: real(model, start) + 1.0)
    compiles = []
    real_compile = nutpie_starts._compile
    monkeypatch.setattr(nutpie_starts, "_compile", lambda m, s: compiles.append(s) or real_compile(m, s))
    mm = build_model(data, ordered=False)
    with pytest.warns(nutpie_starts.NutpieFallbackWarning, match="compiling once per start group"):
        dt = sample(mm, chains=2, draws=100, tune=100, seed=3, init="dispersed", start=fit(data).params)
    assert len(compiles) == 3  # the cached model, then one per start group
    mu = dt["posterior"]["mu"].values
    assert (mu[0, :, 0] < mu[0, :, 1]).all() and (mu[1, :, 0] > mu[1, :, 1]).all()
