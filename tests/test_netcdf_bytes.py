"""files/netcdf.py: a tree's netCDF bytes with root attributes set afterwards (what ``emvb run`` does when a
second process built the bytes before the last timings were known) read back as the tree with those
attributes, every group and variable unchanged."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from emvb.files.netcdf import atomic_write_netcdf, load_tree, netcdf_bytes, with_root_attrs


def test_root_attributes_set_in_the_bytes_read_back_and_nothing_else_moves(tmp_path):
    rng = np.random.default_rng(0)
    tree = xr.DataTree.from_dict({
        "/": xr.Dataset(attrs={"timings": json.dumps({"data": 0.5}), "format": "emvb"}),
        "/posterior": xr.Dataset({"mu": (("chain", "draw"), rng.normal(size=(2, 50)))}, attrs={"created_at": "x"}),
        "/em": xr.Dataset({"estimate": ("parameter", rng.normal(size=4))}),
    })
    later = {"timings": json.dumps({"data": 0.5, "figures": 12.25, "a longer key than before": 1.0})}
    atomic_write_netcdf(tmp_path / "r.nc", with_root_attrs(netcdf_bytes(tree), later))
    back = load_tree(tmp_path / "r.nc")
    assert back.attrs == tree.attrs | later
    for path in ("/posterior", "/em"):
        assert back[path].to_dataset().identical(tree[path].to_dataset())
    assert with_root_attrs(b"unchanged", {}) == b"unchanged"
