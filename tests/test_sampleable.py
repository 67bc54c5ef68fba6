"""What cannot be sampled is refused before compiling, with one line (API and command line alike):
nutpie without warm-up, prior scales beyond :data:`models.scaling.PRIOR_STD_RANGE` interquartile ranges,
a Beta beyond :data:`models.priors.BETA_MAX`, and prior starts that round onto the boundary. The
bounds themselves sample."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_cli_many

from emvb.files.datafile import save_dataset
from emvb.models import DEFAULT_TRUTH, simulate
from emvb.models.errors import ParamError, SettingError
from emvb.models.priors import BETA_MAX, Priors
from emvb.models.scaling import PRIOR_STD_RANGE, Scaling

X = simulate(DEFAULT_TRUTH, 300, seed=5)


def _std_priors(sc: Scaling, a: float, m_s: float, s_s: float, t_s: float) -> Priors:
    """Priors whose standardised mean and scales are ``m_s``, ``s_s``, ``t_s`` for scaling ``sc``."""
    return Priors(a, a, sc.center + sc.scale * m_s, sc.scale * s_s, sc.scale * t_s)


def test_prior_scales_outside_the_range_are_refused_in_the_data_units():
    sc = Scaling.of(X.values)
    lo, hi = PRIOR_STD_RANGE
    with pytest.raises(ParamError, match=r"sd of the Normal prior on mu \(1e\+300\).*for a flat prior use mu=flat"):
        sc.check_priors(Priors.parse("mu=normal:1e300,1e300", X.values))
    with pytest.raises(ParamError, match="scale of the HalfNormal prior on sigma"):
        sc.check_priors(_std_priors(sc, 1.0, 0.0, 1.0, 0.5 * lo))
    with pytest.raises(ParamError, match="mean of the Normal prior on mu"):
        sc.check_priors(_std_priors(sc, 1.0, 2.0 * hi, 1.0, 1.0))
    sc.check_priors(_std_priors(sc, 1.0, -0.999 * hi, 0.999 * hi, 1.001 * lo))  # the corners are accepted
    with pytest.raises(ParamError, match="at most 1e\\+30"):
        Priors(10 * BETA_MAX, 10 * BETA_MAX)


def test_a_prior_start_on_the_boundary_is_refused():
    rng = np.random.default_rng(1)
    with pytest.raises(ParamError, match=r"boundary of the parameter space.*pi1 = 1"):
        for _ in range(20):  # Beta(1e-3, 1e-3) puts pi1 within 1e-16 of 0 or 1 with probability ~0.98
            Priors(1e-3, 1e-3, 0.0, 1.0, 1.0).draw(rng, ordered=False)
    with pytest.raises(ParamError, match="mu1 = mu2"):  # an sd far below the float64 spacing at the mean
        Priors(1.0, 1.0, 1e10, 1e-10, 1.0).draw(rng, ordered=True)


def test_the_model_refuses_before_compiling_and_the_bounds_sample():
    from emvb.models.pymc_model import build_model
    from emvb.sampling.sample import sample

    with pytest.raises(ParamError, match="interquartile ranges"):
        build_model(X, priors=Priors.parse("mu=normal:1e300,1e300", X.values), ordered=True)
    model = build_model(X, ordered=True)
    with pytest.raises(SettingError, match="nutpie needs at least 1 warm-up step"):
        sample(model, chains=1, draws=5, tune=0, seed=1)
    assert model.compiled == {}  # refused before compiling
    lo, hi = PRIOR_STD_RANGE
    em_start = X.truth
    for corner in ((BETA_MAX, 0.0, hi, hi), (1.0, hi, hi, lo), (1.0, -hi, 1e-10 * hi, hi)):
        dt = sample(model.rebind(X, priors=_std_priors(model.scaling, *corner)), chains=1, draws=10, tune=10,
                    seed=2, init="em", start=em_start)
        assert np.isfinite(dt["posterior"]["sigma"].values).all() and dt["posterior"]["sigma"].size == 10


def test_the_command_line_refuses_them_in_one_line(tmp_path):
    data = save_dataset(X, tmp_path / "d.csv")
    base = ["sample", "--data", data, "--model", "ordered", "--out", tmp_path / "p.nc"]
    results = run_cli_many([base + ["--tune", "0"], base + ["--priors", "mu=normal:1e300,1e300"],
                            base + ["--priors", "pi1=beta:1e300,1e300"]])
    for r, needle in zip(results, ("nutpie needs at least 1 warm-up step", "interquartile ranges", "at most 1e+30"),
                         strict=True):
        assert r["code"] == 2 and needle in r["stderr"] and len(r["stderr"].strip().splitlines()) == 1, r
    assert not (tmp_path / "p.nc").exists()
