"""``summary.json``: the numbers a script reads, read from the comparison's tree of facts only
(:func:`compare.facts.facts_tree`, the tree ``results.nc`` holds)."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from ..models.params import json_float as _f
from .results import table_from_results
from .table import ORDERED, RAW


def _plain(v):
    """An attribute as JSON wants it (netCDF hands back numpy scalars)."""
    return v.item() if isinstance(v, np.generic) else v


def sampling_facts(dt) -> dict:
    """Divergences, tree-depth hits, R-hat/ESS extremes and times recorded by the sampler."""
    a = dt.attrs
    return {k: _plain(a.get(k)) for k in ("sampler", "init", "chains", "draws", "tune", "seed", "n_divergent",
                                          "n_max_treedepth", "compile_time", "sampling_time", "wall_time",
                                          "likelihood")}


def label_facts(ds: xr.Dataset) -> dict:
    """The diagnosis, how each chain started and ended, each method's swaps and the methods' agreement."""
    a, methods = ds.attrs, [str(m) for m in ds["method"].values]
    return {
        "verdict": str(a["verdict"]),
        "init": str(a["init"]) or None,
        "chains": [str(v) for v in ds["labelling"].values],
        "share_other_labelling": [_f(v) for v in ds["share_other"].values],
        "start_labelling": [str(v) or None for v in ds["start_labelling"].values],
        **{k: _f(a[k]) for k in ("typical_gap", "separation", "boundary_share", "crossing_share",
                                 "share_swapped", "component_gap")},
        "rhat_raw": {str(k): _f(v) for k, v in zip(ds["parameter"].values, ds["rhat_raw"].values, strict=True)},
        "rhat_invariant": {str(k): _f(v)
                           for k, v in zip(ds["quantity"].values, ds["rhat_invariant"].values, strict=True)},
        "methods": {m: {"swapped_share": _f(s), "same_as_order": _f(o)}
                    for m, s, o in zip(methods, ds["swapped_share"].values, ds["same_as_order"].values, strict=True)},
        "disagreement_share": _f(np.mean(ds["disagreement"].values.astype(bool))) if "disagreement" in ds else None,
        "method_agreement": {m: {n: _f(ds["agreement"].values[i, j]) for j, n in enumerate(methods)}
                             for i, m in enumerate(methods)},
    }


def summary_from_tree(tree: xr.DataTree) -> dict:
    """The ``summary.json`` object: em, label_switching, variants, sha256, timings, adequacy and context."""
    variants = {}
    for name, sub in table_from_results(tree).groupby("variant", sort=False):
        variants[name] = {
            row.parameter: {"mean": _f(row.mean), "sd": _f(row.sd), "hdi_low": _f(row.hdi_lb),
                            "hdi_high": _f(row.hdi_ub), "r_hat": _f(row.r_hat), "ess_bulk": _f(row.ess_bulk)}
            for row in sub.itertuples()
        }
    a, posts = tree.attrs, tree["posteriors"]
    return {
        "em": json.loads(tree["em"].attrs["fit"]),
        "label_switching": label_facts(tree["labels"].to_dataset()),
        "variants": variants,
        "sha256": str(a["data_sha256"]),
        "data": {"name": str(a["data_name"]), "n": int(a["data_n"]), "seed": json.loads(a["data_seed"]),
                 "truth": json.loads(a["truth"]) if a["truth"] else None},
        "priors": json.loads(a["priors"]),
        "sampling": {RAW: sampling_facts(posts[RAW]), ORDERED: sampling_facts(posts[ORDERED])},
        "settings": json.loads(a["settings"]),
        "timings": json.loads(a["timings"]),
        "adequacy": json.loads(tree["adequacy"].attrs["facts"]) if "adequacy" in tree.children else None,
        "versions": json.loads(a["versions"]),
    }
