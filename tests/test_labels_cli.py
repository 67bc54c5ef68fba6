"""``emvb labels`` on posteriors written by other code: verdict, JSON keys, the relabelled file in the
file's own layout, and bad input as one line with exit status 2 (subprocesses, as a user runs it; the commands on the
foreign posterior share one, conftest.run_cli_many)."""

from __future__ import annotations

import json

import arviz as az
import numpy as np
import pytest
import xarray as xr
from conftest import run_cli_many
from test_labels_synthetic import dataset, normal_draws, swap

from emvb.files.datafile import save_dataset
from emvb.models.data import Dataset

C, D = 4, 200


def main_run(capsys, *args):
    """``emvb ARGS`` in this process (same parser and error handling as the command): (status, out, err)."""
    from emvb.cli.main import main

    try:
        status = main([str(a) for a in args])
    except SystemExit as e:  # argparse's own usage errors exit from inside the parser
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Data and a 'foreign' posterior: weights as a vector 'w', means 'means', sigma 's', dim 'k', an
    extra variable and a sample_stats group; chains 1 and 3 in the swapped labelling."""
    root = tmp_path_factory.mktemp("labels")
    x, fit = dataset()
    data = save_dataset(Dataset(x, name="sim"), root / "data.csv")
    perm = np.zeros((C, D), bool)
    perm[[1, 3]] = True
    th = swap(normal_draws(fit, C, D, seed=4), perm)
    idata = az.from_dict({"posterior": {"w": np.stack([th[..., 0], 1 - th[..., 0]], -1), "means": th[..., 1:3],
                                        "s": th[..., 3], "lp": np.zeros((C, D))},
                          "sample_stats": {"diverging": np.zeros((C, D), bool)}},
                         dims={"w": ["k"], "means": ["k"]})
    post = root / "foreign.nc"
    idata.to_netcdf(post)
    return root, data, post, th, perm, fit


@pytest.fixture(scope="module")
def runs(files):
    """The foreign posterior's commands (JSON with a relabelled file; text; a missing variable), one after the
    other in ONE fresh interpreter (conftest.run_cli_many: a new interpreter each costs seconds apiece), with
    the input's bytes before them."""
    root, data, post, *_ = files
    names = ["--data", data, "--posterior", post, "--means", "means", "--sigma", "s"]
    before = post.read_bytes()
    json_run, text_run, missing = run_cli_many([
        ["labels", *names, "--weights", "w", "--method", "order", "--out", root / "relabelled.nc", "--json"],
        ["labels", *names, "--weights", "w"], ["labels", *names, "--weights", "pi"]], silent=True)
    return {"json": json_run, "text": text_run, "missing": missing, "before": before}


def test_foreign_posterior_json_and_relabelled_file(runs, files):
    root, data, post, th, perm, fit = files
    out = root / "relabelled.nc"
    before = runs["before"]
    r = runs["json"]
    assert r["code"] == 0, r["stderr"]
    doc = json.loads(r["stdout"])
    assert {"verdict", "chains", "methods", "sha256"} <= set(doc)
    assert doc["verdict"] == "between_chains" and doc["sha256"] == fit.sha256
    assert doc["chains"] == [{"chain": c, "labelling": "swapped" if c in (1, 3) else "as_em", "share_other": 0.0}
                             for c in range(C)]
    assert doc["crossing_share"] == 0.0  # no chain leaves its labelling: the mean of share_other
    assert set(doc["methods"]) == {"order", "stephens", "pra", "ecr", "nearest_mode"}
    assert all(m["swapped_share"] == 0.5 for m in doc["methods"].values())
    assert post.read_bytes() == before  # the input is never touched
    tree = xr.open_datatree(out)
    p = tree["posterior"]
    assert set(p.data_vars) == {"w", "means", "s", "lp"} and "sample_stats" in tree.children
    np.testing.assert_array_equal(p["means"].values[..., 0], np.minimum(th[..., 1], th[..., 2]))
    np.testing.assert_allclose(p["w"].values.sum(-1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(p["s"].values, th[..., 3])
    assert p.attrs["relabelled_by"] == "order"
    # Text mode (same command without --json): verdict, fingerprint status, each method's swaps.
    r = runs["text"]
    assert r["code"] == 0, r["stderr"]
    assert "verdict: between_chains" in r["stdout"] and "records neither a data sha256 nor observed_data" in r["stdout"]
    assert "share of draws each method swapped: order 50.00%" in r["stdout"]


def test_emvb_names_and_a_recorded_fingerprint_are_checked(capsys, files, tmp_path):
    root, data, post, th, perm, fit = files
    own = tmp_path / "own.nc"
    tree = az.from_dict({"posterior": {"pi1": th[..., 0], "mu": th[..., 1:3], "sigma": th[..., 3]}},
                        dims={"mu": ["component"]})
    tree["posterior"].attrs["data_sha256"] = fit.sha256
    tree.to_netcdf(own)
    status, out, err = main_run(capsys, "labels", "--data", data, "--posterior", own, "--json")
    assert status == 0, err
    assert json.loads(out)["verdict"] == "between_chains"
    other = save_dataset(Dataset(np.asarray(dataset(n=300, seed=1)[0]), name="other"), tmp_path / "other.csv")
    status, out, err = main_run(capsys, "labels", "--data", other, "--posterior", own)
    assert status == 2 and "records other data" in err and len(err.strip().splitlines()) == 1


def test_a_missing_variable_exits_2_with_one_line(runs):
    r = runs["missing"]
    assert r["code"] == 2 and len(r["stderr"].strip().splitlines()) == 1
    assert "no variable 'pi' for the weights (variables: lp, means, s, w)" in r["stderr"]


@pytest.mark.parametrize("names, extra, match", [
    ({"means": "s"}, [], "means 's' must have a component dimension"),  # one value per draw, not two
    ({"sigma": "lp"}, [], "sigma be > 0 in every draw"),  # lp is 0 in every draw
    ({}, ["--method", "pivot"], "invalid choice: 'pivot'"),
])
def test_bad_names_are_one_line_errors(capsys, files, names, extra, match):
    """Each option given once (the command refuses a repeated one): the right names, but for one of them."""
    root, data, post, *_ = files
    chosen = {"weights": "w", "means": "means", "sigma": "s"} | names
    args = [a for k, v in chosen.items() for a in (f"--{k}", v)]
    status, out, err = main_run(capsys, "labels", "--data", data, "--posterior", post, *args, *extra)
    assert status == 2 and match in err and len(err.strip().splitlines()) == 1, err


def test_bad_files_and_outputs_are_refused(capsys, files, tmp_path):
    root, data, post, *_ = files
    names = ["--weights", "w", "--means", "means", "--sigma", "s"]
    junk = tmp_path / "junk.nc"
    junk.write_text("not netcdf")
    kept = tmp_path / "kept.nc"
    kept.write_text("keep me")
    for extra, match in (((("--posterior", junk)), "cannot read it as a netCDF posterior"),
                         (("--posterior", tmp_path / "none.nc"), "no such file"),
                         (("--posterior", post, "--out", kept), "--force"),
                         (("--posterior", post, "--out", post, "--force"), "is the input")):
        status, out, err = main_run(capsys, "labels", "--data", data, *names, *extra)
        assert status == 2 and match in err and len(err.strip().splitlines()) == 1, err
    assert kept.read_text() == "keep me"


def _own_layout(th, observed=None) -> xr.DataTree:
    groups = {"posterior": {"pi1": th[..., 0], "mu": th[..., 1:3], "sigma": th[..., 3]}}
    if observed is not None:
        groups["observed_data"] = {"y": observed}
    return az.from_dict(groups, dims={"mu": ["component"]})


def test_a_posterior_carrying_observed_data_is_checked_against_the_data(capsys, files, tmp_path):
    """No sha256 recorded, but ArviZ's observed_data: --data must be those values, as strictly as a sha256."""
    root, data, post, th, perm, fit = files
    x = np.loadtxt(data, skiprows=1)
    cases = {"same": (x, 0, "matches the posterior's observed_data"),
             "ten_times_more": (np.tile(x, 10), 2, f"{x.size} points, but the posterior"),
             "one_value_moved": (np.r_[x[:-1], np.nextafter(x[-1], np.inf)], 2, "holds other observed_data"),
             "reordered": (x[::-1], 2, "holds other observed_data")}
    for name, (observed, status, message) in cases.items():
        path = tmp_path / f"{name}.nc"
        _own_layout(th, observed).to_netcdf(path)
        got, out, err = main_run(capsys, "labels", "--data", data, "--posterior", path)
        assert got == status, (name, err)
        assert message in (out if status == 0 else err), (name, out, err)
        assert status == 0 or len(err.strip().splitlines()) == 1, err


def test_a_damaged_posterior_is_one_line_whatever_fails_inside(capsys, cli, files, tmp_path):
    """20 KB overwritten at places through the file: HDF5/xarray fail with KeyError, RuntimeError, AttributeError,
    ...; each is one line and exit status 2 (or the damage missed what is read, and the command runs)."""
    root, data, post, th, perm, fit = files
    raw = post.read_bytes()
    k = min(20_000, len(raw) // 5)
    unreadable = []
    for i, frac in enumerate(np.linspace(0.1, 0.9, 5)):
        damaged = bytearray(raw)
        at = int(frac * len(raw))
        damaged[at:at + k] = np.random.default_rng(i).integers(0, 256, k, dtype=np.uint8).tobytes()
        path = tmp_path / f"damaged{i}.nc"
        path.write_bytes(bytes(damaged))
        status, out, err = main_run(capsys, "labels", "--data", data, "--posterior", path, "--weights", "w",
                                    "--means", "means", "--sigma", "s")
        assert status in (0, 2), err
        if status == 2:
            assert len(err.strip().splitlines()) == 1, err
        if "cannot read it as a netCDF posterior" in err:
            unreadable.append(path)
    assert unreadable  # the damage did reach what HDF5 reads
    # in a fresh interpreter: nothing more on stderr at exit (h5netcdf's half-opened file is collected silently)
    r = cli("labels", "--data", data, "--posterior", unreadable[0])
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "cannot read it as a netCDF posterior" in r.stderr, \
        r.stderr


def test_a_free_weight_vector_of_length_one_reads_as_the_scalar_weight(capsys, files, tmp_path):
    """K = 2 weights given as the K - 1 = 1 free one: the same verdict and swaps as the scalar weight, and the file
    written back keeps that layout (the free weight becomes 1 - w where the labels were swapped)."""
    root, data, post, th, perm, fit = files
    docs = {}
    for name, w, dims in (("scalar", th[..., 0], {}), ("free", th[..., :1], {"w": ["free"]})):
        path = tmp_path / f"{name}.nc"
        az.from_dict({"posterior": {"w": w, "mu": th[..., 1:3], "sigma": th[..., 3]}},
                     dims={"mu": ["component"], **dims}).to_netcdf(path)
        status, out, err = main_run(capsys, "labels", "--data", data, "--posterior", path, "--method", "order",
                                    "--out", tmp_path / f"{name}_out.nc", "--json")
        assert status == 0, err
        docs[name] = json.loads(out)
    assert docs["free"] | {"out": None} == docs["scalar"] | {"out": None}
    written = xr.open_datatree(tmp_path / "free_out.nc")["posterior"]["w"]
    assert written.dims == ("chain", "draw", "free")
    np.testing.assert_array_equal(written.values[..., 0], np.where(perm, 1.0 - th[..., 0], th[..., 0]))
