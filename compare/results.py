"""Everything of one comparison in one netCDF DataTree, and reading it back with its fingerprint checked.

Layout of the file::

    /                      attrs: data_sha256, data_n, data_name, truth (JSON or ""), format
    /observed_data         x (obs): the data both fits saw
    /em                    estimate (parameter), se (parameter), cov (parameter, parameter_),
                           loglik_trace (iteration), params_trace (iteration, parameter), the starts'
                           optima: optimum_loglik, optimum_count, optimum_is_max (optimum); attrs loglik,
                           n, data_sha256, n_iter, n_map_evals, converged, reason, tol, n_starts, fit (JSON)
    /posteriors/<variant>/posterior     each posterior variant (and its sample_stats, if any)
    /table                 the comparison table, one entry per row along ``row``

The data's sha256 is written once at the root and must match the EM fit's and every posterior's
(``data_sha256`` attribute); anything else is refused with a one-line :class:`EmvbError`, on
building the tree and again on loading (where the stored data are fingerprinted afresh).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..em import EMResult
from ..files.netcdf import load_tree
from ..models.data import fingerprint, recorded_sha256, require_same_data
from ..models.errors import EmvbError
from .table import BOOL_COLUMNS, STRING_COLUMNS, check_fingerprints

FORMAT = "emvb-comparison-1"
ENGINE = "h5netcdf"
#: Groups of a sampler's DataTree that are kept; log_likelihood and posterior_predictive are
#: (chain, draw, N) arrays, 320 MB each for N = 10^4 (4 chains x 1000 draws x 10^4 points x 8
#: bytes), and are recomputable.
KEPT_GROUPS = ("posterior", "sample_stats")


def _table_dataset(table: pd.DataFrame) -> xr.Dataset:
    """Strings as strings, booleans (possibly unknown) as float 1/0/NaN: netCDF has no bool or None."""
    out = {}
    for col in table.columns:
        v = table[col]
        if col in STRING_COLUMNS:
            out[col] = ("row", v.astype(str).to_numpy())
        elif col in BOOL_COLUMNS:
            out[col] = ("row", np.array([np.nan if b is None or b is pd.NA else float(bool(b)) for b in v]))
        else:
            out[col] = ("row", v.to_numpy(dtype=float))
    return xr.Dataset(out, coords={"row": np.arange(len(table))},
                      attrs={"bool_columns": json.dumps([c for c in BOOL_COLUMNS if c in table.columns])})


def table_from_results(tree: xr.DataTree) -> pd.DataFrame:
    """The comparison table of a loaded results tree, with booleans (None where unknown) restored."""
    ds = tree["table"].to_dataset()
    df = pd.DataFrame({c: ds[c].values for c in ds.data_vars})
    for col in json.loads(ds.attrs.get("bool_columns", "[]")):
        df[col] = [None if np.isnan(v) else bool(v) for v in df[col]]
    for col in STRING_COLUMNS:
        if col in df:
            df[col] = df[col].astype(str)
    return df


def _variant_tree(post: xr.DataTree) -> xr.DataTree:
    groups = {g: post[g].to_dataset() for g in KEPT_GROUPS if g in post.children}
    if "posterior" not in groups:
        groups["posterior"] = post.to_dataset()
    tree = xr.DataTree.from_dict(groups)
    tree.attrs = dict(post.attrs)
    return tree


def results_tree(*, data, em_result: EMResult, posteriors: dict, table: pd.DataFrame) -> xr.DataTree:
    """One comparison as a DataTree (layout in the module note): what ``results.nc`` holds.

    Parameters
    ----------
    data : :class:`~models.data.Dataset`, the data both fits saw
    em_result : the EM fit
    posteriors : {variant: DataTree}
    table : from :func:`compare.table.compare_fits`

    Raises
    ------
    EmvbError
        If the data, the EM fit and every posterior do not share one sha256 (one line).
    """
    values, sha = data.values, data.sha256
    require_same_data(sha, recorded_sha256(em_result), "the EM fit", require=True)
    check_fingerprints(em_result, posteriors, require=True)
    root = xr.DataTree(dataset=xr.Dataset(attrs={
        "format": FORMAT, "data_sha256": sha, "data_n": int(values.size), "data_name": str(data.name),
        "truth": json.dumps(data.truth.to_dict()) if data.truth is not None else "",
    }))
    root["observed_data"] = xr.Dataset({"x": ("obs", values)}, coords={"obs": np.arange(values.size)})
    root["em"] = em_result.to_dataset()
    root["posteriors"] = xr.DataTree()
    for name, post in posteriors.items():
        if "/" in name or not name:
            raise EmvbError(f"posterior variant name {name!r} cannot be a group name")
        root["posteriors"][name] = _variant_tree(post)
    root["table"] = _table_dataset(table)
    return root


def load_results(path) -> xr.DataTree:
    """Read a comparison's ``results.nc`` (:func:`results_tree`), refusing it unless all fingerprints agree.

    The stored data are fingerprinted again, so a file whose data were altered is refused too.
    """
    path = Path(path)
    if not path.is_file():
        raise EmvbError(f"{path}: no such results file")
    tree = load_tree(path, "a netCDF results file", engine=ENGINE)
    groups = {"observed_data", "em", "posteriors", "table"}
    if tree.attrs.get("format") != FORMAT or not groups <= set(tree.children):
        raise EmvbError(f"{path}: not an emvb comparison (format {tree.attrs.get('format')!r})")
    sha = str(tree.attrs["data_sha256"])
    require_same_data(sha, fingerprint(tree["observed_data"]["x"].values), f"{path}: the stored data", require=True)
    require_same_data(sha, recorded_sha256(tree["em"]), f"{path}: the EM fit", require=True)
    for name, node in tree["posteriors"].children.items():
        require_same_data(sha, recorded_sha256(node), f"{path}: posterior {name!r}", require=True)
    return tree
