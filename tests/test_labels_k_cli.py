"""``emvb labels`` on K components: the verdict, JSON keys, every method's share and agreement, the relabelled
file in the input's own layout with the per-draw permutations, and refusals as one line with exit status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from test_labels_cli import main_run
from test_labels_k import pymc_like

from emvb.files.datafile import save_dataset
from emvb.labels.kmethods import METHODS_K
from emvb.models.data import Dataset


@pytest.fixture(scope="module")
def k3(tmp_path_factory):
    """A three-component posterior as PyMC writes it (chain 1 in another labelling, a block of chain 2 too), its
    data as a CSV file and without observed_data in the posterior file."""
    root = tmp_path_factory.mktemp("labels_k")
    tree, truth, restore = pymc_like(k=3)
    x = tree["observed_data"]["y"].values
    data = save_dataset(Dataset(x, name="sim3"), root / "data.csv")
    post = root / "k3.nc"
    tree.to_netcdf(post)
    return root, data, post, truth, restore


def test_k_components_json_and_relabelled_file(cli, k3):
    root, data, post, truth, restore = k3
    out = root / "relabelled.nc"
    before = post.read_bytes()
    r = cli("labels", "--data", data, "--posterior", post, "--out", out, "--json", "--method", "pra")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["components"] == 3 and doc["verdict"] == "within_chain" and doc["layout"]["weights"] == "w"
    assert [c["labelling"] for c in doc["chains"]] == [[1, 2, 3], [2, 3, 1], [1, 2, 3], [1, 2, 3]]
    share = 1 - np.mean(np.all(restore == np.arange(3), -1))
    assert set(doc["methods"]) == set(METHODS_K)
    assert all(doc["methods"][m]["permuted_share"] == pytest.approx(share) for m in METHODS_K if m != "order_weights")
    assert doc["agreement"]["stephens"]["data_based"] == 1.0 and "separated" in doc["agreement_meaning"]
    assert doc["relabelled_with"] == "pra" and post.read_bytes() == before
    tree = xr.open_datatree(out)
    np.testing.assert_allclose(tree["posterior"]["mu"].values, truth.mu)
    np.testing.assert_array_equal(tree["relabelling"]["perm_pra"].values, restore)
    assert tree["posterior"].attrs["relabelled_by"] == "pra" and "sample_stats" in tree.children


def test_k_components_text_and_refusals(capsys, k3, tmp_path):
    root, data, post, truth, restore = k3
    status, out, err = main_run(capsys, "labels", "--data", data, "--posterior", post)
    assert status == 0, err
    assert "verdict: within_chain" in out and "3 components, 4 chains" in out
    assert "share of draws each method permuted: order " in out
    status, out, err = main_run(capsys, "labels", "--data", data, "--posterior", post, "--method", "nearest_mode")
    assert status == 2 and "needs the two-component model" in err and len(err.strip().splitlines()) == 1
    bad = tmp_path / "bad.nc"
    p = xr.open_datatree(post)["posterior"].to_dataset()
    xr.DataTree.from_dict({"posterior": p.drop_vars("sigma").assign(sigma=p["w"].isel(w_dim_0=[0, 1]).rename(
        w_dim_0="s"))}).to_netcdf(bad)
    status, out, err = main_run(capsys, "labels", "--data", data, "--posterior", bad)
    assert status == 2 and "sigma 'sigma' has 2 entries per draw" in err and len(err.strip().splitlines()) == 1


def test_two_components_with_their_own_sigmas_go_to_the_k_methods(capsys, tmp_path):
    tree, truth, restore = pymc_like(k=2, own_sigma=True)
    x = tree["observed_data"]["y"].values
    data = save_dataset(Dataset(x, name="sim2"), tmp_path / "data.csv")
    post = tmp_path / "k2.nc"
    tree.to_netcdf(post)
    status, out, err = main_run(capsys, "labels", "--data", data, "--posterior", post, "--json")
    assert status == 0, err
    doc = json.loads(out)
    assert doc["components"] == 2 and "ecr_iterative_1" in doc["methods"] and "rhat_invariant" in doc
