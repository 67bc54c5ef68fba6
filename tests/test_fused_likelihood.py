"""The fused log-likelihood + gradient (models/fused_pass.py, models/pymc_fused.py) is the model's likelihood.

Checked against :func:`models.loglik` (value), a central finite difference and PyTensor's symbolic
gradient of the closed form (gradient), on separated, overlapping and extreme-parameter data; the
parameter checks give -inf outside the parameter space; nutpie's compiled logp uses the fused op and
equals the readable closed form; the models sample with nutpie and their pointwise log-likelihood is
the closed form's.
"""

from __future__ import annotations

import numpy as np
import pytest

from emvb import models
from emvb.models import MixtureParams
from emvb.models.fused_pass import value_and_gradient

pm = pytest.importorskip("pymc")
import pytensor  # noqa: E402
import pytensor.tensor as pt  # noqa: E402
from pytensor.graph import rewrite_graph  # noqa: E402

from emvb.models.pymc_fused import ClosedFormLogp, MixtureLogpSum  # noqa: E402
from emvb.models.pymc_likelihood import closed_form_logp, fusable_logp  # noqa: E402
from emvb.models.pymc_model import build_model  # noqa: E402

EPS = np.finfo(float).eps
N = 2000

#: (name, data-generating truth, parameter points to evaluate at): separated and overlapping
#: components, then extreme parameters (a weight of 1e-6 and 1 - 1e-9, components 400 sigma apart,
#: sigma 1e-3 of the data's spread).
CASES = [
    ("separated", MixtureParams(0.3, 5.0, 15.0, 2.0),
     [MixtureParams(0.3, 5.0, 15.0, 2.0), MixtureParams(0.6, 14.0, 4.0, 3.5)]),
    ("overlapping", MixtureParams(0.4, 0.0, 1.0, 1.0),
     [MixtureParams(0.4, 0.0, 1.0, 1.0), MixtureParams(0.45, 0.5, 0.5, 0.9)]),
    ("extreme", MixtureParams(0.3, 5.0, 15.0, 2.0),
     [MixtureParams(1e-6, 5.0, 15.0, 2.0), MixtureParams(1 - 1e-9, 10.0, 10.5, 3.0),
      MixtureParams(0.5, -800.0, 800.0, 4.0), MixtureParams(0.3, 5.0, 15.0, 0.005)]),
]
POINTS = [(name, truth, p) for name, truth, ps in CASES for p in ps]


def _ids():
    return [f"{name}-{i}" for name, _, ps in CASES for i in range(len(ps))]


def data_of(truth: MixtureParams) -> np.ndarray:
    return models.simulate(truth, N, seed=7).values


def gradient_scale(x: np.ndarray, p: MixtureParams) -> np.ndarray:
    """Sum over the points of a bound on each per-point partial derivative's size (order pi1, mu1, mu2,
    sigma): rounding in a sum of N terms is below (N + 4) eps times this."""
    d1, d2, s2 = np.abs(x - p.mu1), np.abs(x - p.mu2), p.sigma**2
    return np.array([N * (1 / p.pi1 + 1 / (1 - p.pi1)), np.sum(d1) / s2, np.sum(d2) / s2,
                     N / p.sigma + np.sum(np.maximum(d1, d2) ** 2) / (s2 * p.sigma)])


@pytest.fixture(scope="module")
def closed_form_fn():
    """``(x, pi1, mu1, mu2, sigma) -> (L, dL/dtheta)`` by PyTensor's graph of the closed form (no fusion)."""
    xv, *theta = pt.dvector("x"), *(pt.dscalar(n) for n in ("pi1", "mu1", "mu2", "sigma"))
    total = pt.sum(closed_form_logp(xv, *theta))
    return pytensor.function([xv, *theta], [total, *pt.grad(total, theta)], mode="FAST_COMPILE")


@pytest.mark.parametrize(("name", "truth", "p"), POINTS, ids=_ids())
def test_fused_logp_is_loglik(name, truth, p):
    """The fused pass's L equals models.loglik to 1e-9 relative (its rounding is ~1e-13 here)."""
    x = data_of(truth)
    got = value_and_gradient(x, *p.to_array())[0]
    assert got == pytest.approx(models.loglik(x, p), rel=1e-9)


@pytest.mark.parametrize(("name", "truth", "p"), POINTS, ids=_ids())
def test_fused_gradient_is_the_closed_forms(name, truth, p, closed_form_fn):
    """Gradient and value equal PyTensor's symbolic ones of the closed form, within the rounding of
    sums of N terms: (N + 4) eps times the summed sizes of the per-point terms, twice (two sums)."""
    x = data_of(truth)
    got = np.array(value_and_gradient(x, *p.to_array()))
    want = [float(v) for v in closed_form_fn(x, *p.to_array())]
    assert got[0] == pytest.approx(want[0], rel=1e-9)
    tol = 2 * (N + 4) * EPS * gradient_scale(x, p)
    np.testing.assert_array_less(np.abs(got[1:] - np.array(want[1:])), tol)


#: Central differences on the non-extreme points, one extreme one, and eta = 0 at every point (equal
#: means, equal weights), where the closed form's symbolic gradient takes max(eta, 0)' = 1 (a null
#: set, models/pymc_likelihood.py) and the fused pass gives the true derivative, 0 in pi1.
FD_POINTS = [*POINTS[:4], POINTS[4], ("eta0", CASES[1][1], MixtureParams(0.5, 0.5, 0.5, 0.9))]


@pytest.mark.parametrize(("name", "truth", "p"), FD_POINTS,
                         ids=["separated-0", "separated-1", "overlapping-0", "overlapping-1", "extreme-0", "eta0"])
def test_fused_gradient_is_a_central_difference(name, truth, p):
    """Each partial derivative equals the central difference D(h) = (L(t + h) - L(t - h)) / 2h. Its error
    is the truncation h^2 L'''/6, estimated by the difference from the step 2h (Richardson: D(2h) - D(h)
    is 3x the truncation of D(h)), plus rounding: each L is a sum of N terms, off by at most
    (N + 2) eps |L|, so D(h) by (N + 2) eps |L| / h and D(2h) by half that (the bound used is 2x)."""
    x = data_of(truth)
    theta = p.to_array()
    val, *grad = value_and_gradient(x, *theta)
    for j in range(4):
        h = 1e-4 * (min(theta[0], 1 - theta[0]) if j == 0 else theta[3])

        def diff(step, j=j):
            up, down = theta.copy(), theta.copy()
            up[j] += step
            down[j] -= step
            return (value_and_gradient(x, *up)[0] - value_and_gradient(x, *down)[0]) / (2 * step)

        d1, d2 = diff(h), diff(2 * h)
        tol = abs(d2 - d1) + 2 * (N + 2) * EPS * abs(val) / h
        assert abs(grad[j] - d1) <= tol, (j, grad[j], d1, tol)


def test_outside_the_parameter_space_is_minus_inf_in_both_forms():
    """PyMC's check, compiled into a model's logp: -inf for pi1 <= 0, pi1 >= 1, sigma <= 0; the fused
    graph (after the rewrite) and the written-out closed form agree inside and outside."""
    x = data_of(CASES[0][1])
    xv, *theta = pt.dvector("x"), *(pt.dscalar(n) for n in ("pi1", "mu1", "mu2", "sigma"))
    fused = rewrite_graph(pt.sum(fusable_logp(xv, *theta)), include=["canonicalize"])
    assert any(isinstance(v.owner.op, MixtureLogpSum) for v in pytensor.graph.traversal.ancestors([fused])
               if v.owner)
    plain = pt.sum(closed_form_logp(xv, *theta))
    f = pm.pytensorf.compile([xv, *theta], [fused, plain], mode="NUMBA")
    for pi1, sigma in ((0.0, 2.0), (1.0, 2.0), (-0.2, 2.0), (1.3, 2.0), (0.3, 0.0), (0.3, -1.0)):
        assert [float(v) for v in f(x, pi1, 5.0, 15.0, sigma)] == [-np.inf, -np.inf]
    a, b = f(x, 0.3, 5.0, 15.0, 2.0)
    assert float(a) == pytest.approx(float(b), rel=1e-12) and np.isfinite(float(a))


@pytest.fixture(scope="module")
def small_data():
    return models.simulate(models.DEFAULT_TRUTH, 300, seed=3)


@pytest.mark.parametrize("ordered", [False, True])
def test_nutpie_logp_is_the_fused_op_and_the_closed_form(small_data, ordered):
    """nutpie's compiled logp + gradient contains MixtureLogpSum (and no ClosedFormLogp) and equals the
    same model's with ``pm.NormalMixture`` (PyTensor's own gradient of a logsumexp) at random points of
    the unconstrained space, to the rounding of sums of N terms."""
    nutpie = pytest.importorskip("nutpie")
    cm = nutpie.compile_pymc_model(build_model(small_data, ordered=ordered).pymc)
    ops = {type(n.op) for n in cm.logp_func.maker.fgraph.toposort()}
    assert MixtureLogpSum in ops and ClosedFormLogp not in ops
    ref = build_model(small_data, ordered=ordered, likelihood="mixture").pymc
    ref_logp = ref.logp()
    ref_fn = ref.compile_fn([ref_logp, *pt.grad(ref_logp, ref.value_vars)], point_fn=True)
    rng = np.random.default_rng(4)
    for _ in range(3):
        # nutpie's flat vector: the value variables in the model's order (logit pi1, centre and gap, log sigma)
        point = {v.name: rng.normal(0.0, 0.5, size=v.type.shape) for v in ref.value_vars}
        lp, grad = cm.logp_func(np.concatenate([np.ravel(point[v.name]) for v in ref.value_vars]))
        want = ref_fn(point)
        want_grad = np.concatenate([np.ravel(g) for g in want[1:]])
        assert float(lp) == pytest.approx(float(want[0]), rel=1e-11)
        np.testing.assert_allclose(grad, want_grad, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("ordered", [False, True])
def test_models_sample_with_nutpie_and_give_the_closed_forms_log_likelihood(small_data, ordered):
    """A few nutpie draws of each model (finite, ordered means where asked); the pointwise
    log-likelihood (the unsummed logp of the observed variable, what ``pm.compute_log_likelihood``
    evaluates) at draws is models.logpdf."""
    from emvb.sampling.sample import sample

    built = build_model(small_data, ordered=ordered)
    dt = sample(built, chains=2, draws=20, tune=30, seed=5, sampler="nutpie", init="em",
                start=MixtureParams(0.3, 5.0, 15.0, 2.0))
    post = dt["posterior"]
    assert post["mu"].shape == (2, 20, 2) and np.isfinite(post["mu"].values).all()
    if ordered:
        assert (post["mu"].values[..., 0] < post["mu"].values[..., 1]).all()
    # Pointwise log-likelihood on the model's (standardised) scale, at two draws mapped to it.
    sc = built.scaling
    m = built.pymc
    ll = m.compile_fn(m.logp(vars=[m["x"]], sum=False)[0], inputs=m.value_vars, point_fn=False,
                      on_unused_input="ignore")
    xs = sc.standardize(small_data.values)
    for c, d in ((0, 0), (1, 19)):
        p = sc.params_to_std(MixtureParams(float(post["pi1"][c, d]), *map(float, post["mu"][c, d]),
                                           float(post["sigma"][c, d])))
        pts = {"pi1_logodds__": np.log(p.pi1 / (1 - p.pi1)), "sigma_log__": np.log(p.sigma),
               "mu_centre_gap__": np.array([p.pi1 * p.mu1 + (1 - p.pi1) * p.mu2,
                                            np.log(p.mu2 - p.mu1) if ordered else p.mu2 - p.mu1])}
        got = ll(*[pts[v.name] for v in m.value_vars])
        np.testing.assert_allclose(got, models.logpdf(xs, p), rtol=0, atol=1e-9)
