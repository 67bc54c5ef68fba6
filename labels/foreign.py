"""Posteriors of a K-component 1-D Gaussian mixture from any PPL (PyMC, NumPyro, CmdStanPy via ArviZ): read
them, check them against the data, and write relabelled draws back in their own layout (``emvb labels``,
docs/methods.md §4.10).

Accepted, with ``chain`` and ``draw`` dimensions as ArviZ writes them and any name for the other one:

- means: a vector of length K >= 2 per draw (its dimension is the component dimension);
- weights: a vector of length K (summing to 1), or of length K - 1 (the free weights, the last being
  ``1 - sum``; for K = 2 also a scalar, the weight of component 1);
- sigma: a scalar per draw (one shared sigma) or a vector of length K.

Variable names are given, or detected: the first of :data:`CANDIDATES` present in the posterior.
Anything else is refused with one line naming the file and the problem. Two components with one shared
sigma (:func:`two_component`; a per-component sigma whose entries are equal counts as shared) are also
given in emvb's own layout (:func:`standard_posterior`), for the two-component label stage. The data
fingerprint ``data_sha256`` is read from the file's root or posterior attributes when present.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..files.netcdf import load_tree
from ..models.data import fingerprint, require_same_data
from ..models.draws import SAMPLE_DIMS
from ..models.errors import DataError
from .kdraws import MixDraws

#: Names tried, in order, when a variable is not named (emvb's own first, then common PPL spellings).
CANDIDATES = {"weights": ("pi1", "w", "weights", "pi", "theta", "p"),
              "means": ("mu", "means", "mus", "loc", "locs"),
              "sigma": ("sigma", "sigmas", "sd", "sds", "scale", "scales")}
#: Posterior attributes carried over to emvb's layout (they describe how it was sampled).
KEPT_ATTRS = ("data_sha256", "init", "start", "priors")
#: Relative difference up to which the two entries of a per-component sigma count as one shared sigma.
SHARED_RTOL = 1e-9


@dataclass(frozen=True)
class Names:
    """Variable names of the weights, means and sigma (None: detected)."""

    weights: str | None = None
    means: str | None = None
    sigma: str | None = None


@dataclass(frozen=True)
class Layout:
    """How a file stores the mixture: names, component dimensions (None for a scalar) and K."""

    weights: str
    means: str
    sigma: str
    weights_dim: str | None
    means_dim: str
    sigma_dim: str | None
    k: int
    free_weights: bool


#: emvb's own layout: ``pi1 (chain, draw)``, ``mu (chain, draw, component)``, ``sigma (chain, draw)``.
EMVB_NAMES = Names("pi1", "mu", "sigma")


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


def posterior_node(tree: xr.DataTree) -> xr.DataTree:
    return tree["posterior"] if "posterior" in tree.children else tree


def _name(post: xr.Dataset, given: str | None, what: str, where: str) -> str:
    for name in CANDIDATES[what] if given is None else (given,):
        if name in post.data_vars:
            return name
    found = ", ".join(sorted(map(str, post.data_vars))) or "none"
    which = (f"variable for the {what} (tried {', '.join(CANDIDATES[what])}; " if given is None
             else f"variable {given!r} for the {what} (")
    raise DataError(f"{where}: no {which}variables: {found}); name it with --{what}")


def _extra(var: xr.DataArray, what: str, where: str) -> str | None:
    """The one dimension besides (chain, draw), or None; a one-line refusal for anything else."""
    missing = [d for d in SAMPLE_DIMS if d not in var.dims]
    if missing:
        raise DataError(f"{where}: {what} {var.name!r} has no {' and '.join(missing)} dimension (dims {var.dims}); "
                        "expected (chain, draw[, component])")
    extra = [d for d in var.dims if d not in SAMPLE_DIMS]
    if len(extra) > 1:
        raise DataError(f"{where}: {what} {var.name!r} has more than one dimension besides (chain, draw): "
                        f"{dict(var.sizes)}")
    return extra[0] if extra else None


def layout(tree: xr.DataTree, names: Names = Names(), where: str = "posterior") -> Layout:
    """Find the variables and check their shapes (module note)."""
    post = posterior_node(tree).to_dataset()
    wn, mn, sn = (_name(post, g, what, where) for g, what in ((names.weights, "weights"), (names.means, "means"),
                                                               (names.sigma, "sigma")))
    m_dim = _extra(post[mn], "means", where)
    if m_dim is None or post.sizes[m_dim] < 2:
        raise DataError(f"{where}: means {mn!r} must have a component dimension of size K >= 2 "
                        f"(dims {dict(post[mn].sizes)})")
    k = int(post.sizes[m_dim])
    w_dim = _extra(post[wn], "weights", where)
    w_size = 1 if w_dim is None else int(post.sizes[w_dim])
    if w_size not in (k, k - 1):
        raise DataError(f"{where}: weights {wn!r} have {w_size} entries per draw; with {k} means expected {k} "
                        f"(all weights) or {k - 1} (the free ones)")
    s_dim = _extra(post[sn], "sigma", where)
    if s_dim is not None and post.sizes[s_dim] != k:
        raise DataError(f"{where}: sigma {sn!r} has {post.sizes[s_dim]} entries per draw; expected 1 (shared) or {k}")
    return Layout(wn, mn, sn, w_dim, m_dim, s_dim, k, w_size == k - 1)


def _values(var: xr.DataArray, dim: str | None, dtype=float) -> np.ndarray:
    return np.asarray(var.transpose(*SAMPLE_DIMS, *([dim] if dim else [])).values, dtype=dtype)


def _all_weights(var: xr.DataArray, lay: Layout, dtype=float) -> np.ndarray:
    """The K weights of every draw ``(chain, draw, K)``: the free ones completed by ``1 - sum``."""
    wv = _values(var, lay.weights_dim, dtype)
    wv = wv[..., None] if lay.weights_dim is None else wv
    return np.concatenate([wv, 1.0 - wv.sum(-1, keepdims=True)], axis=-1) if lay.free_weights else wv


def read_mixture(tree: xr.DataTree, names: Names = Names(), where: str = "posterior") -> tuple[MixDraws, Layout]:
    """The draws as :class:`MixDraws` and the file's :class:`Layout`; refuses impossible values."""
    lay = layout(tree, names, where)
    post = posterior_node(tree).to_dataset()
    mu = _values(post[lay.means], lay.means_dim)
    wv = _all_weights(post[lay.weights], lay)
    if not lay.free_weights and not np.allclose(wv.sum(-1), 1.0, rtol=0, atol=1e-6):
        raise DataError(f"{where}: weights {lay.weights!r} do not sum to 1 in every draw")
    sv = _values(post[lay.sigma], lay.sigma_dim)
    shared = lay.sigma_dim is None
    sv = np.broadcast_to(sv[..., None], mu.shape).copy() if shared else sv
    for what, a in (("weights", wv), ("means", mu), ("sigma", sv)):
        if not np.all(np.isfinite(a)):
            raise DataError(f"{where}: {what} have non-finite draws")
    if not np.all((wv > 0) & (wv < 1)) or not np.all(sv > 0):
        raise DataError(f"{where}: weights must lie in (0, 1) and sigma be > 0 in every draw")
    return MixDraws(wv, mu, sv, shared), lay


def two_component(draws: MixDraws) -> bool:
    """Two components with one sigma: shared in the file, or two entries equal to :data:`SHARED_RTOL`."""
    return draws.k == 2 and (draws.shared or bool(np.allclose(draws.sigma[..., 0], draws.sigma[..., 1],
                                                               rtol=SHARED_RTOL, atol=0)))


def standard_posterior(tree: xr.DataTree, draws: MixDraws) -> xr.DataTree:
    """The :func:`two_component` draws in emvb's layout: ``pi1 (chain, draw)``, ``mu (chain, draw,
    component=[1, 2])``, ``sigma (chain, draw)``, with the attributes of :data:`KEPT_ATTRS`."""
    post = posterior_node(tree).to_dataset()
    coords = {d: post[d].values for d in SAMPLE_DIMS if d in post.coords}
    ds = xr.Dataset({"pi1": (SAMPLE_DIMS, draws.w[..., 0]), "mu": ((*SAMPLE_DIMS, "component"), draws.mu),
                     "sigma": (SAMPLE_DIMS, draws.sigma[..., 0])}, coords=coords | {"component": [1, 2]})
    attrs = dict(tree.attrs) | dict(posterior_node(tree).attrs)
    ds.attrs = {k: attrs[k] for k in KEPT_ATTRS if k in attrs}
    out = xr.DataTree.from_dict({"posterior": ds})
    out.attrs = dict(ds.attrs)
    return out


def swap_perm(swapped) -> np.ndarray:
    """The two-component stage's ``(chain, draw)`` swaps as permutations ``(chain, draw, 2)``."""
    return np.where(np.asarray(swapped, bool)[..., None], [1, 0], [0, 1])


def _permute(var: xr.DataArray, dim: str, perm: np.ndarray) -> xr.DataArray:
    """``var`` with ``new[..., k] = old[..., perm[..., k]]`` along ``dim`` (its coordinates kept)."""
    rest = [d for d in var.dims if d not in (*SAMPLE_DIMS, dim)]
    t = var.transpose(*SAMPLE_DIMS, dim, *rest)
    index = perm.reshape(perm.shape + (1,) * len(rest))
    out = np.take_along_axis(t.values, np.broadcast_to(index, t.shape), axis=2)
    return t.copy(data=out).transpose(*var.dims)


def relabel_layout(tree: xr.DataTree, lay: Layout, perm, method: str) -> xr.DataTree:
    """A copy of the file's tree, its posterior relabelled by ``perm (chain, draw, K)``: the means and every
    variable with their component dimension, the weights (the free ones rewritten from the permuted full
    vector; a scalar K = 2 weight as the relabelled weight of component 1) and per-component sigmas (all in
    the file's own dtypes)."""
    out = tree.copy()
    node = posterior_node(out)
    post = node.to_dataset()
    perm = np.asarray(perm)
    new = post.copy()
    for name, var in post.data_vars.items():
        if lay.means_dim in var.dims and all(d in var.dims for d in SAMPLE_DIMS):
            new[name] = _permute(var, lay.means_dim, perm)
    if lay.sigma_dim is not None and lay.sigma_dim != lay.means_dim:
        new[lay.sigma] = _permute(post[lay.sigma], lay.sigma_dim, perm)
    w = post[lay.weights]
    if not lay.free_weights and lay.weights_dim != lay.means_dim:
        new[lay.weights] = _permute(w, lay.weights_dim, perm)
    elif lay.free_weights:
        kept = np.take_along_axis(_all_weights(w, lay, w.dtype), perm, axis=-1)[..., :-1]
        data = kept[..., 0] if lay.weights_dim is None else kept
        dims = SAMPLE_DIMS if lay.weights_dim is None else (*SAMPLE_DIMS, lay.weights_dim)
        new[lay.weights] = w.copy(data=xr.DataArray(data, dims=dims).transpose(*w.dims).values)
    new.attrs = dict(post.attrs) | {"relabelled_by": method}
    node.dataset = new
    return out
