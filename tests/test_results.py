"""results_tree / load_results: one netCDF DataTree, exact round trip, fingerprints enforced."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from test_labels_synthetic import SEPARATED, dataset, known_perm, normal_draws, swap, to_tree

from emvb.compare.results import ENGINE, load_results, results_tree, table_from_results
from emvb.compare.table import compare_fits
from emvb.files.netcdf import atomic_write_netcdf
from emvb.labels.relabel import relabel
from emvb.models.data import Dataset
from emvb.models.errors import EmvbError


def save_results(path, **parts):
    """Write :func:`results_tree` of ``parts`` as ``report.folder.write_comparison`` writes results.nc."""
    return atomic_write_netcdf(path, results_tree(**parts), engine=ENGINE)


@pytest.fixture(scope="module")
def comparison():
    x, fit = dataset()
    theta = normal_draws(fit, 2, 200, seed=6)
    perm = known_perm(2, 200)
    raw = to_tree(swap(theta, perm), fit.sha256, x)
    raw["sample_stats"] = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((2, 200), bool))})
    posts = {"unordered-raw": raw, "pivot": relabel(raw, "nearest_mode", em_result=fit).posterior}
    table = compare_fits(fit, posts, truth=SEPARATED)
    return Dataset(x, name="sim", truth=SEPARATED), fit, posts, table


def test_round_trip_is_exact(comparison, tmp_path):
    data, fit, posts, table = comparison
    path = save_results(tmp_path / "cmp.nc", data=data, em_result=fit, posteriors=posts, table=table)
    tree = load_results(path)
    assert tree.attrs["data_sha256"] == data.sha256 and tree.attrs["data_n"] == data.n
    assert np.array_equal(tree["observed_data"]["x"].values, data.values)
    em = tree["em"]
    assert np.array_equal(em["estimate"].values, fit.params.to_array())
    assert np.array_equal(em["cov"].values, fit.cov)
    assert np.array_equal(em["loglik_trace"].values, fit.trace.loglik)
    assert em.attrs["loglik"] == fit.loglik
    back = table_from_results(tree)
    assert back.equals(table)
    got = tree["posteriors"].children
    assert set(got) == {"unordered-raw", "pivot"}
    for name, src in posts.items():
        for v in ("pi1", "mu", "sigma"):
            assert np.array_equal(got[name]["posterior"][v].values, src["posterior"][v].values)
    assert "sample_stats" in got["unordered-raw"].children


def test_truth_unknown_round_trips_as_missing(comparison, tmp_path):
    data, fit, posts, table = comparison
    t2 = compare_fits(fit, {"unordered-raw": posts["unordered-raw"]})
    path = save_results(tmp_path / "c.nc", data=Dataset(data.values), em_result=fit,
                        posteriors={"unordered-raw": posts["unordered-raw"]}, table=t2)
    back = table_from_results(load_results(path))
    assert back.truth.isna().all() and all(v is None for v in back.truth_in_hdi)


def test_mismatched_fingerprints_are_refused_in_one_line(comparison, tmp_path):
    data, fit, posts, table = comparison
    other = Dataset(data.values[::-1])
    bad = posts["unordered-raw"].copy()
    bad["posterior"].attrs["data_sha256"] = other.sha256
    bad.attrs["data_sha256"] = other.sha256
    no_sha = posts["unordered-raw"].copy()
    no_sha.attrs.pop("data_sha256")
    no_sha["posterior"].attrs.pop("data_sha256")
    cases = [
        (dict(data=other, em_result=fit, posteriors=posts), "the EM fit: data fingerprint"),
        (dict(data=data, em_result=fit, posteriors={"bad": bad}), "refusing to combine"),
        (dict(data=data, em_result=fit, posteriors={"anon": no_sha}), "no data fingerprint"),
    ]
    for kwargs, msg in cases:
        with pytest.raises(EmvbError, match=msg) as e:
            save_results(tmp_path / "x.nc", table=table, **kwargs)
        assert "\n" not in str(e.value)
    assert not (tmp_path / "x.nc").exists()


def test_load_refuses_altered_or_foreign_files(comparison, tmp_path):
    data, fit, posts, table = comparison
    path = save_results(tmp_path / "c.nc", data=data, em_result=fit, posteriors=posts, table=table)
    tree = xr.open_datatree(path, engine="h5netcdf").load()
    tree.close()
    tampered = tree.copy()
    x = tampered["observed_data"]["x"].values.copy()
    x[0] += 1e-9
    tampered["observed_data"] = xr.Dataset({"x": ("obs", x)})
    tampered.to_netcdf(tmp_path / "t.nc", engine="h5netcdf")
    with pytest.raises(EmvbError, match="the stored data: data fingerprint") as e:
        load_results(tmp_path / "t.nc")
    assert "\n" not in str(e.value)
    xr.DataTree(xr.Dataset({"a": ("i", [1.0])})).to_netcdf(tmp_path / "f.nc", engine="h5netcdf")
    with pytest.raises(EmvbError, match="not an emvb comparison"):
        load_results(tmp_path / "f.nc")
    (tmp_path / "junk.nc").write_text("not netcdf")
    with pytest.raises(EmvbError, match="cannot read it as a netCDF results file"):
        load_results(tmp_path / "junk.nc")
