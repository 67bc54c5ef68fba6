"""Priors: the text/TOML/JSON format of Priors.parse, provenance (from_data), the log density, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from emvb.models.errors import ParamError, SettingError
from emvb.models.priors import Priors, resolve_priors
from emvb.models.simulate import simulate

X = simulate(n=500, seed=3).values


def test_text_format_sets_every_field_and_nothing_comes_from_data():
    p = Priors.parse("pi1=beta:2,2; mu=normal:10,10; sigma=halfnormal:5", X)
    assert (p.pi1_alpha, p.pi1_beta, p.mu_mean, p.mu_sd, p.sigma_sd) == (2, 2, 10, 10, 5)
    assert p.from_data == () and p.source().startswith("fixed")
    assert Priors.parse("pi1=uniform\nmu=flat\nsigma=halfflat") == Priors.flat()
    # The text form round-trips the numbers exactly (17 significant digits).
    q = Priors.default_for(X)
    assert Priors.parse(q.to_text()) == Priors(q.pi1_alpha, q.pi1_beta, q.mu_mean, q.mu_sd, q.sigma_sd)


def test_missing_entries_are_computed_from_the_data_and_said_so():
    d = Priors.default_for(X)
    assert d.from_data == ("mu_mean", "mu_sd", "sigma_sd")
    assert d.mu_mean == pytest.approx(X.mean()) and d.mu_sd == pytest.approx(2 * X.std(ddof=1))
    p = Priors.parse("mu=normal:0,100", X)
    assert p.from_data == ("sigma_sd",) and p.sigma_sd == d.sigma_sd and p.mu_sd == 100
    assert "scale of sigma" in p.source() and "mean of mu" not in p.source()
    assert Priors.parse("default", X) == d and resolve_priors(None, X) == d
    with pytest.raises(SettingError, match="no entry for mu, sigma"):
        Priors.parse("pi1=beta:1,1")


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_files_hold_the_same_entries(tmp_path, suffix):
    path = tmp_path / f"p{suffix}"
    entries = {"pi1": "beta:3,3", "mu": "normal:1,2", "sigma": "halfnormal:4"}
    path.write_text("\n".join(f'{k} = "{v}"' for k, v in entries.items()) if suffix == ".toml" else json.dumps(entries))
    assert Priors.parse(path) == Priors(3, 3, 1, 2, 4)
    assert resolve_priors(str(path), X) == Priors(3, 3, 1, 2, 4)
    # summary.json's "priors" object is accepted too, provenance included.
    d = Priors.default_for(X)
    dumped = tmp_path / "summary_priors.json"
    dumped.write_text(json.dumps(d.to_dict()))
    assert Priors.parse(dumped) == d


@pytest.mark.parametrize("text, match", [
    ("pi1=beta:1,2;mu=flat;sigma=halfflat", "not symmetric"),
    ("mu=normal:0", "takes 2 number"),
    ("mu=cauchy:0,1", "cannot be 'cauchy'"),
    ("tau=normal:0,1", "unknown entry 'tau'"),
    ("mu=normal:0,x", "not a number"),
    ("mu=normal:0,-1;pi1=uniform;sigma=halfflat", "mu_sd must be > 0"),
    ("mu=flat;mu=flat", "given twice"),
    ("mu", "neither an entry"),
    ("nope.toml", "cannot read"),
])
def test_bad_specifications_are_one_line_errors(text, match):
    with pytest.raises((SettingError, ParamError), match=match) as e:
        Priors.parse(text, X)
    assert "\n" not in str(e.value)


def test_bad_file_content_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("pi1 = [")
    with pytest.raises(SettingError, match="not valid TOML") as e:
        Priors.parse(bad)
    assert "\n" not in str(e.value)


def test_logpdf_is_the_sum_of_the_four_scipy_densities():
    p = Priors(2.5, 2.5, 1.0, 3.0, 2.0)
    rng = np.random.default_rng(0)
    pi1, sigma = rng.uniform(0.01, 0.99, 20), rng.uniform(0.1, 5, 20)
    mu1, mu2 = rng.normal(0, 3, 20), rng.normal(0, 3, 20)
    expected = (stats.beta(2.5, 2.5).logpdf(pi1) + stats.norm(1, 3).logpdf(mu1) + stats.norm(1, 3).logpdf(mu2)
                + stats.halfnorm(scale=2).logpdf(sigma))
    np.testing.assert_allclose(p.logpdf(pi1, mu1, mu2, sigma), expected, rtol=1e-12)
    # Flat parts contribute nothing; outside the support the density is 0.
    assert Priors.flat().logpdf(0.3, -1e6, 1e6, 1e3) == 0.0
    assert p.logpdf(0.3, 0.0, 0.0, -1.0) == -math.inf


def test_to_dict_records_description_and_source():
    d = Priors.default_for(X).to_dict()
    assert d["from_data"] == ["mu_mean", "mu_sd", "sigma_sd"] and d["source"].startswith("computed from the data")
    assert Priors.from_dict(d) == Priors.default_for(X)


def test_command_line_refuses_bad_or_improper_priors_before_any_work(capsys, tmp_path):
    from emvb.cli.main import main
    from emvb.files.datafile import save_dataset

    data = save_dataset(simulate(n=300, seed=1), tmp_path / "d.csv")
    for cmd in (["run", "--data", data, "--out", tmp_path / "r"],
                ["sample", "--data", data, "--model", "ordered", "--out", tmp_path / "p.nc"]):
        for priors, match in (("mu=normal:0", "takes 2 number"), ("mu=flat;sigma=halfflat", "needs proper priors")):
            extra = ["--priors", priors] + (["--quiet"] if cmd[0] == "run" else [])
            assert main([str(a) for a in cmd + extra]) == 2
            err = capsys.readouterr().err
            assert match in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "r").exists() and not (tmp_path / "p.nc").exists()
