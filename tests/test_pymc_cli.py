"""``emvb sample``: bad arguments are one line and exit 2; a run writes a netCDF DataTree."""

from __future__ import annotations

import pytest
from conftest import run_cli_many

from emvb.files.datafile import load_data, save_dataset
from emvb.models import DEFAULT_TRUTH, simulate


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "data.csv"
    save_dataset(simulate(DEFAULT_TRUTH, 600, seed=31), path)
    return path


BAD_ARGUMENTS = [
    (["--chains", "0"], "--chains: must be >= 1"),
    (["--sampler", "metropolis"], "invalid choice: 'metropolis'"),
    (["--model", "sorted"], "invalid choice: 'sorted'"),
    (["--init", "advi"], "invalid choice: 'advi'"),
    (["--tune", "-3"], "--tune: must be >= 0"),
    (["--mass-matrix", "full"], "invalid choice: 'full'"),
]


@pytest.fixture(scope="module")
def refusals(data_file, tmp_path_factory):
    """Every refusal of this module run one after the other in ONE fresh interpreter (conftest.run_cli_many:
    a new interpreter per refusal costs seconds apiece): each bad argument with its own ``--out``, then a
    missing data file, then an existing output ("keep me"). Returns ``{case: (out path, result)}``."""
    root = tmp_path_factory.mktemp("refusals")
    cases = {}
    for i, (extra, _) in enumerate(BAD_ARGUMENTS):
        out = root / f"bad{i}" / "p.nc"
        out.parent.mkdir()
        # A later duplicate option overrides the earlier one in argparse: the bad value wins.
        cases[tuple(extra)] = (out, ["sample", "--data", data_file, "--model", "ordered", "--out", out, *extra])
    (root / "missing").mkdir()
    out = root / "missing" / "p.nc"
    cases["missing"] = (out, ["sample", "--data", root / "missing" / "nope.csv", "--model", "ordered", "--out", out])
    (root / "existing").mkdir()
    out = root / "existing" / "p.nc"
    out.write_text("keep me")
    cases["existing"] = (out, ["sample", "--data", data_file, "--model", "ordered", "--out", out])
    results = run_cli_many([argv for _, argv in cases.values()], silent=True)
    return {key: (out, r) for (key, (out, _)), r in zip(cases.items(), results, strict=True)}


@pytest.mark.parametrize("extra, match", BAD_ARGUMENTS)
def test_bad_arguments_exit_2_with_one_line(refusals, extra, match):
    out, r = refusals[tuple(extra)]
    assert r["code"] == 2
    lines = r["stderr"].strip().splitlines()
    assert len(lines) == 1 and match in lines[0], r["stderr"]
    assert not out.exists()


def test_missing_data_file_and_existing_output_are_one_line_errors(refusals):
    out, r = refusals["missing"]
    assert r["code"] == 2 and len(r["stderr"].strip().splitlines()) == 1 and "no such file" in r["stderr"]
    assert not out.exists()
    out, r = refusals["existing"]
    assert r["code"] == 2 and len(r["stderr"].strip().splitlines()) == 1 and "--force" in r["stderr"]
    assert out.read_text() == "keep me"


@pytest.fixture(scope="module")
def samples(data_file, tmp_path_factory):
    """The module's three sampling commands, one after the other in ONE fresh interpreter (conftest.run_cli_many:
    PyMC is imported once, not three times): the unordered model from dispersed starts, then each model with
    --tune 10. Returns ``{case: (output folder, result)}``; each output is ``post.nc`` in its own folder."""
    cases = {"dispersed": ["--model", "unordered", "--chains", "2", "--draws", "1000", "--tune", "500", "--seed", "5",
                           "--init", "dispersed"]}
    for model in ("ordered", "unordered"):
        cases[model] = ["--model", model, "--chains", "2", "--draws", "100", "--tune", "10", "--seed", "3"]
    folders = {case: tmp_path_factory.mktemp(case) for case in cases}
    results = run_cli_many([["sample", "--data", data_file, *args, "--out", folders[case] / "post.nc"]
                            for case, args in cases.items()], silent=True)
    return {case: (folders[case], r) for case, r in zip(cases, results, strict=True)}


def test_sample_writes_a_datatree_arviz_opens(samples, data_file):
    """init 'dispersed' (from em.fit) on the unordered model: both labellings, all recorded."""
    import arviz as az
    import numpy as np

    folder, r = samples["dispersed"]
    out = folder / "post.nc"
    # Chains in both labellings by design (raw R-hat of mu far above 1.01): judged on label-invariant quantities
    # (measured: R-hat 1.001, bulk ESS 2971), this is no failure.
    assert r["code"] == 0, r["stderr"]
    dt = az.from_netcdf(out)
    assert set(dt.children) >= {"posterior", "sample_stats", "observed_data"}
    assert dt["posterior"]["mu"].shape == (2, 1000, 2)
    ds = load_data(data_file)
    assert dt.attrs["data_sha256"] == ds.sha256 and dt.attrs["model_variant"] == "unordered"
    assert dt.attrs["start_source"] == "em.fit" and dt.attrs["seed"] == 5
    mu = dt["posterior"]["mu"].values
    assert (mu[0, :, 0] < mu[0, :, 1]).all() and (mu[1, :, 0] > mu[1, :, 1]).all()
    np.testing.assert_array_equal(dt["observed_data"]["x"].values, ds.values)
    assert "divergences" in r["stdout"] and "sha256" in r["stdout"] and "priors: pi1 ~ Beta(1, 1)" in r["stdout"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary left behind


@pytest.mark.parametrize("model", ["ordered", "unordered"])
def test_a_failed_posterior_is_written_warned_about_and_exits_1(samples, model):
    """--tune 10: the chains cannot have converged. The posterior is written, stderr names the failed checks with
    their numbers, and the exit status is 1 (as `emvb em` when EM did not converge); the exit status is exactly
    the verdict of compare.convergence.posterior_check on the written file."""
    import arviz as az

    from emvb.cli.em import NOT_CONVERGED
    from emvb.compare.convergence import posterior_check
    from emvb.compare.thresholds import RHAT_MAX, ess_min

    folder, r = samples[model]
    assert r["code"] == NOT_CONVERGED == 1, r["stderr"]
    ck = posterior_check(az.from_netcdf(folder / "post.nc"), ordered=model == "ordered")
    assert ck.failures() and (ck.rhat > RHAT_MAX or ck.ess < ess_min(2))
    warning = [line for line in r["stderr"].splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and all(f in warning[0] for f in ck.failures())
