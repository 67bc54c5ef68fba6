"""One comparison as one DataTree of facts: what :func:`compare.pipeline.run_comparison` returns, ``results.nc``
holds and every file of the report folder is written from.

:func:`facts_tree` adds to :func:`compare.results.results_tree` (the data, the EM fit, every posterior
variant, the table) the facts computed from them once by :func:`compare.pipeline.run_comparison`::

    /                 attrs also: settings, priors, timings, versions, data_seed (each JSON); command (the
                      command line that made it, set by report.folder.write_comparison)
    /em               also attrs plain_n_iter, plain_n_map_evals: plain EM from the best run's start
    /labels           the label-switching diagnosis and the relabelling: verdict and scalar facts (attrs);
                      per chain labelling, share_other, start_labelling, switches, deep_other (chain);
                      rhat_raw (parameter), rhat_invariant (quantity); per method swapped_share,
                      same_as_order, bin_width (method), agreement (method, method_); per draw near and
                      disagreement (chain, draw) and each method's swaps, swapped (method, chain, draw)
    /adequacy         p_value, statistic, mc_error, verdict, n_exceed, rejects (check); attrs: each check's
                      facts (JSON), normal_mean and normal_sd (the one-normal fit), rejected_fit
    /convergence      per model (RAW, ORDERED): rhat, ess, n_divergent, converged, quantities (model)
    /figure_data      what only the figures draw: plain EM's loglik_trace (plain_iteration) and attr loglik;
                      the posterior predictive check's replicated statistics (ppc_draw, statistic), the data's
                      (statistic) and the kept replicated data sets (example, point). Not in ``results.nc``
                      (:func:`stored`): the 50 kept data sets alone are 4 MB for n = 10^4, and the file
                      holds what the report and summary.json state

Writers read the tree (:func:`compare.summary.summary_from_tree`, :func:`report.markdown.render_report`,
:func:`report.folder.figure_makers`); a reloaded ``results.nc`` gives the same ``summary.json`` and
``report.md``. :func:`label_diagnosis`, :func:`chain_checks_of`, :func:`adequacy_facts` and :func:`ppc_of`
read the groups back.
"""

from __future__ import annotations

import json
import platform
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

if TYPE_CHECKING:
    from ..adequacy.result import PosteriorPredictive
    from ..labels.diagnose import LabelDiagnosis
    from .convergence import ChainCheck

CHECKS = ("components", "shared_sigma", "fit")
#: The group of what only the figures draw (module note).
FIGURE_DATA = "figure_data"


def versions() -> dict:
    """Python's and the numerical libraries' versions that made the numbers."""
    import arviz
    import pymc

    return {"python": platform.python_version(), "numpy": np.__version__, "pymc": pymc.__version__,
            "arviz": arviz.__version__}


def labels_dataset(d: LabelDiagnosis, relabelled: dict, unordered, em) -> xr.Dataset:
    """The ``/labels`` group: the diagnosis ``d`` of the ``unordered`` posterior and its relabellings
    ``relabelled`` (``{method: models.draws.Relabelled}``), relative to the EM fit ``em``."""
    from ..labels.diagnose import gap_facts
    from ..labels.relabel import agreement, disagreement
    from ..models.draws import draws_of

    near, *_ = gap_facts(draws_of(unordered).standardized(em.scaling))  # unit-free; no overflow
    order, methods = relabelled.get("order"), list(relabelled)
    same = [np.nan if order is None else float(np.mean(r.perm == order.perm)) for r in relabelled.values()]
    ds = xr.Dataset(
        {"labelling": ("chain", [ch.labelling for ch in d.chains]),
         "share_other": ("chain", np.array([ch.share_other for ch in d.chains], dtype=float)),
         "start_labelling": ("chain", [ch.start_labelling or "" for ch in d.chains]),
         "switches": ("chain", np.array([ch.switches for ch in d.chains], dtype=np.int8)),
         "deep_other": ("chain", np.array([ch.deep_other for ch in d.chains], dtype=np.int8)),
         "rhat_raw": ("parameter", np.array(list(d.rhat_raw.values()), dtype=float)),
         "rhat_invariant": ("quantity", np.array(list(d.rhat_invariant.values()), dtype=float)),
         "swapped_share": ("method", np.array([r.share_swapped for r in relabelled.values()], dtype=float)),
         "same_as_order": ("method", np.array(same, dtype=float)),
         "bin_width": ("method", np.array([np.nan if r.info.get("bin_width") is None else r.info["bin_width"]
                                           for r in relabelled.values()], dtype=float)),
         "agreement": (("method", "method_"), agreement(relabelled).loc[methods, methods].to_numpy(dtype=float)),
         "near": (("chain", "draw"), np.asarray(near, dtype=np.int8))},
        coords={"chain": [ch.chain for ch in d.chains], "parameter": list(d.rhat_raw),
                "quantity": list(d.rhat_invariant), "method": methods, "method_": methods},
        attrs={"verdict": d.verdict, "init": d.init or "", "typical_gap": d.typical_gap, "separation": d.separation,
               "boundary_share": d.boundary_share, "crossing_share": d.crossing_share,
               "share_swapped": d.share_swapped, "component_gap": d.component_gap, "loglik_bound": d.loglik_bound,
               "em_sigma": float(em.params.sigma)},
    )
    if methods:  # without a method there is no per-draw disagreement
        ds["disagreement"] = (("chain", "draw"), np.asarray(disagreement(relabelled), dtype=np.int8))
        ds["swapped"] = (("method", "chain", "draw"), np.stack([r.perm for r in relabelled.values()]).astype(np.int8))
    return ds


def adequacy_dataset(a) -> xr.Dataset:
    """The ``/adequacy`` group of :class:`adequacy.Adequacy` ``a``."""
    tests = [a.components, a.shared_sigma, a.fit]  # in the order of CHECKS
    return xr.Dataset(
        {"p_value": ("check", [t.test.p_value for t in tests]),
         "statistic": ("check", [t.test.statistic for t in tests]),
         "mc_error": ("check", [t.test.mc_error for t in tests]),
         "verdict": ("check", [t.verdict for t in tests]),
         "n_exceed": ("check", [t.test.n_exceed for t in tests]),
         "rejects": ("check", np.array([t.test.rejects for t in tests], dtype=np.int8))},
        coords={"check": list(CHECKS)},
        attrs={"facts": json.dumps(a.to_json_dict()), "normal_mean": float(a.components.normal[0]),
               "normal_sd": float(a.components.normal[1]), "rejected_fit": int(a.rejected_fit)},
    )


def _convergence(checks: dict[str, ChainCheck]) -> xr.Dataset:
    ck = list(checks.values())
    return xr.Dataset(
        {"rhat": ("model", [k.rhat for k in ck]), "ess": ("model", [k.ess for k in ck]),
         "n_divergent": ("model", [k.n_divergent for k in ck]),
         "converged": ("model", np.array([k.converged for k in ck], dtype=np.int8)),
         "quantities": ("model", [k.quantities for k in ck])},
        coords={"model": list(checks)},
    )


def _figure_data(plain, adequacy) -> xr.Dataset:
    """The ``/figure_data`` group (module note): plain EM's trace and the posterior predictive check's draws."""
    ds = xr.Dataset({"loglik_trace": ("plain_iteration", np.asarray(plain.trace.loglik, dtype=float).ravel())},
                    attrs={"loglik": float(plain.loglik)})
    ppc = None if adequacy is None else adequacy.ppc
    if ppc is not None:
        ds["ppc_replicated"] = (("ppc_draw", "statistic"), np.stack([s.replicated for s in ppc.statistics], axis=1))
        ds["ppc_observed"] = ("statistic", np.array([s.observed for s in ppc.statistics]))
        ds["ppc_examples"] = (("example", "point"), ppc.examples)
        ds.coords["statistic"] = [s.name for s in ppc.statistics]
    return ds


def facts_tree(*, data, settings, priors, em, plain, posteriors: dict, relabelled: dict, table, diagnosis, adequacy,
               checks: dict[str, ChainCheck], timings: dict) -> xr.DataTree:
    """Everything of one comparison as one DataTree (layout in the module note): the ``data``
    (:class:`models.Dataset`), ``settings``, ``priors``, the EM fit ``em`` and ``plain`` EM from its start, the
    ``posteriors`` (``{RAW: the unordered one, relabel_<method>: ..., ORDERED: ...}``), the relabellings
    (``{method: Relabelled}``), the ``table`` (:func:`compare.table.compare_fits`), the label ``diagnosis``,
    the ``adequacy`` checks (or None), the convergence ``checks`` (:func:`compare.convergence.chain_checks`)
    and the stages' ``timings`` so far."""
    from .results import results_tree
    from .table import RAW

    tree = results_tree(data=data, em_result=em, posteriors=posteriors, table=table)
    tree.attrs.update(settings=json.dumps(settings.to_dict()), priors=json.dumps(priors.to_dict()),
                      timings=json.dumps({k: round(float(v), 3) for k, v in timings.items()}),
                      versions=json.dumps(versions()), data_seed=json.dumps(data.seed))
    tree["em"].attrs.update(plain_n_iter=int(plain.n_iter), plain_n_map_evals=int(plain.n_map_evals))
    tree["labels"] = labels_dataset(diagnosis, relabelled, posteriors[RAW], em)
    if adequacy is not None:
        tree["adequacy"] = adequacy_dataset(adequacy)
    tree["convergence"] = _convergence(checks)
    tree[FIGURE_DATA] = _figure_data(plain, adequacy)
    return tree


def stored(tree: xr.DataTree) -> xr.DataTree:
    """The tree as ``results.nc`` holds it: without ``/figure_data`` (module note)."""
    return tree.drop_nodes(FIGURE_DATA, errors="ignore")


def label_diagnosis(ds: xr.Dataset) -> LabelDiagnosis:
    """The :class:`labels.diagnose.LabelDiagnosis` a ``/labels`` group holds (:func:`labels_dataset`)."""
    from ..labels.diagnose import ChainLabels, LabelDiagnosis

    a = ds.attrs
    chains = tuple(ChainLabels(ch.item(), str(lab), float(other), bool(sw), bool(deep), str(start) or None)
                   for ch, lab, other, sw, deep, start in zip(
                       ds["chain"].values, ds["labelling"].values, ds["share_other"].values, ds["switches"].values,
                       ds["deep_other"].values, ds["start_labelling"].values, strict=True))
    return LabelDiagnosis(
        str(a["verdict"]), chains, _named(ds, "rhat_raw", "parameter"), _named(ds, "rhat_invariant", "quantity"),
        **{k: float(a[k]) for k in ("typical_gap", "separation", "boundary_share", "share_swapped", "component_gap",
                                    "loglik_bound", "crossing_share")}, init=str(a["init"]) or None)


def _named(ds: xr.Dataset, var: str, dim: str) -> dict:
    return {str(k): float(v) for k, v in zip(ds[dim].values, ds[var].values, strict=True)}


def chain_checks_of(tree: xr.DataTree) -> dict[str, ChainCheck]:
    """``{RAW: ChainCheck, ORDERED: ChainCheck}`` the ``/convergence`` group and the settings hold."""
    from .convergence import ChainCheck

    s, ds = json.loads(tree.attrs["settings"]), tree["convergence"].to_dataset()
    return {str(m): ChainCheck(str(m), str(q), float(r), float(e), int(n), s["chains"], s["draws"], s["tune"])
            for m, q, r, e, n in zip(ds["model"].values, ds["quantities"].values, ds["rhat"].values,
                                     ds["ess"].values, ds["n_divergent"].values, strict=True)}


def adequacy_facts(ds: xr.Dataset) -> dict:
    """The ``/adequacy`` group as one dict: :meth:`adequacy.Adequacy.to_json_dict`'s object, each check with
    its ``n_exceed`` and ``rejects``, ``components["normal"]`` = (mean, sd) and ``rejected_fit``, as
    :mod:`adequacy` decided them (:attr:`adequacy.Adequacy.rejected_fit`)."""
    a = json.loads(ds.attrs["facts"])
    for k, n, r in zip(ds["check"].values, ds["n_exceed"].values, ds["rejects"].values, strict=True):
        a[str(k)].update(n_exceed=int(n), rejects=bool(r))
    a["components"]["normal"] = (float(ds.attrs["normal_mean"]), float(ds.attrs["normal_sd"]))
    a["rejected_fit"] = bool(ds.attrs["rejected_fit"])
    return a


def ppc_of(tree: xr.DataTree) -> PosteriorPredictive | None:
    """The posterior predictive check the tree holds (``/figure_data`` and ``/adequacy``), None without one."""
    from ..adequacy.result import PosteriorPredictive, PPCStatistic

    ds = tree[FIGURE_DATA].to_dataset()
    if "ppc_examples" not in ds:
        return None
    a = json.loads(tree["adequacy"].attrs["facts"])["ppc"]
    stats = tuple(PPCStatistic(str(k), float(o), ds["ppc_replicated"].values[:, j])
                  for j, (k, o) in enumerate(zip(ds["statistic"].values, ds["ppc_observed"].values, strict=True)))
    return PosteriorPredictive(stats, a["draws"], a["center"], a["scale"], ds["ppc_examples"].values, a["seed"])
