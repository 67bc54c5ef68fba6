"""Sampling the PyMC mixture model (nutpie or PyMC's NUTS) from chosen start points, and its MAP.

Start points (``init``):

- ``"em"``: every chain starts at the given estimate (normally EM's; ``start``).
- ``"dispersed"``: for the **unordered** model, chains 0, 2, 4, ... start at ``start`` and chains
  1, 3, 5, ... at its label swap ``start.swapped()``, so label switching between chains is shown
  every time (the teaching point of METHODS §4). The **ordered** model does not allow the swapped
  labelling (``mu1 < mu2``), so all its chains start at ``start.ordered()``.
- ``"prior"``: chain ``c`` starts at an independent draw from the prior (seeded by ``seed``; sorted
  ``mu`` for the ordered model). Needs proper priors.

``start=None`` falls back to :func:`crude_start` (a median split); models must not import the EM
package, so callers pass the EM estimate.

Start points are exact (no jitter: nutpie ``jitter_rvs=set()``, PyMC ``init="adapt_*"`` without
``jitter+``): PyMC's default U(-1, 1) jitter on the unconstrained scale is
not scale-free and could move a chain of ``"dispersed"`` into the other labelling for data on a
scale of about 1.

**nutpie and per-chain starts.** nutpie takes one initial point per compiled model
(``nutpie.compile_pymc_model(initial_points=...)``; ``pm.sample`` refuses per-chain ``initvals``
with nutpie). So the chains are grouped by start point and each group is sampled by its own
``nutpie.sample`` call from the same compiled model with that group's start (see
:func:`_with_start`), one group after the other, each group running its chains in parallel; the
groups are then joined along ``chain`` in the original chain order. With 4 chains on 2 cores,
``"dispersed"`` (2 groups of 2) loses no parallelism; ``"prior"`` (one group per chain) runs one
chain at a time. The compiled model is kept on the model object: a second ``sample`` of the same
model skips the compile (``compile_time`` 0). ``sampler="pymc"`` takes the per-chain start points
directly (``pm.sample(initvals=[...])``).

**Mass matrix.** ``mass_matrix="dense"`` (the default) adapts a mass matrix that captures
correlations: nutpie's ``adaptation="low_rank"`` (low-rank plus diagonal), PyMC's
``init="adapt_full"``; ``"diag"`` is each sampler's usual diagonal adaptation. The ordered transform
samples ``(mu1, log(mu2 - mu1))``, which are strongly correlated (mu2 is pinned down by the larger
component, so a higher mu1 means a smaller log-difference), and a diagonal metric cannot follow
that: on the default scenario (ordered model, 4 x 1000 draws) the bulk ESS of mu1 was about 1700
with nutpie's diagonal adaptation and about 7400 with low-rank, which also took fewer leapfrog
steps per draw (3.0 vs 5.0): 8.1x the ESS per second (3164 vs 389 with the closed form; PyMC's
sampler 2.9x; benchmarks/sampler_speed.py, 2 repeats on 2 shared cores). Both
libraries label the dense variants experimental; the choice is recorded in the ``mass_matrix``
attribute, and ``"diag"`` remains available.

The returned ``xarray.DataTree`` has ``posterior``, ``sample_stats`` (all divergences and tree
depths kept, under both samplers' names ``diverging``, ``tree_depth``, ``reached_max_treedepth``)
and ``observed_data``; its root and ``posterior`` attributes record the data's sha256, the priors,
the model variant, likelihood, sampler, init, mass matrix, seed, the per-chain starts, and the
compile, sampling and wall times in seconds.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pymc as pm
import xarray as xr

from .data import Dataset
from .errors import ParamError
from .params import MixtureParams
from .pymc_model import OBSERVED, Priors, build_model, model_spec, resolve_priors

SAMPLERS = ("nutpie", "pymc")
INITS = ("dispersed", "em", "prior")
#: Mass-matrix adaptation: "dense" (nutpie ``adaptation="low_rank"``, PyMC ``init="adapt_full"``)
#: or "diag" (nutpie's default ``"diag"``, PyMC ``init="adapt_diag"``).
MASS_MATRICES = ("dense", "diag")


def crude_start(x) -> MixtureParams:
    """A start point from a median split: ``pi1 = 1/2``, the two halves' means, pooled within-half sd.

    Only a fallback when no EM estimate is given; NUTS warm-up moves away from it quickly.
    """
    x = np.sort(np.asarray(x, dtype=float))
    lo, hi = x[: x.size // 2], x[x.size // 2:]
    sd = np.sqrt((np.sum((lo - lo.mean()) ** 2) + np.sum((hi - hi.mean()) ** 2)) / x.size)
    return MixtureParams(0.5, float(lo.mean()), float(hi.mean()), float(max(sd, 1e-3 * np.std(x))))


def _point(p: MixtureParams) -> dict[str, np.ndarray]:
    """``MixtureParams`` -> PyMC initial values (untransformed, keyed by variable name)."""
    return {"pi1": np.float64(p.pi1), "mu": np.array([p.mu1, p.mu2]), "sigma": np.float64(p.sigma)}


def chain_starts(*, chains: int, init: str, ordered: bool, start: MixtureParams, priors: Priors,
                 seed: int) -> list[dict[str, np.ndarray]]:
    """One start point per chain (see the module docstring for the rules)."""
    if init == "em":
        p = start.ordered() if ordered else start
        return [_point(p) for _ in range(chains)]
    if init == "dispersed":
        if ordered:
            return [_point(start.ordered()) for _ in range(chains)]
        return [_point(start if c % 2 == 0 else start.swapped()) for c in range(chains)]
    # "prior": its own stream, so the starts do not depend on the sampler's use of `seed`.
    rng = np.random.default_rng([int(seed), 0x5EED])
    return [priors.draw(rng, ordered=ordered) for _ in range(chains)]


def _check_args(chains, draws, tune, sampler, init, seed, target_accept, mass_matrix) -> None:
    if mass_matrix not in MASS_MATRICES:
        raise ParamError(f"unknown mass_matrix {mass_matrix!r}; choose one of {', '.join(MASS_MATRICES)}")
    if sampler not in SAMPLERS:
        raise ParamError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
    if init not in INITS:
        raise ParamError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
    for name, v, low in (("chains", chains, 1), ("draws", draws, 1), ("tune", tune, 0), ("seed", seed, 0)):
        if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < low:
            raise ParamError(f"{name} must be a whole number >= {low}, got {v!r}")
    if not 0.0 < target_accept < 1.0:
        raise ParamError(f"target_accept must be in (0, 1), got {target_accept!r}")


def _observed(model: pm.Model) -> np.ndarray:
    return np.asarray(model.rvs_to_values[model[OBSERVED]].data)


def _n_cores(chains: int) -> int:
    return max(1, min(chains, len(os.sched_getaffinity(0))))


def sample(model: pm.Model, *, chains: int = 4, draws: int = 1000, tune: int = 1000, seed: int,
           sampler: str = "nutpie", init: str = "dispersed", start: MixtureParams | None = None,
           progressbar: bool = False, target_accept: float = 0.8, mass_matrix: str = "dense") -> xr.DataTree:
    """Sample the posterior of a model from :func:`models.pymc_model.build_model` with NUTS.

    Parameters
    ----------
    model : from :func:`~models.pymc_model.build_model`
    chains, draws, tune : chains, kept draws per chain, warm-up steps per chain (always explicit:
        PyMC's defaults depend on the sampler and the number of cores, API crib §0)
    seed : seeds the sampler (and the prior start points)
    sampler : ``"nutpie"`` (default) or ``"pymc"``; on the default scenario nutpie gave 3.7x the
        ESS per second (closed form, dense mass matrix; benchmarks/sampler_speed.py)
    init : ``"dispersed"``, ``"em"`` or ``"prior"`` (module docstring)
    start : the EM estimate; None uses :func:`crude_start`
    target_accept : NUTS step-size adaptation target
    mass_matrix : ``"dense"`` (default) or ``"diag"`` mass-matrix adaptation (module docstring)

    Returns
    -------
    xarray.DataTree
        ``posterior`` (``pi1``, ``mu`` (chain, draw, component), ``sigma``), ``sample_stats``,
        ``observed_data``; attributes as in the module docstring. Divergences are counted in
        the ``n_divergent`` attribute and never dropped.
    """
    _check_args(chains, draws, tune, sampler, init, seed, target_accept, mass_matrix)
    spec = model_spec(model)
    x = _observed(model)
    start = crude_start(x) if start is None else start
    starts = chain_starts(chains=chains, init=init, ordered=spec.ordered, start=start,
                          priors=spec.priors, seed=seed)
    wall0 = time.perf_counter()
    if sampler == "pymc":
        dt, sampling_time = _sample_pymc(model, starts, draws, tune, seed, progressbar, target_accept,
                                         mass_matrix)
        wall = time.perf_counter() - wall0
        compile_time = wall - sampling_time  # PyMC compiles inside pm.sample: wall minus sampling
    else:
        dt, sampling_time, compile_time = _sample_nutpie(model, starts, draws, tune, seed, progressbar,
                                                         target_accept, mass_matrix)
        wall = time.perf_counter() - wall0
        dt["observed_data"] = xr.Dataset({OBSERVED: ("obs", x)}, coords={"obs": np.arange(x.size)})
    ss = dt["sample_stats"].to_dataset()
    ss = _netcdf_safe(_common_stat_names(ss))
    dt["sample_stats"] = ss
    attrs = spec.attrs() | {
        "sampler": sampler, "init": init, "seed": int(seed), "chains": int(chains), "draws": int(draws),
        "tune": int(tune), "target_accept": float(target_accept), "mass_matrix": mass_matrix,
        "start": json.dumps([{k: np.asarray(v).tolist() for k, v in s.items()} for s in starts]),
        "start_estimate": json.dumps(start.to_dict()),
        "sampling_time": float(sampling_time), "compile_time": float(compile_time), "wall_time": float(wall),
        "n_divergent": int(ss["diverging"].sum()),
        "n_max_treedepth": int(ss["reached_max_treedepth"].sum()),
        "pymc_version": pm.__version__,
    }
    dt.attrs = dict(attrs)
    dt["posterior"].attrs = dict(dt["posterior"].attrs) | attrs
    return dt


def _sample_pymc(model, starts, draws, tune, seed, progressbar, target_accept, mass_matrix):
    with warnings.catch_warnings():
        # PyMC flags dense adaptation as "experimental" on every run; the choice is deliberate
        # (module docstring, benchmarks/sampler_speed.py) and recorded in the `mass_matrix` attribute.
        warnings.filterwarnings("ignore", message="QuadPotentialFullAdapt is an experimental feature",
                                category=UserWarning)
        # Harmless PyMC-sampler noise seen on every run (API crib §0); forked workers inherit it.
        warnings.filterwarnings("ignore", message="overflow encountered", category=RuntimeWarning)
        # Python 3.12 warns when forking a process that has threads (numba's, or nutpie's from an
        # earlier call); PyMC's Linux workers are forked by design and only run the sampler.
        warnings.filterwarnings("ignore", message=r"This process .* is multi-threaded, use of fork\(\)",
                                category=DeprecationWarning)
        init = "adapt_full" if mass_matrix == "dense" else "adapt_diag"  # no jitter (module docstring)
        dt = pm.sample(draws=draws, tune=tune, chains=len(starts), cores=_n_cores(len(starts)),
                       random_seed=int(seed), initvals=starts, init=init, nuts_sampler="pymc",
                       progressbar=progressbar, quiet=True, compute_convergence_checks=False,
                       nuts={"target_accept": target_accept}, model=model)
    return dt, float(dt["posterior"].attrs["sampling_time"])


def _group_seed(seed: int, g: int, n_groups: int) -> int:
    return int(seed) if n_groups == 1 else int(np.random.SeedSequence([int(seed), g]).generate_state(1)[0])


def _nutpie_model(model: pm.Model, start: dict):
    """The model compiled by nutpie, once per model object (returns it and the seconds spent).

    nutpie compiles its numba callbacks anew on every ``compile_pymc_model`` call (about 3 s on
    2 cores even when PyTensor's cache is warm), so the compiled model is kept on the model object
    and reused by later calls; the start point is set per call by :func:`_with_start`.
    """
    import nutpie

    cm = getattr(model, "_emvb_nutpie", None)
    if cm is not None:
        return cm, 0.0
    t0 = time.perf_counter()
    cm = nutpie.compile_pymc_model(model, initial_points=start, jitter_rvs=set())
    model._emvb_nutpie = cm
    return cm, time.perf_counter() - t0


def _with_start(cm, model: pm.Model, start: dict):
    """``cm`` starting every chain exactly at ``start`` (untransformed values).

    nutpie's compiled model is a frozen dataclass whose ``initial_point_func(seed)`` returns the
    flat unconstrained start: the value variables of ``model.free_RVs``, in that order, raveled
    (nutpie's ``_make_functions``). We replace it the way nutpie's own ``with_data`` replaces
    fields, instead of recompiling for every start point.
    """
    import dataclasses

    from pymc.initial_point import make_initial_point_fn

    point = make_initial_point_fn(model=model, overrides=start, jitter_rvs=set(), return_transformed=True)(0)
    flat = np.concatenate([np.ravel(point[model.rvs_to_values[rv].name]) for rv in model.free_RVs])
    flat = np.ascontiguousarray(flat, dtype=np.float64)
    if flat.size != cm.n_dim or not np.all(np.isfinite(flat)):
        raise ParamError(f"start point {start} is outside the model's support (transformed: {flat})")
    return dataclasses.replace(cm, initial_point_func=lambda seed=None: flat.copy())


def _sample_nutpie(model, starts, draws, tune, seed, progressbar, target_accept, mass_matrix):
    import nutpie

    groups: dict[str, list[int]] = {}
    for c, s in enumerate(starts):
        groups.setdefault(json.dumps({k: np.asarray(v).tolist() for k, v in s.items()}), []).append(c)
    posts, stats = [], []
    cm, compile_time = _nutpie_model(model, starts[0])
    sampling_time = 0.0
    for g, chain_ids in enumerate(groups.values()):
        cm_g = _with_start(cm, model, starts[chain_ids[0]])
        t1 = time.perf_counter()
        tr = nutpie.sample(cm_g, draws=draws, tune=tune, chains=len(chain_ids),
                           cores=_n_cores(len(chain_ids)),
                           seed=_group_seed(seed, g, len(groups)), progress_bar=progressbar,
                           save_warmup=False, target_accept=target_accept,
                           adaptation="low_rank" if mass_matrix == "dense" else "diag")
        sampling_time += time.perf_counter() - t1
        posts.append(tr["posterior"].to_dataset().assign_coords(chain=chain_ids))
        stats.append(tr["sample_stats"].to_dataset().assign_coords(chain=chain_ids))
    post = xr.concat(posts, dim="chain").sortby("chain")
    ss = xr.concat(stats, dim="chain").sortby("chain")
    post.attrs = dict(posts[0].attrs) | {"inference_library": "nutpie", "inference_library_version":
                                         nutpie.__version__}
    ss.attrs = dict(stats[0].attrs)
    return xr.DataTree.from_dict({"posterior": post, "sample_stats": ss}), sampling_time, compile_time


def _common_stat_names(ss: xr.Dataset) -> xr.Dataset:
    """Give nutpie's stats PyMC's names too (``tree_depth``, ``reached_max_treedepth``)."""
    if "tree_depth" not in ss and "depth" in ss:
        ss["tree_depth"] = ss["depth"]
    if "reached_max_treedepth" not in ss and "maxdepth_reached" in ss:
        ss["reached_max_treedepth"] = ss["maxdepth_reached"]
    return ss


def _netcdf_safe(ds: xr.Dataset) -> xr.Dataset:
    """Object arrays (nutpie's ``divergence_message``, None when no divergence) -> strings."""
    for name, da in ds.data_vars.items():
        if da.dtype == object:
            as_str = np.vectorize(lambda v: "" if v is None else str(v), otypes=[str])
            ds[name] = da.copy(data=as_str(da.values))
    return ds


# -- MAP ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapResult:
    """The posterior mode and what produced it.

    Attributes
    ----------
    params : the MAP, labelled as the model labels it (``mu1 < mu2`` for the ordered model)
    logp : log posterior density at the MAP without the transforms' Jacobians (the density of
        ``(pi1, mu1, mu2, sigma)`` itself, so with flat priors it is the log-likelihood)
    newton_decrement : ``sqrt(g' (-H)^{-1} g)`` at the returned point (gradient g, Hessian H of
        that log density on the unconstrained scale): the distance to the exact mode in standard
        errors, to first order; ``newton_decrement**2 / 2`` is the log density still to gain
    priors : the priors used
    ordered : which model variant
    """

    params: MixtureParams
    logp: float
    newton_decrement: float
    priors: Priors
    ordered: bool


def find_map(data, priors: Priors | str = "flat", *, ordered: bool = True,
             start: MixtureParams | None = None, likelihood: str | None = None) -> MixtureParams:
    """The posterior mode of ``(pi1, mu1, mu2, sigma)``; with ``priors="flat"`` it is the MLE.

    See :func:`find_map_result`; this returns only its ``params``.
    """
    return find_map_result(data, priors, ordered=ordered, start=start, likelihood=likelihood).params


def find_map_result(data, priors: Priors | str = "flat", *, ordered: bool = True,
                    start: MixtureParams | None = None, likelihood: str | None = None) -> MapResult:
    """Maximise ``log p(x | theta) + log p(theta)`` over ``theta = (pi1, mu1, mu2, sigma)``.

    ``pm.find_MAP`` maximises the density without the Jacobians of the transforms
    (``model.logp(jacobian=False)``), i.e. the density of the constrained parameters, so under flat
    priors its maximiser is the maximum-likelihood estimate (METHODS §5). It runs L-BFGS-B on the
    unconstrained scale with ``ftol=1e-15, gtol=1e-10``: with scipy's default ``ftol`` (2.2e-9
    relative) and a log-likelihood of order -1e4 the stopping rule would leave about 1e-4 in the
    parameters. With these tolerances the optimiser runs into the floating-point floor of the
    objective (changes below ``eps |logp|`` are invisible), where scipy sometimes ends with an
    "ABNORMAL" line search and PyMC warns that it did not converge. So convergence is judged here
    instead, by the Newton decrement ``lambda = sqrt(g' (-H)^{-1} g)`` (exact gradient; Hessian by
    central differences of it, accurate to ~1e-6 relative, plenty for a convergence measure;
    PyMC's symbolic Hessian took about a minute to compile):
    ``lambda`` is the remaining distance to the mode in standard errors. It must be below
    ``max(1e-5, 10 sqrt(eps |logp|))`` (the floor itself is ``sqrt(eps |logp|)``, about 1e-6 at
    N = 1000), else a ``UserWarning`` says how far off the result may be.

    Parameters
    ----------
    data : array or :class:`models.Dataset`
    priors : ``"flat"`` (default), ``"default"`` or a :class:`Priors`
    ordered : ordered model (``mu1 < mu2``) or unordered
    start : where the optimiser starts (e.g. the EM estimate); None uses :func:`crude_start`
    likelihood : ``"closed"`` or ``"mixture"`` (default: the model's default)
    """
    x = data.values if isinstance(data, Dataset) else np.asarray(data, dtype=float)
    pri = resolve_priors(priors, x)
    kw = {} if likelihood is None else {"likelihood": likelihood}
    model = build_model(data, priors=pri, ordered=ordered, **kw)
    p0 = crude_start(x) if start is None else start
    p0 = p0.ordered() if ordered else p0
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The optimizer did not converge", category=UserWarning)
        dt = pm.find_MAP(method="L-BFGS-B", initvals=_point(p0), return_inferencedata=True, jitter=False,
                         progressbar=False, model=model,
                         options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10_000},
                         idata_kwargs={"include_transformed": True})
    post = dt["posterior"]
    mu = np.asarray(post["mu"].values).reshape(-1)
    params = MixtureParams(float(post["pi1"].values.squeeze()), float(mu[0]), float(mu[1]),
                           float(post["sigma"].values.squeeze()))
    ip = model.initial_point()
    point = {vv.name: np.asarray(post[vv.name].values).reshape(np.shape(ip[vv.name]))
             for vv in model.value_vars}
    logp = float(model.compile_logp(jacobian=False)(point))
    g, H = _gradient_and_hessian(model, point)
    try:
        decrement = float(np.sqrt(max(g @ np.linalg.solve(-H, g), 0.0)))
    except np.linalg.LinAlgError:
        decrement = float("inf")
    tol = max(1e-5, 10.0 * np.sqrt(np.finfo(float).eps * abs(logp)))
    if not decrement <= tol:
        warnings.warn(f"find_map: stopped {decrement:.2g} standard errors from the mode (Newton decrement; "
                      f"tolerance {tol:.2g}): {params}", UserWarning, stacklevel=2)
    return MapResult(params, logp, decrement, pri, bool(ordered))


def _gradient_and_hessian(model: pm.Model, point: dict) -> tuple[np.ndarray, np.ndarray]:
    """Gradient (exact) and Hessian (central differences of the gradient, symmetrised) of
    ``model.logp(jacobian=False)`` at ``point``, over the value variables in ``model.value_vars`` order."""
    dlogp = model.compile_dlogp(jacobian=False)
    names = [vv.name for vv in model.value_vars]
    shapes = [np.shape(point[n]) for n in names]
    sizes = [int(np.prod(s)) for s in shapes]
    flat = np.concatenate([np.ravel(point[n]) for n in names]).astype(float)

    def grad(v):
        parts = np.split(v, np.cumsum(sizes)[:-1])
        return np.asarray(dlogp({n: p.reshape(s) for n, p, s in zip(names, parts, shapes, strict=True)}))

    g = grad(flat)
    H = np.empty((flat.size, flat.size))
    for i in range(flat.size):
        # Step ~ cube root of eps times the scale: balances truncation and rounding error.
        h = 6e-6 * max(1.0, abs(flat[i]))
        e = np.zeros_like(flat)
        e[i] = h
        H[:, i] = (grad(flat + e) - grad(flat - e)) / (2 * h)
    return g, 0.5 * (H + H.T)
