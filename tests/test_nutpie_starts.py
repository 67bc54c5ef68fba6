"""nutpie's per-chain starts: the layout check passes on the installed nutpie, and if it ever fails
the public per-group compile gives the same kind of result, with a warning."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("nutpie")

from emvb.em import fit  # noqa: E402
from emvb.models import MixtureParams, simulate  # noqa: E402
from emvb.models.errors import ParamError  # noqa: E402
from emvb.models.pymc_model import build_model  # noqa: E402
from emvb.sampling import nutpie_starts  # noqa: E402
from emvb.sampling.sample import sample  # noqa: E402
from emvb.sampling.starts import point  # noqa: E402

EPS = np.finfo(float).eps
# Components 8 sigma apart: a chain never crosses mu1 = mu2, so where it ends shows where it started.
TRUTH = MixtureParams(0.4, 0.0, 8.0, 1.0)


@pytest.fixture(scope="module")
def data():
    return simulate(TRUTH, 300, seed=12)


def test_installed_nutpie_has_the_layout_we_rely_on(data, monkeypatch):
    """The layout check passes, a moved start is ours, and the flattening is compiled once per graph:
    a second call, on a rebound model, compiles nothing and places the same start."""
    built = []
    real = nutpie_starts.start_flattener
    monkeypatch.setattr(nutpie_starts, "start_flattener", lambda m: built.append(1) or real(m))
    mm = build_model(data, ordered=False)
    start, swapped = point(TRUTH), point(TRUTH.swapped())
    (cm, moved), seconds = nutpie_starts.compiled_per_group(mm, [start, swapped])
    flatten = real(mm.pymc)
    assert mm.compiled[nutpie_starts.CACHE_KEY][1] and nutpie_starts.layout_matches(cm, flatten, start)
    np.testing.assert_array_equal(moved.initial_point_func(0), flatten(swapped))
    (again,), later = nutpie_starts.compiled_per_group(mm.rebind(data), [swapped])
    assert built == [1] and later < seconds / 100
    np.testing.assert_array_equal(again.initial_point_func(0), moved.initial_point_func(0))


@pytest.mark.parametrize("ordered", [False, True])
def test_the_compiled_flattening_is_pymcs_initial_point(data, ordered):
    """The cached function against PyMC's own initial point (transformed, raveled in free_RVs order), to a
    few rounding errors: PyMC folds its constant start into ``log(x) - log(1 - x)`` for pi1's log-odds
    (each term within half an ulp of |log| <= 3), the function evaluates ``log(x / (1 - x))``."""
    from pymc.initial_point import make_initial_point_fn

    model = build_model(data, ordered=ordered).pymc
    flatten = nutpie_starts.start_flattener(model)
    rng = np.random.default_rng(0)
    for _ in range(5):
        mu = np.sort(rng.normal(0.0, 3.0, 2)) if ordered else rng.normal(0.0, 3.0, 2)
        start = {"pi1": np.float64(rng.uniform(0.05, 0.95)), "mu": mu, "sigma": np.float64(rng.uniform(0.1, 3.0))}
        p = make_initial_point_fn(model=model, overrides=start, jitter_rvs=set(), return_transformed=True)(0)
        theirs = np.concatenate([np.ravel(p[model.rvs_to_values[rv].name]) for rv in model.free_RVs])
        np.testing.assert_allclose(flatten(start), theirs, rtol=4 * EPS, atol=8 * EPS)
    if ordered:
        with pytest.raises(ParamError, match="outside the model's support"):
            flatten({"pi1": 0.5, "mu": np.array([1.0, 0.0]), "sigma": 1.0})


def test_a_layout_mismatch_falls_back_to_one_public_compile_per_group(data, monkeypatch):
    real = nutpie_starts.start_flattener
    monkeypatch.setattr(nutpie_starts, "start_flattener", lambda model: lambda start: real(model)(start) + 1.0)
    compiles = []
    real_compile = nutpie_starts._compile
    monkeypatch.setattr(nutpie_starts, "_compile", lambda m, s: compiles.append(s) or real_compile(m, s))
    mm = build_model(data, ordered=False)
    with pytest.warns(nutpie_starts.NutpieFallbackWarning, match="compiling once per start group"):
        dt = sample(mm, chains=2, draws=100, tune=100, seed=3, init="dispersed", start=fit(data).params)
    assert len(compiles) == 3  # the cached model, then one per start group
    mu = dt["posterior"]["mu"].values
    assert (mu[0, :, 0] < mu[0, :, 1]).all() and (mu[1, :, 0] > mu[1, :, 1]).all()
