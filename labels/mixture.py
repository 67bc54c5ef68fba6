"""Relabel anyone's K-component Gaussian-mixture posterior in one call, as a DataTree (docs/methods.md §4.10).

:func:`relabel_mixture` reads the draws in their own layout (:mod:`labels.foreign`), diagnoses label
switching (:mod:`labels.kdiagnose`), runs every relabelling method (:mod:`labels.kmethods`) and returns
the input's groups with the posterior relabelled by one method, plus a ``relabelling`` group: each
method's per-draw permutations ``perm_<method> (chain, draw, component)`` (label k <- the component at
position ``perm[..., k]`` of the input's component dimension, 0-based), each method's share of permuted
draws ``permuted_share (relabeller)``, the agreement between methods ``agreement (relabeller,
relabeller_other)`` (share of draws given the same permutation) and, as attributes, the diagnosis, the
verdict and what the agreement means. (The dimension is not called "method": ``DataArray.sel`` has an
argument of that name.)
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from ..models.errors import DataError, EmvbError
from .foreign import Names, posterior_node, read_mixture, relabel_layout
from .inputs import data_values, prepare_k
from .kdiagnose import KDiagnosis, diagnose_k
from .kdraws import agreement_k, identity
from .kmethods import run_method
from .methods import ALIASES, METHOD_INFO_K, METHODS_K
from .wording import explain_k

GROUP = "relabelling"


def agreement_meaning(diagnosis: KDiagnosis, agree: np.ndarray, names: list[str]) -> str:
    """What the agreement between methods says, given how close the copies come (docs/methods.md §4.10). The
    ordering by weights is left out of the lowest agreement: it labels by another convention."""
    keep = [i for i, m in enumerate(names) if m != "order_weights"]
    sub = agree[np.ix_(keep, keep)]
    lowest = float(sub.min()) if sub.size else 1.0
    if diagnosis.boundary_share <= 0.01:
        return (f"The components are separated (only {100 * diagnosis.boundary_share:.3g}% of the draws have two means "
                f"within half their typical gap), so every sane rule puts a draw in the same labelling: agreement "
                f"(lowest {100 * lowest:.4g}% of draws, order_weights aside: it sorts by another convention) is "
                "expected and says that labels are unambiguous, not that one method is right.")
    return (f"{100 * diagnosis.boundary_share:.3g}% of the draws have two means within half their typical gap, where "
            "the methods' objectives can rank labellings differently: the lowest agreement, "
            f"{100 * lowest:.4g}% of draws (order_weights aside: it sorts by another convention), measures how much "
            "per-component summaries depend on the choice of method (the labels' ambiguity).")


def _method_list(methods, data_given: bool) -> list[str]:
    chosen = list(METHODS_K if methods is None else [ALIASES.get(m, m) for m in methods])
    unknown = [m for m in chosen if m not in METHODS_K]
    if unknown:
        raise EmvbError(f"unknown relabelling method {unknown[0]!r}; choose from {', '.join(METHODS_K)}")
    return [m for m in chosen if data_given or not METHOD_INFO_K[m][2]]


def relabel_mixture(posterior, data=None, *, weights: str | None = None, means: str | None = None,
                    sigma: str | None = None, method: str = "stephens", methods=None, bins: int | None = None,
                    init: str = "order", where: str = "posterior") -> xr.DataTree:
    """Diagnose and undo label switching in a posterior of a K-component 1-D Gaussian mixture.

    Parameters
    ----------
    posterior : DataTree, ``arviz.InferenceData``-like tree or Dataset with (chain, draw) draws of the weights
        (K, or K - 1 free), the means (K) and one shared sigma or K sigmas
    data : the observed data; default the tree's ``observed_data`` (needed by every method but the orderings)
    weights, means, sigma : variable names (default: detected, :data:`labels.foreign.CANDIDATES`)
    method : the relabelling applied to the returned posterior group
    methods : the methods run (default all of :data:`labels.kmethods.METHODS_K` the inputs allow)
    bins : bins of the data (:func:`labels.binned.bin_data`; exact when the data have at most this many points)
    init : starting labels of the iterative methods, "order" or "identity"
    where : the name used in error messages (e.g. the file)

    Returns
    -------
    DataTree : the input's groups, the posterior relabelled by ``method`` in its own layout, and the group
    ``relabelling`` (module note)
    """
    tree = as_tree(posterior, where)
    draws, lay = read_mixture(tree, Names(weights, means, sigma), where)
    x = data_values(data, tree)
    method = ALIASES.get(method, method)
    chosen = _method_list(methods, x is not None)
    if method not in chosen:
        raise DataError(f"{where}: relabelling method {method!r} " + (
            "needs the observed data (pass data, or keep observed_data in the tree)"
            if method in METHODS_K else f"is unknown; choose from {', '.join(METHODS_K)}"))
    inputs = prepare_k(draws, x, bins=bins)
    post = posterior_node(tree).to_dataset()
    diagnosis = diagnose_k(inputs.draws, inputs.loglik, post["chain"].values if "chain" in post.coords else None)
    perms, infos = {}, {}
    for m in chosen:
        perms[m], infos[m] = run_method(m, inputs.draws, inputs.alloc, init=init)
    out = relabel_layout(tree, lay, perms[method], method)
    agree = agreement_k(perms)
    ident = identity(draws.shape, draws.k)
    coords = {"relabeller": chosen, "relabeller_other": chosen, "component": np.arange(draws.k)}
    coords |= {d: post[d].values for d in ("chain", "draw") if d in post.coords}
    group = xr.Dataset(
        {f"perm_{m}": (("chain", "draw", "component"), perms[m]) for m in chosen}
        | {"permuted_share": ("relabeller", [float(np.mean(np.any(perms[m] != ident, -1))) for m in chosen]),
           "agreement": (("relabeller", "relabeller_other"), agree)}, coords=coords)
    group.attrs = {"applied": method, "components": draws.k, "verdict": diagnosis.verdict,
                   "diagnosis": json.dumps(diagnosis.to_dict(), default=_plain),
                   "agreement_meaning": agreement_meaning(diagnosis, agree, chosen),
                   "explanation": explain_k(diagnosis),
                   "layout": json.dumps({"weights": lay.weights, "means": lay.means, "sigma": lay.sigma}),
                   "details": json.dumps({m: _summary(i) for m, i in infos.items()}, default=_plain),
                   "bin_width": 0.0 if inputs.alloc is None else inputs.scaling.scale * inputs.alloc.binned.width}
    out[GROUP] = xr.DataTree(dataset=group)
    return out


def report_k(tree, sha256: str | None) -> dict:
    """The ``--json`` object of ``emvb labels`` from a :func:`relabel_mixture` result."""
    group = tree[GROUP].to_dataset()
    diag = json.loads(group.attrs["diagnosis"])
    names = [str(m) for m in group["relabeller"].values]
    agree = group["agreement"].values
    return diag | {
        "methods": {m: {"permuted_share": float(group["permuted_share"].values[i])} for i, m in enumerate(names)},
        "agreement": {a: {b: float(agree[i, j]) for j, b in enumerate(names)} for i, a in enumerate(names)},
        "agreement_meaning": group.attrs["agreement_meaning"], "explanation": group.attrs["explanation"],
        "layout": json.loads(group.attrs["layout"]),
        "sha256": sha256}


def as_tree(obj, where: str = "posterior") -> xr.DataTree:
    """A DataTree of ``obj``: itself, a Dataset of draws as the posterior group, or an old-style InferenceData
    (an object with ``groups()`` and one attribute per group)."""
    if isinstance(obj, xr.DataTree):
        return obj
    if isinstance(obj, xr.Dataset):
        return xr.DataTree.from_dict({"posterior": obj})
    if hasattr(obj, "groups") and hasattr(obj, "posterior"):
        return xr.DataTree.from_dict({g.lstrip("/"): getattr(obj, g.lstrip("/")) for g in obj.groups()})
    raise EmvbError(f"{where}: expected a DataTree, InferenceData or Dataset of posterior draws, "
                    f"got {type(obj).__name__}")


def _summary(info: dict) -> dict:
    return {k: v for k, v in info.items() if k in ("iterations", "converged", "pivot_position")}


def _plain(v):
    return v.item() if hasattr(v, "item") else str(v)
