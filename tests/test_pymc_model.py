"""The PyMC model is the model of models.density: log densities checked point by point.

Prior log densities are computed independently with scipy.stats; the transforms are applied by
hand (logit, log, and the centre-gap map ``[pi1 mu1 + (1 - pi1) mu2, log(mu2 - mu1)]`` of
docs/methods.md §7.4, without the log for the unordered model) and the Jacobians left out
(``compile_logp(jacobian=False)``), so the model's density of ``(pi1, mu1, mu2, sigma)`` itself is
compared. The graph is that of the standardised data (models/scaling.py): points are mapped to it
and its density back to the data's units by the change of variables, ``- (n + 3) log k``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from emvb import models
from emvb.models import MixtureParams
from emvb.models.errors import ParamError, SettingError

pm = pytest.importorskip("pymc")
from emvb.models.names import COMPONENTS  # noqa: E402
from emvb.models.priors import Priors  # noqa: E402
from emvb.models.pymc_likelihood import closed_form_mixture_dist  # noqa: E402
from emvb.models.pymc_model import build_model  # noqa: E402
from emvb.models.scaling import Scaling  # noqa: E402

N = 500
# Float64 sums of N terms of size ~|logp| (about 3e3 here): rounding leaves ~1e-12 relative.
RTOL = 1e-10


@pytest.fixture(scope="module")
def data():
    return models.simulate(models.DEFAULT_TRUTH, N, seed=11)


def random_points(rng, k, x):
    """Random parameter points on the data's scale, both labellings, some extreme weights."""
    lo, hi, sd = x.min(), x.max(), x.std()
    out = []
    for _ in range(k):
        pi1 = rng.choice([rng.uniform(0.02, 0.98), rng.uniform(1e-4, 1e-2)])
        mu1, mu2 = rng.uniform(lo, hi, size=2)
        out.append(MixtureParams(pi1, mu1, mu2, rng.uniform(0.2, 1.5) * sd))
    return out


def value_point(model, p: MixtureParams, ordered: bool, parametrisation: str = "centre_gap") -> dict:
    """The model's value variables at ``p``, transformed by hand (docs/methods.md §7.4)."""
    pt = {"pi1_logodds__": np.log(p.pi1) - np.log1p(-p.pi1), "sigma_log__": np.log(p.sigma)}
    gap = p.mu2 - p.mu1
    if ordered:
        assert p.mu1 < p.mu2
    if parametrisation == "plain":
        pt["mu_ordered__" if ordered else "mu"] = (np.array([p.mu1, np.log(gap)]) if ordered
                                                   else np.array([p.mu1, p.mu2]))
    else:
        pt["mu_centre_gap__"] = np.array([p.pi1 * p.mu1 + (1 - p.pi1) * p.mu2, np.log(gap) if ordered else gap])
    assert set(pt) == {v.name for v in model.value_vars}
    return pt


def prior_logpdf(pri: Priors, p: MixtureParams) -> float:
    """log p(pi1) + log p(mu1) + log p(mu2) + log p(sigma) by scipy (0 for the flat parts)."""
    lp = stats.beta.logpdf(p.pi1, pri.pi1_alpha, pri.pi1_beta)
    if pri.mu_sd is not None:
        lp += stats.norm.logpdf([p.mu1, p.mu2], pri.mu_mean, pri.mu_sd).sum()
    if pri.sigma_sd is not None:
        lp += stats.halfnorm.logpdf(p.sigma, scale=pri.sigma_sd)
    return float(lp)


@pytest.mark.parametrize("likelihood", ["closed", "mixture"])
@pytest.mark.parametrize("ordered", [False, True])
@pytest.mark.parametrize("priors", ["default", "flat"])
def test_model_logp_is_loglik_plus_priors(data, likelihood, ordered, priors):
    built = build_model(data, priors=priors, ordered=ordered, likelihood=likelihood)
    model, pri, sc = built.pymc, built.spec.priors, built.scaling
    logp = model.compile_logp(jacobian=False)
    rng = np.random.default_rng(1)
    n_scaled = 0 if priors == "flat" else 3  # Normal on mu1, mu2 and HalfNormal on sigma carry 1/k each
    for p in random_points(rng, 6, data.values):
        p = p.ordered() if ordered else p
        expected = models.loglik(data.values, p) + prior_logpdf(pri, p)
        # The ordered model's prior is the iid prior restricted to mu1 < mu2, not renormalised (no log 2).
        got = logp(value_point(model, sc.params_to_std(p), ordered))
        assert got - (N + n_scaled) * np.log(sc.scale) == pytest.approx(expected, rel=RTOL)
        assert built.logp_in_data_units(got) == pytest.approx(expected, rel=RTOL)


def test_closed_form_and_normal_mixture_agree_point_by_point(data):
    """Per-point log densities of both likelihoods and of models.logpdf agree to 1e-9 absolute.

    The closed form's rounding error per point is ~1e-16 (mu1 - mu2)^2 / sigma^2 (module note of
    models.pymc_likelihood); the extreme points here have (mu1 - mu2)/sigma up to ~100, i.e. 1e-12.
    """
    x = data.values
    fns = {}
    for lik in ("closed", "mixture"):
        built = build_model(data, priors="default", ordered=False, likelihood=lik)
        m, sc = built.pymc, built.scaling
        fns[lik] = (m, m.compile_fn(m.logp(vars=[m["x"]], sum=False)[0], on_unused_input="ignore"))
    xs = sc.standardize(x)
    rng = np.random.default_rng(2)
    pts = random_points(rng, 8, x) + [MixtureParams(0.5, x.min() - 50, x.max() + 50, 1.0),
                                      MixtureParams(1e-6, 5.0, 15.0, 0.3)]
    for p in map(sc.params_to_std, pts):
        ref = models.logpdf(xs, p)
        got = {lik: np.asarray(f(value_point(m, p, False))) for lik, (m, f) in fns.items()}
        np.testing.assert_allclose(got["closed"], got["mixture"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(got["closed"], ref, rtol=0, atol=1e-9)


def test_default_priors_are_symmetric_in_the_labels(data):
    """Unordered model: log p(theta | x) = log p(swap(theta) | x), so label switching is honest."""
    model = build_model(data, ordered=False).pymc
    logp = model.compile_logp(jacobian=True)
    for p in random_points(np.random.default_rng(3), 4, data.values):
        a, b = logp(value_point(model, p, False)), logp(value_point(model, p.swapped(), False))
        assert a == pytest.approx(b, rel=1e-12)


def test_build_model_variables_coords_and_spec(data):
    built = build_model(data.values, ordered=True)
    model = built.pymc
    assert [v.name for v in model.free_RVs] == ["pi1", "mu", "sigma"]
    assert list(model.coords["component"]) == COMPONENTS == [1, 2]
    assert [v.name for v in model.observed_RVs] == ["x"]
    spec = built.spec
    assert spec.sha256 == data.sha256 and spec.n == N and spec.variant == "ordered"
    np.testing.assert_array_equal(built.observed, data.values)
    assert spec.scaling == Scaling.of(data.values) and "standardisation" in spec.attrs()
    assert spec.priors == Priors.default_for(data.values) and spec.likelihood == "closed"
    attrs = spec.attrs()
    assert all(isinstance(v, str | int) for v in attrs.values())  # netCDF-safe
    with pytest.raises(SettingError, match="likelihood"):
        build_model(data, ordered=True, likelihood="nope")
    with pytest.raises(SettingError, match="priors"):
        build_model(data, ordered=True, priors="wide")


def test_priors_default_flat_and_validation():
    x = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 11.0, 12.0, 13.0, 14.0, 20.0])
    d = Priors.default_for(x)
    assert d.mu_mean == pytest.approx(x.mean()) and d.mu_sd == pytest.approx(2 * x.std(ddof=1))
    assert d.sigma_sd == d.mu_sd and (d.pi1_alpha, d.pi1_beta) == (1.0, 1.0)
    assert d.proper and not d.is_flat
    f = Priors.flat()
    assert f.is_flat and not f.proper
    assert f.describe() == "pi1 ~ Beta(1, 1) = Uniform(0, 1); mu1, mu2 ~ Flat; sigma ~ HalfFlat"
    assert "\n" not in d.describe() and "Normal(" in d.describe()
    for p in (d, f):
        assert Priors.from_dict(p.to_dict()) == p
    with pytest.raises(ParamError, match="symmetric"):
        Priors(2.0, 3.0, 0.0, 1.0, 1.0)
    with pytest.raises(ParamError, match="mu_sd"):
        Priors(1.0, 1.0, 0.0, -1.0, 1.0)
    with pytest.raises(ParamError, match="finite"):
        Priors(1.0, 1.0, float("nan"), 1.0, 1.0)
    with pytest.raises(ParamError, match="improper"):
        f.draw(np.random.default_rng(0), ordered=True)


def test_prior_draws_sorted_for_ordered_model():
    pri = Priors(2.0, 2.0, 0.0, 1.0, 1.0)
    rng = np.random.default_rng(4)
    draws = [pri.draw(rng, ordered=True) for _ in range(200)]
    assert all(d["mu"][0] <= d["mu"][1] and 0 < d["pi1"] < 1 and d["sigma"] > 0 for d in draws)
    # Unordered draws: mu1 < mu2 about half the time (binomial(200, 1/2): 5 sd = 35).
    unordered = [pri.draw(rng, ordered=False) for _ in range(200)]
    assert abs(sum(d["mu"][0] < d["mu"][1] for d in unordered) - 100) < 35


def test_closed_form_draws_follow_the_mixture():
    """Draws of the CustomDist: mean, variance and mass below the midpoint match the mixture.

    Each is compared with its exact value within 5 standard errors of the estimate.
    """
    p = MixtureParams(0.3, 5.0, 15.0, 2.0)
    n = 40_000
    x = pm.draw(closed_form_mixture_dist(p.pi1, p.mu1, p.mu2, p.sigma, size=n), random_seed=5)
    assert x.shape == (n,)
    mean = p.pi1 * p.mu1 + (1 - p.pi1) * p.mu2
    var = p.sigma**2 + p.pi1 * (1 - p.pi1) * (p.mu1 - p.mu2) ** 2
    assert abs(x.mean() - mean) < 5 * np.sqrt(var / n)
    # Var of the sample variance: (m4 - var^2)/n, m4 the 4th central moment (computed by quadrature).
    grid = np.linspace(mean - 12 * np.sqrt(var), mean + 12 * np.sqrt(var), 200_001)
    m4 = np.trapezoid((grid - mean) ** 4 * models.pdf(grid, p), grid)
    assert abs(x.var() - var) < 5 * np.sqrt((m4 - var**2) / n)
    mid = 0.5 * (p.mu1 + p.mu2)
    q = p.pi1 * stats.norm.cdf(mid, p.mu1, p.sigma) + (1 - p.pi1) * stats.norm.cdf(mid, p.mu2, p.sigma)
    assert abs((x < mid).mean() - q) < 5 * np.sqrt(q * (1 - q) / n)


def test_prior_predictive_runs_through_the_custom_dist(data):
    model = build_model(data, ordered=True)
    with model.pymc:
        dt = pm.sample_prior_predictive(draws=50, random_seed=6)
    y = dt["prior_predictive"]["x"].values
    assert y.shape == (1, 50, N) and np.isfinite(y).all()
    # Each prior-predictive data set is a mixture of its own prior draw's components: its mean is
    # pi1 mu1 + (1 - pi1) mu2 up to sd/sqrt(N) (with sd^2 = sigma^2 + pi1(1-pi1)(mu1-mu2)^2).
    pr = dt["prior"]
    pi1, mu, sg = pr["pi1"].values[0], pr["mu"].values[0], pr["sigma"].values[0]
    mean = pi1 * mu[:, 0] + (1 - pi1) * mu[:, 1]
    sd = np.sqrt(sg**2 + pi1 * (1 - pi1) * (mu[:, 0] - mu[:, 1]) ** 2)
    z = (y[0].mean(axis=1) - mean) / (sd / np.sqrt(N))
    assert np.all(np.abs(z) < 5)


def test_closed_likelihood_uses_its_own_logp_not_the_inferred_one(data):
    """The CustomDist's graph gives draws only: its logp is the log1p(exp) form, not a logsumexp.

    The closed form is one op (models.pymc_fused.ClosedFormLogp) whose inner graph holds it: the
    traversal descends into inner graphs."""
    from pytensor.graph.traversal import ancestors

    def ops_of(outputs):
        ops = [v.owner.op for v in ancestors(outputs) if v.owner]
        return ops + [o for op in ops if hasattr(op, "fgraph") for o in ops_of(op.fgraph.outputs)]

    def op_names(lik):
        m = build_model(data, ordered=False, likelihood=lik).pymc
        return {type(getattr(op, "scalar_op", op)).__name__ for op in ops_of([m.logp(vars=[m["x"]])])}

    closed, mixture = op_names("closed"), op_names("mixture")
    assert "Log1p" in closed and "LogSumExp" not in closed
    assert "LogSumExp" in mixture
