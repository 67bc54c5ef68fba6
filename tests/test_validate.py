"""`emvb validate`: verdicts and exit codes on the mission's data and the original bug-hunt estimate."""

import json

import numpy as np
import pytest
from conftest import run_cli_many

from emvb import em
from emvb.files.datafile import save_dataset
from emvb.geometry.validate import distance_to, mahalanobis, swap_cov, validate
from emvb.models.params import MixtureParams
from emvb.models.simulate import simulate

BUG_HUNT = "0.0705,0.0430,0.0407,0.1252"  # docs/methods.md §6: where the student's EM stopped


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("validate") / "default.csv"
    save_dataset(simulate(n=2000, seed=3), path)
    return path


@pytest.fixture(scope="module")
def mle(data_file):
    from emvb.files.datafile import load_data

    return em.fit(load_data(data_file).values)


def _json(cli, *args):
    """``emvb validate ARGS --json`` without the model checks' bootstrap (tests/test_adequacy_report.py
    covers those): exit status and the JSON object."""
    r = cli("validate", *args, "--n-boot", 0, "--json")
    assert r.stderr == "" or "Traceback" not in r.stderr
    return r.returncode, json.loads(r.stdout)


def test_our_mle_is_the_global_max_in_either_labelling(cli, data_file, mle):
    for p in (mle.params, mle.params.swapped()):
        est = ",".join(repr(v) for v in p.to_array().tolist())
        code, out = _json(cli, "--data", data_file, "--estimate", est)
        assert code == 0 and out["verdict"] == "global_max", out["reasons"]
        assert out["distance_to_mle_se"] < 1e-3 and out["em_step_se"] < 1e-3
        assert all(v < 0 for v in out["hessian_eigenvalues_scaled"])
        assert out["labelling"] == ("as_mle" if p is mle.params else "swapped")


def test_bug_hunt_estimate_is_not_a_max(cli, data_file):
    code, out = _json(cli, "--data", data_file, "--estimate", BUG_HUNT)
    assert code == 1 and out["verdict"] == "not_a_max"
    assert out["loglik_gap"] > 1e4                       # millions of log-likelihood units below the MLE
    assert out["distance_to_mle_se"] > 100               # hundreds of standard errors away
    assert max(out["hessian_eigenvalues_scaled"]) > 0    # not even a local maximum's curvature


def test_a_point_one_step_short_of_the_mle_is_not_a_max(data_file, mle):
    # Half a standard error off in mu1: close, but EM moves it and the gradient is far from zero.
    from emvb.files.datafile import load_data

    x = load_data(data_file).values
    p = mle.params
    off = MixtureParams(p.pi1, p.mu1 + 0.5 * mle.se.mu1, p.mu2, p.sigma)
    v = validate(x, off, best=mle)
    assert v.verdict == "not_a_max"
    # Mahalanobis distance of a 0.5 SE shift in one coordinate is 0.5 / sqrt(1 - R^2) >= 0.5.
    assert v.distance_se >= 0.5 - 1e-9
    assert v.em_step_se > 0.05


def test_swap_cov_matches_the_swapped_fit(mle):
    # The covariance of the swapped labelling is J cov J^T: same SEs with mu1 and mu2 exchanged.
    c = swap_cov(mle.cov)
    se = np.sqrt(np.diag(c))
    np.testing.assert_allclose(se, mle.se.to_array()[[0, 2, 1, 3]], rtol=1e-12)
    assert mahalanobis(mle.params, mle.params, mle.cov) == 0.0
    d, lab = distance_to(mle.params.swapped(), mle.params, mle.cov)
    assert d < 1e-6 and lab == "swapped"


BAD_ESTIMATES = [
    (["--estimate", "1.2,5,15,2"], "pi1 must be in (0, 1)"),
    (["--estimate", "0.3,5,15,0"], "sigma must be > 0"),
    (["--estimate", "0.3,5,15"], "expected 4"),
]


@pytest.fixture(scope="module")
def refusals(data_file):
    """The bad estimates, then a missing data file, one after the other in ONE fresh interpreter
    (conftest.run_cli_many: a new interpreter per refusal costs seconds apiece)."""
    argvs = [["validate", "--data", data_file, *args] for args, _ in BAD_ESTIMATES]
    argvs.append(["validate", "--data", data_file.parent / "nope.csv", "--estimate", BUG_HUNT])
    results = run_cli_many(argvs, silent=True)
    cases = {tuple(args): r for (args, _), r in zip(BAD_ESTIMATES, results[:-1], strict=True)}
    return cases | {"missing": results[-1]}


@pytest.mark.parametrize("args, message", BAD_ESTIMATES)
def test_bad_estimate_exit_2(refusals, args, message):
    r = refusals[tuple(args)]
    assert r["code"] == 2 and message in r["stderr"] and len(r["stderr"].strip().splitlines()) == 1


def test_missing_data_exit_2(refusals):
    r = refusals["missing"]
    assert r["code"] == 2 and "nope.csv: no such file" in r["stderr"] and "Traceback" not in r["stderr"]


def test_local_max_and_ridge_saddle_are_told_apart(cli, tmp_path):
    # Overlapping components (gap 1 sigma, n = 200, seed 1): the likelihood has a global maximum, a
    # separate local maximum, and EM starts that stop on the one-normal ridge mu1 ~ mu2 (a saddle).
    ds = simulate(MixtureParams(0.5, 0.0, 1.0, 1.0), 200, 1)
    fit = em.fit(ds.values)
    maxima = [o for o in fit.runs.optima if o.is_max]
    saddles = [o for o in fit.runs.optima if not o.is_max]
    assert len(maxima) == 2 and saddles, fit.runs.optima
    glob, local = maxima
    assert glob.loglik > local.loglik + 0.1
    path = save_dataset(ds, tmp_path / "overlap.csv")
    expected = [(glob, 0, "global_max"), (local, 1, "local_max"), (saddles[0], 1, "not_a_max")]
    for opt, code, verdict in expected:
        est = ",".join(repr(v) for v in opt.params.to_array().tolist())
        got_code, out = _json(cli, "--data", path, "--estimate", est)
        assert (got_code, out["verdict"]) == (code, verdict), out["reasons"]


def test_bayes_places_the_mle_centrally_and_the_bug_hunt_outside(data_file, mle):
    # Bernstein-von Mises (separated components, n = 2000): the MLE sits near the posterior's
    # centre, so each marginal quantile is far from 0 and 1 and many draws lie farther out.
    # Both commands in one fresh interpreter (conftest.run_cli_many): PyMC is imported once, not twice.
    est = ",".join(repr(v) for v in mle.params.to_array().tolist())
    runs = run_cli_many([["validate", "--data", data_file, "--estimate", e, "--bayes", "--seed", 1, "--n-boot", 0,
                          "--json"] for e in (est, BUG_HUNT)])
    assert all("Traceback" not in r["stderr"] for r in runs)
    (code, out), (bug_code, bug) = [(r["code"], json.loads(r["stdout"].strip().splitlines()[-1])) for r in runs]
    assert code == 0 and out["bayes"]["draws"] == 4000
    assert all(0.1 < q < 0.9 for q in out["bayes"]["quantiles"].values()), out["bayes"]
    assert out["bayes"]["tail_probability"] > 0.2 and out["bayes"]["mahalanobis"] < 2.0
    assert bug_code == 1 and bug["bayes"]["tail_probability"] == 0.0 and bug["bayes"]["mahalanobis"] > 100


def test_the_tests_that_fail_are_named(cli, tmp_path):
    # A ridge saddle is stationary but its curvature is not negative definite: the verdict says so.
    ds = simulate(MixtureParams(0.5, 0.0, 1.0, 1.0), 200, 1)
    fit = em.fit(ds.values)
    saddle = next(o for o in fit.runs.optima if not o.is_max)
    path = save_dataset(ds, tmp_path / "overlap.csv")
    code, out = _json(cli, "--data", path, "--estimate", ",".join(repr(v) for v in saddle.params.to_array().tolist()))
    assert code == 1 and out["verdict"] == "not_a_max"
    assert out["tests"]["stationary"] and not out["tests"]["negative_definite"]
    assert any("not negative definite" in r and "a saddle" in r for r in out["reasons"])


def test_a_rounded_mle_is_the_maximum_up_to_rounding_with_a_tolerance(cli, data_file, mle):
    """The MLE rounded to 3 significant figures is a fraction of an SE from the maximum: not the
    maximum at the default 0.05 SE, but the maximum up to rounding with --tolerance 0.5."""
    from emvb.files.datafile import load_data

    rounded = ",".join(f"{v:.3g}" for v in mle.params.to_array())
    d = validate(load_data(data_file), MixtureParams.parse(rounded), best=mle).stationarity_se
    assert 0.05 < d < 0.5  # the premise: rounding moved it more than the default tolerance, less than 0.5 SE
    code, out = _json(cli, "--data", data_file, "--estimate", rounded)
    assert (code, out["verdict"]) == (1, "not_a_max") and out["tolerance_se"] == 0.05
    assert not out["tests"]["stationary"] and out["tests"]["negative_definite"]
    assert any(r.startswith("not stationary") and "rounded" in r for r in out["reasons"])
    code, out = _json(cli, "--data", data_file, "--estimate", rounded, "--tolerance", "0.5")
    assert (code, out["verdict"]) == (0, "global_max") and all(out["tests"].values())
    assert out["stationarity_se"] == pytest.approx(d, rel=1e-6)


def test_an_outlier_s_own_component_is_checked_for_stationarity(cli, tmp_path):
    """Issue 12: 1e6 points and one at 1e12. The estimate 1e-6,1e12,3.5,2.29 was called global_max
    (gradient x SE 5.9e10); it is not stationary. The maximum itself, which EM now finds, is."""
    x = np.append(simulate(n=999_999, seed=1).values, 1e12)
    path = tmp_path / "outlier.npy"
    np.save(path, x)
    code, out = _json(cli, "--data", path, "--estimate", "1e-6,1e12,3.5,2.29")
    assert (code, out["verdict"]) == (1, "not_a_max")
    assert not out["tests"]["stationary"] and out["stationarity_se"] > 1e3
    best = em.fit(x)
    code, out = _json(cli, "--data", path, "--estimate", ",".join(repr(v) for v in best.params.to_array().tolist()))
    assert (code, out["verdict"]) == (0, "global_max"), out["reasons"]
    assert out["best_loglik"] == pytest.approx(best.loglik, rel=1e-12)
