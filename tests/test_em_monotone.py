"""The log-likelihood never decreases along EM (Dempster, Laird & Rubin 1977), for any data and start."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from emvb import em
from emvb.em.coords import start_u
from emvb.em.iterate import run_em
from emvb.em.kernel import sums_numba, sums_numpy
from emvb.models import MixtureParams, loglik
from emvb.models.errors import ParamError
from emvb.models.scaling import Scaling
from emvb.models.simulate import draw

params = st.builds(
    MixtureParams,
    pi1=st.floats(0.02, 0.98),
    mu1=st.floats(-1e3, 1e3),
    mu2=st.floats(-1e3, 1e3),
    sigma=st.floats(1e-3, 1e2),
)


@settings(max_examples=60, deadline=None)
@given(truth=params, start=params, n=st.integers(20, 400), seed=st.integers(0, 2**32 - 1),
       accelerate=st.booleans(), engine=st.sampled_from([sums_numba, sums_numpy]))
def test_loglik_never_decreases(truth, start, n, seed, accelerate, engine):
    x, _ = draw(truth, n, np.random.default_rng(seed))
    sc = Scaling.of(x)
    xs = sc.standardize(x)
    path = run_em(xs, start_u(sc, start), tol=0.0, max_iter=60, accelerate=accelerate, sums=engine)
    trace = path.trace_loglik_std
    assert np.all(np.isfinite(trace))
    # docs/methods.md §1: diff(loglik) >= -1e-10 |loglik| (rounding only)
    assert np.all(np.diff(trace) >= -1e-10 * np.abs(trace[1:]))


@settings(max_examples=30, deadline=None)
@given(truth=params, start=params, n=st.integers(20, 300), seed=st.integers(0, 2**32 - 1))
def test_reference_em_map_never_decreases_loglik(truth, start, n, seed):
    """The same property for the plain numpy steps on the original scale (via models.loglik)."""
    x, _ = draw(truth, n, np.random.default_rng(seed))
    p = start
    prev = loglik(x, p)
    for _ in range(15):
        try:
            p = em.em_map(x, p)
        except ParamError:  # a start so far off that one component got no weight at all
            break
        cur = loglik(x, p)
        assert cur >= prev - 1e-10 * abs(cur)
        prev = cur
