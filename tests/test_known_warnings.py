"""Every warning emvb silences by its message text still occurs upstream, and the filter still catches it.

A filter keyed on message text silently stops matching when upstream rewords the warning; then
users would see it again and nobody would notice. Each entry of sampling.known_warnings.KNOWN is
triggered here the way emvb meets it.
"""

from __future__ import annotations

import re
import threading
import warnings

import pytest

pm = pytest.importorskip("pymc")

from emvb.models import DEFAULT_TRUTH, simulate  # noqa: E402
from emvb.models.pymc_model import build_model  # noqa: E402
from emvb.sampling.known_warnings import KNOWN, silenced  # noqa: E402
from emvb.sampling.starts import point  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return build_model(simulate(DEFAULT_TRUTH, 200, seed=3), ordered=True).pymc


def _caught(name: str, record: list) -> bool:
    k = KNOWN[name]
    return any(issubclass(w.category, k.category) and re.search(k.message, str(w.message)) for w in record)


def _full_adapt(model):
    pm.sample(draws=5, tune=5, chains=1, cores=1, random_seed=1, init="adapt_full", nuts_sampler="pymc",
              initvals=point(DEFAULT_TRUTH), progressbar=False, quiet=True, compute_convergence_checks=False,
              model=model)


def _fork_with_a_thread(model):
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)  # the process is multi-threaded when PyMC forks
    t.start()
    try:
        pm.sample(draws=5, tune=5, chains=2, cores=2, random_seed=1, init="adapt_diag", nuts_sampler="pymc",
                  initvals=point(DEFAULT_TRUTH), progressbar=False, quiet=True, compute_convergence_checks=False,
                  model=model)
    finally:
        stop.set()


_COMPILED: dict = {}


def _fewer_draws_than_chains(model):
    import nutpie

    if id(model) not in _COMPILED:  # compile once for both calls of the test
        _COMPILED[id(model)] = nutpie.compile_pymc_model(model, initial_points=point(DEFAULT_TRUTH), jitter_rvs=set())
    nutpie.sample(_COMPILED[id(model)], draws=1, tune=5, chains=2, cores=1, seed=1, progress_bar=False)


def _kde_of_a_stuck_chain(model):
    import arviz as az
    import matplotlib.pyplot as plt
    from test_figures import posterior_with_a_stuck_chain

    pc = az.plot_trace_dist(posterior_with_a_stuck_chain(), var_names=["pi1", "mu", "sigma"], compact=False)
    plt.close(pc.get_viz("figure"))


TRIGGERS = {"full_adapt_experimental": _full_adapt, "fork_with_threads": _fork_with_a_thread,
            "chain_longer_than_draw": _fewer_draws_than_chains,
            "kde_single_value": _kde_of_a_stuck_chain}


def test_every_known_warning_has_a_trigger():
    assert set(TRIGGERS) == set(KNOWN)


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_warning_still_occurs_and_is_silenced(model, name):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        TRIGGERS[name](model)
    assert _caught(name, record), f"upstream no longer emits {KNOWN[name].message!r}: drop the filter"
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with silenced(name):
            TRIGGERS[name](model)
    assert not _caught(name, record), f"the filter for {name!r} no longer matches"
