"""One comparison as one DataTree of facts: what ``results.nc`` holds and ``summary.json`` is read from.

:func:`facts_tree` adds to :func:`compare.results.results_tree` (the data, the EM fit, every posterior
variant, the table) the facts computed from them once by :func:`compare.pipeline.run_comparison`::

    /                 attrs also: settings, priors, timings, versions, data_seed (each JSON)
    /labels           the label-switching diagnosis and the relabelling: verdict and scalar facts (attrs);
                      per chain labelling, share_other, start_labelling (chain); rhat_raw (parameter),
                      rhat_invariant (quantity); per method swapped_share and same_as_order (method),
                      agreement (method, method_); per draw near and disagreement (chain, draw)
    /adequacy         p_value, statistic, mc_error, verdict (check); attrs: each check's facts (JSON)
    /convergence      per model (RAW, ORDERED): rhat, ess, n_divergent, converged, quantities (model)

Per draw swaps per method are in ``/posteriors/relabel_<method>/relabelling``. Writers read the tree
(:func:`compare.summary.summary_from_tree`); a reloaded ``results.nc`` gives the same ``summary.json``.
"""

from __future__ import annotations

import json
import platform

import numpy as np
import xarray as xr

CHECKS = ("components", "shared_sigma", "fit")


def versions() -> dict:
    """Python's and the numerical libraries' versions that made the numbers."""
    import arviz
    import pymc

    return {"python": platform.python_version(), "numpy": np.__version__, "pymc": pymc.__version__,
            "arviz": arviz.__version__}


def _labels(c) -> xr.Dataset:
    lf = c.labels
    d, order = lf.diagnosis, lf.relabelled.get("order")
    methods = list(lf.relabelled)
    same = [np.nan if order is None else float(np.mean(r.perm == order.perm)) for r in lf.relabelled.values()]
    ds = xr.Dataset(
        {"labelling": ("chain", [ch.labelling for ch in d.chains]),
         "share_other": ("chain", np.array([ch.share_other for ch in d.chains], dtype=float)),
         "start_labelling": ("chain", [ch.start_labelling or "" for ch in d.chains]),
         "rhat_raw": ("parameter", np.array(list(d.rhat_raw.values()), dtype=float)),
         "rhat_invariant": ("quantity", np.array(list(d.rhat_invariant.values()), dtype=float)),
         "swapped_share": ("method", np.array([r.share_swapped for r in lf.relabelled.values()], dtype=float)),
         "same_as_order": ("method", np.array(same, dtype=float)),
         "agreement": (("method", "method_"), lf.agreement.loc[methods, methods].to_numpy(dtype=float)),
         "near": (("chain", "draw"), np.asarray(lf.near, dtype=np.int8))},
        coords={"parameter": list(d.rhat_raw), "quantity": list(d.rhat_invariant), "method": methods,
                "method_": methods},
        attrs={"verdict": d.verdict, "init": d.init or "", "typical_gap": d.typical_gap, "separation": d.separation,
               "boundary_share": d.boundary_share, "crossing_share": d.crossing_share,
               "share_swapped": d.share_swapped, "component_gap": d.component_gap, "loglik_bound": d.loglik_bound,
               "em_sigma": lf.sigma},
    )
    if methods:  # without a method there is no per-draw disagreement
        ds["disagreement"] = (("chain", "draw"), np.asarray(lf.disagreement, dtype=np.int8))
    return ds


def _adequacy(c) -> xr.Dataset:
    a = c.adequacy
    tests = [getattr(a, k) for k in CHECKS]
    return xr.Dataset(
        {"p_value": ("check", [t.test.p_value for t in tests]),
         "statistic": ("check", [t.test.statistic for t in tests]),
         "mc_error": ("check", [t.test.mc_error for t in tests]),
         "verdict": ("check", [t.verdict for t in tests])},
        coords={"check": list(CHECKS)},
        attrs={"facts": json.dumps(a.to_json_dict())},
    )


def _convergence(c) -> xr.Dataset:
    ck = list(c.checks.values())
    return xr.Dataset(
        {"rhat": ("model", [k.rhat for k in ck]), "ess": ("model", [k.ess for k in ck]),
         "n_divergent": ("model", [k.n_divergent for k in ck]),
         "converged": ("model", np.array([k.converged for k in ck], dtype=np.int8)),
         "quantities": ("model", [k.quantities for k in ck])},
        coords={"model": list(c.checks)},
    )


def facts_tree(c) -> xr.DataTree:
    """Everything of one :class:`compare.pipeline.Comparison` ``c`` as one DataTree (layout in the module
    note; this module does not import the pipeline, which calls it)."""
    from .results import results_tree

    tree = results_tree(data=c.data, em_result=c.em, posteriors=c.variants, table=c.table)
    tree.attrs.update(settings=json.dumps(c.settings.to_dict()), priors=json.dumps(c.priors.to_dict()),
                      timings=json.dumps({k: round(float(v), 3) for k, v in c.timings.items()}),
                      versions=json.dumps(versions()), data_seed=json.dumps(c.data.seed))
    tree["labels"] = _labels(c)
    if c.adequacy is not None:
        tree["adequacy"] = _adequacy(c)
    tree["convergence"] = _convergence(c)
    return tree
