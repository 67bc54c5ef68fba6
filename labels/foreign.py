"""Posteriors written by other code (PyMC, Stan via ArviZ, ...): read them, map them to emvb's layout,
and write the relabelled draws back in the file's own layout (``emvb labels``).

A posterior of the shared-sigma two-component mixture is accepted with any variable names:

- weights: a scalar per draw (the weight of component 1) or a vector of length 2 per draw (summing to 1);
- means: a vector of length 2 per draw (any name for its dimension);
- sigma: a scalar per draw (or a length-2 vector whose entries are equal: a shared sigma written twice).

The draws must have ``chain`` and ``draw`` dimensions, as ArviZ writes them. The data fingerprint
``data_sha256`` is read from the file's root or posterior attributes when present.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..files.netcdf import load_tree
from ..models.data import fingerprint, require_same_data
from ..models.draws import SAMPLE_DIMS, extra_dim, means_dim
from ..models.errors import DataError

#: Posterior attributes carried over to the standard layout (they describe how it was sampled).
KEPT_ATTRS = ("data_sha256", "init", "start", "priors")
#: Relative difference up to which the two entries of a per-component sigma count as one shared sigma.
SHARED_RTOL = 1e-9


@dataclass(frozen=True)
class Names:
    """The variable names of the weights, the means and sigma in a posterior file."""

    weights: str = "pi1"
    means: str = "mu"
    sigma: str = "sigma"


def read_posterior(path) -> xr.DataTree:
    """A netCDF posterior (DataTree with a ``posterior`` group, or a flat file of draws), loaded in memory."""
    return load_tree(path, "a netCDF posterior")


def observed_values(tree: xr.DataTree, where: str = "posterior") -> np.ndarray | None:
    """The data a posterior file carries in ArviZ's ``observed_data`` group (float64, flattened), or None.

    A group with several variables is refused: emvb's model observes one.
    """
    if "observed_data" not in tree.children:
        return None
    obs = tree["observed_data"].to_dataset()
    if not obs.data_vars:
        return None
    if len(obs.data_vars) > 1:
        raise DataError(f"{where}: observed_data holds {len(obs.data_vars)} variables "
                        f"({', '.join(map(str, obs.data_vars))}); emvb's model observes one")
    var = next(iter(obs.data_vars.values()))
    if not np.issubdtype(var.dtype, np.number):
        raise DataError(f"{where}: observed_data {var.name!r} is not numeric ({var.dtype})")
    return np.asarray(var.values, dtype=np.float64).ravel()


def require_observed(tree: xr.DataTree, ds, data_name: str, where: str) -> bool:
    """Refuse data ``ds`` other than the observed data the posterior file carries; whether it carries them.

    As strict as emvb's recorded sha256: the same values in the same order (their fingerprints agree).
    """
    obs = observed_values(tree, where)
    if obs is None:
        return False
    if obs.size != ds.n:
        raise DataError(f"{data_name}: {ds.n} points, but the posterior {where} was fitted to {obs.size} "
                        "(its observed_data); refusing to combine fits of different data")
    require_same_data(fingerprint(obs), ds.sha256,
                      f"{data_name} (the posterior {where} holds other observed_data)")
    return True


def _posterior_node(tree: xr.DataTree) -> xr.DataTree:
    return tree["posterior"] if "posterior" in tree.children else tree


def _get(post: xr.Dataset, name: str, what: str, where: str) -> xr.DataArray:
    if name not in post.data_vars:
        found = ", ".join(sorted(map(str, post.data_vars))) or "none"
        raise DataError(f"{where}: no variable {name!r} for the {what} (variables: {found}); "
                        f"name it with --{what}")
    return post[name]


def standard_posterior(tree: xr.DataTree, names: Names = Names(), where: str = "posterior") -> xr.DataTree:
    """The draws in emvb's layout: ``pi1 (chain, draw)``, ``mu (chain, draw, component=[1, 2])``,
    ``sigma (chain, draw)``, with the attributes of :data:`KEPT_ATTRS`."""
    post = _posterior_node(tree).to_dataset()
    w = _get(post, names.weights, "weights", where)
    mu = _get(post, names.means, "means", where)
    sg = _get(post, names.sigma, "sigma", where)
    w_dim = extra_dim(w, "weights", where)
    if w_dim is None:
        pi1 = w.transpose(*SAMPLE_DIMS).values
    else:
        wv = w.transpose(*SAMPLE_DIMS, w_dim).values
        if not np.allclose(wv.sum(-1), 1.0, rtol=0, atol=1e-6):
            raise DataError(f"{where}: weights {names.weights!r} do not sum to 1 in every draw")
        pi1 = wv[..., 0]
    mu_dim = means_dim(mu, where)
    muv = mu.transpose(*SAMPLE_DIMS, mu_dim).values
    s_dim = extra_dim(sg, "sigma", where)
    sv = sg.transpose(*SAMPLE_DIMS, *([s_dim] if s_dim else [])).values
    if s_dim is not None:
        if not np.allclose(sv[..., 0], sv[..., 1], rtol=SHARED_RTOL, atol=0):
            raise DataError(f"{where}: sigma {names.sigma!r} differs between the components; emvb's model has "
                            "one sigma shared by both")
        sv = sv[..., 0]
    arrays = {"pi1": pi1, "mu1": muv[..., 0], "mu2": muv[..., 1], "sigma": sv}
    for k, a in arrays.items():
        if not np.all(np.isfinite(a)):
            raise DataError(f"{where}: {k} has non-finite draws")
    if not np.all((pi1 > 0) & (pi1 < 1)) or not np.all(sv > 0):
        raise DataError(f"{where}: weights must lie in (0, 1) and sigma be > 0 in every draw")
    coords = {d: post[d].values for d in SAMPLE_DIMS if d in post.coords}
    ds = xr.Dataset({"pi1": (SAMPLE_DIMS, pi1), "mu": ((*SAMPLE_DIMS, "component"), muv), "sigma": (SAMPLE_DIMS, sv)},
                    coords=coords | {"component": [1, 2]})
    attrs = dict(tree.attrs) | dict(_posterior_node(tree).attrs)
    ds.attrs = {k: attrs[k] for k in KEPT_ATTRS if k in attrs}
    out = xr.DataTree.from_dict({"posterior": ds})
    out.attrs = dict(ds.attrs)
    return out


def relabel_in_place(tree: xr.DataTree, names: Names, perm, method: str) -> xr.DataTree:
    """A copy of the file's tree with the label swap applied where ``perm (chain, draw)`` is True:
    the weights (reversed along their dimension, or ``1 - w`` for a scalar) and every variable with the
    means' component dimension (the means themselves included); everything else is label-invariant."""
    out = tree.copy()
    node = _posterior_node(out)
    post = node.to_dataset()
    flag = xr.DataArray(np.asarray(perm, bool), dims=SAMPLE_DIMS,
                        coords={d: post[d] for d in SAMPLE_DIMS if d in post.coords})
    comp = means_dim(post[names.means])
    w_dim = extra_dim(post[names.weights], "weights", "posterior")
    new = post.copy()
    for name, var in post.data_vars.items():
        dim = comp if comp in var.dims else (w_dim if name == names.weights else None)
        if dim is not None:
            flipped = var.isel({dim: slice(None, None, -1)})
            if dim in var.coords:
                flipped = flipped.assign_coords({dim: var[dim]})
            new[name] = xr.where(flag, flipped, var, keep_attrs=True).transpose(*var.dims)
        elif name == names.weights:
            new[name] = xr.where(flag, 1.0 - var, var, keep_attrs=True).transpose(*var.dims)
    new.attrs = dict(post.attrs) | {"relabelled_by": method}
    node.dataset = new
    return out
