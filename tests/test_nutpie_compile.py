"""emvb's nutpie compile (sampling/nutpie_compile.py) against nutpie's public one: the same log density,
gradient and expanded draws bit for bit, after a data swap too, the same draws; and its safety net."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

nutpie = pytest.importorskip("nutpie")

from emvb.models import MixtureParams, simulate  # noqa: E402
from emvb.models.pymc_model import build_model  # noqa: E402
from emvb.sampling import nutpie_compile, nutpie_starts  # noqa: E402
from emvb.sampling.starts import point  # noqa: E402

TRUTH = MixtureParams(0.35, 0.0, 3.0, 1.0)
_PTR = ctypes.POINTER(ctypes.c_double)


def _logp(cm, x):
    """``cm``'s compiled log density wrapper called as nutpie's sampler calls it: (code, logp, gradient)."""
    grad, value = np.empty(cm.n_dim), np.empty(1)
    code = cm.compiled_logp_func.ctypes(cm.n_dim, x.ctypes.data_as(_PTR), grad.ctypes.data_as(_PTR),
                                        value.ctypes.data_as(_PTR), ctypes.c_void_p(cm.user_data.ctypes.data))
    return code, value[0], grad


def _expand(cm, x):
    out = np.empty(cm.n_expanded)
    code = cm.compiled_expand_func.ctypes(cm.n_dim, cm.n_expanded, x.ctypes.data_as(_PTR), out.ctypes.data_as(_PTR),
                                          ctypes.c_void_p(cm.user_data.ctypes.data))
    return code, out


@pytest.mark.parametrize("ordered", [False, True])
def test_the_same_compiled_model_as_nutpies_public_compile(ordered, monkeypatch):
    data, other = simulate(TRUTH, 200, seed=3), simulate(TRUTH, 350, seed=4)
    mm = build_model(data, ordered=ordered)
    start = point(TRUTH)
    ours = nutpie_compile.compile_model(mm.pymc, start)
    assert ours is not None
    # nutpie's public compile, reached the way emvb falls back to it (with its warning)
    monkeypatch.setattr(nutpie_starts, "compile_model", lambda model, start: None)
    with pytest.warns(nutpie_starts.NutpieFallbackWarning, match="public call"):
        theirs = nutpie_starts._compile(mm.pymc, start)
    np.testing.assert_array_equal(ours.initial_point_func(0), theirs.initial_point_func(0))
    rng = np.random.default_rng(1)
    swapped = mm.rebind(other)
    for a, b in [(ours, theirs), (ours.with_data(**swapped.values), theirs.with_data(**swapped.values))]:
        for _ in range(5):
            x = np.ascontiguousarray(ours.initial_point_func(0) + rng.normal(0.0, 0.5, ours.n_dim))
            (code_a, value_a, grad_a), (code_b, value_b, grad_b) = _logp(a, x), _logp(b, x)
            assert code_a == code_b == 0 and value_a == value_b
            np.testing.assert_array_equal(grad_a, grad_b)
            (ce_a, out_a), (ce_b, out_b) = _expand(a, x), _expand(b, x)
            assert ce_a == ce_b == 0
            np.testing.assert_array_equal(out_a, out_b)
    # the data swap reached the compiled code: the log density moved with the data
    x = np.ascontiguousarray(ours.initial_point_func(0))
    assert _logp(ours, x)[1] != _logp(ours.with_data(**swapped.values), x)[1]
    kw = dict(chains=2, draws=40, tune=40, seed=7, progress_bar=False)
    da, db = nutpie.sample(ours, **kw), nutpie.sample(theirs, **kw)
    for v in ("pi1", "mu", "sigma"):
        np.testing.assert_array_equal(da.posterior[v].values, db.posterior[v].values)


def test_the_run_time_check_refuses_a_differing_wrapper():
    """The check compares the wrappers' values with PyTensor's exactly: one ulp off is a refusal."""
    mm = build_model(simulate(TRUTH, 200, seed=3), ordered=True)
    cm = nutpie_compile.compile_model(mm.pymc, point(TRUTH))
    x = cm.initial_point_func(0)
    logp_pt, expand_pt = cm.logp_func, cm.expand_func
    assert nutpie_compile._checked(cm, logp_pt, expand_pt, x)

    def off_by_an_ulp(y):
        value, grad = logp_pt(y)
        return np.nextafter(value, np.inf), grad

    assert not nutpie_compile._checked(cm, off_by_an_ulp, expand_pt, x)
