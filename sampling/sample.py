"""Sampling the PyMC mixture model with NUTS (nutpie or PyMC's own) from chosen start points.

Start points: :mod:`sampling.starts`. With nutpie the chains are grouped by start point and each
group is sampled by its own ``nutpie.sample`` call from one compiled model (:mod:`sampling.nutpie_starts`),
the groups running at the same time as long as cores are free (:mod:`sampling.nutpie_groups`); the
groups are then joined along ``chain`` in the original chain order. So ``"prior"`` (one group per
chain) runs as many chains at once as ``"em"`` (one group). A Ctrl-C cancels every group
still running rather than being caught by nutpie.
``sampler="pymc"`` takes the per-chain start points directly (``pm.sample(initvals=[...])``).

**Mass matrix.** ``mass_matrix="dense"`` (the default) adapts a mass matrix that captures
correlations: nutpie's ``adaptation="low_rank"`` (low-rank plus diagonal), PyMC's
``init="adapt_full"``; ``"diag"`` is each sampler's usual diagonal adaptation. The model's
unconstrained coordinates (the weighted centre and log gap of ``mu``, logit ``pi1``, log ``sigma``;
docs/methods.md §7.4) are correlated along the posterior's ridge (the gap with sigma and the weight),
and a diagonal metric cannot follow that; benchmarks/sampler_speed.py measures the difference in ESS
per second. Both libraries label the dense variants experimental; the choice is recorded in the
``mass_matrix`` attribute, and ``"diag"`` remains available.

**Target acceptance and retry** (docs/methods.md §7.4). The first attempt adapts the step size to
``target_accept`` (default :data:`~sampling.options.DEFAULT_TARGET_ACCEPT`); while more than
:data:`~models.thresholds.MAX_DIVERGENT_SHARE` of the kept draws diverged, the run is repeated with
the same seed and starts at the next target of ``retry`` (default
:data:`~sampling.options.RETRY_TARGET_ACCEPT`), and the last attempt is returned. The attributes
record the final ``target_accept``, the ``retries``, every attempt (``attempts``) and the rule.

The returned ``xarray.DataTree`` has ``posterior``, ``sample_stats`` (all divergences and tree
depths kept, under both samplers' names ``diverging``, ``tree_depth``, ``reached_max_treedepth``)
and ``observed_data``; its root and ``posterior`` attributes record the data's sha256, the priors,
the model variant, likelihood, sampler, init, mass matrix, seed, the per-chain starts, and the
compile, sampling and wall times in seconds.

**Units.** The model's graph is that of the standardised data (:mod:`models.pymc_model`); starts go
in through :func:`_starts_in_graph_units` and :func:`in_data_units` maps the draws back
(``mu = c + k mu_s``, ``sigma = k sigma_s``), so the posterior, the starts and ``observed_data``
(the original ``x``, whose sha256 is recorded) are in the data's units; the ``standardisation``
attribute records ``c`` and ``k``. ``sample_stats``' ``logp``/``lp`` and ``energy`` are the
sampler's own, of the standardised parametrisation: a constant apart from those of the data's
units, which no diagnostic depends on.

**Data swap.** The compiled nutpie model is cached in the model (shared by every
:meth:`~models.pymc_model.MixtureModel.rebind`) and always given this model's container values
through nutpie's public ``with_data`` (in :func:`_sample_nutpie`), so a rebound model samples
without a compile.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pymc as pm
import xarray as xr

from ..files.interrupt import interrupts_stop
from ..models.errors import SettingError, check_choice
from ..models.machine import available_cores
from ..models.names import OBSERVED
from ..models.params import MixtureParams
from ..models.pymc_model import X_STD, MixtureModel
from ..models.scaling import Scaling
from ..models.thresholds import MAX_DIVERGENT_SHARE
from .known_warnings import silenced
from .nutpie_groups import sample_groups
from .nutpie_starts import compiled_per_group
from .options import (
    DEFAULT_INIT,
    DEFAULT_MASS_MATRIX,
    DEFAULT_SAMPLER,
    DEFAULT_TARGET_ACCEPT,
    INITS,
    MASS_MATRICES,
    RETRY_TARGET_ACCEPT,
    SAMPLERS,
)
from .starts import chain_starts, crude_start


def _check_args(model, chains, draws, tune, sampler, init, seed, target_accept, mass_matrix, cores) -> None:
    if not isinstance(model, MixtureModel):
        raise SettingError("sample() takes the MixtureModel that models.pymc_model.build_model returns")
    for name, value, allowed in (("mass_matrix", mass_matrix, MASS_MATRICES), ("sampler", sampler, SAMPLERS),
                                 ("init", init, INITS)):
        check_choice(name, value, allowed)
    if sampler == "nutpie" and isinstance(tune, int | np.integer) and tune == 0:  # nutpie panics without warm-up
        raise SettingError("tune 0: nutpie needs at least 1 warm-up step (its adaptation panics without one); "
                           "give tune >= 1 or use the pymc sampler")
    for name, v, low in (("chains", chains, 1), ("draws", draws, 1), ("tune", tune, 0), ("seed", seed, 0)):
        if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < low:
            raise SettingError(f"{name} must be a whole number >= {low}, got {v!r}")
    if not 0.0 < target_accept < 1.0:
        raise SettingError(f"target_accept must be in (0, 1), got {target_accept!r}")
    if cores is not None and (not isinstance(cores, int | np.integer) or isinstance(cores, bool) or cores < 1):
        raise SettingError(f"cores must be None or a whole number >= 1, got {cores!r}")


def _n_cores(chains: int, cores: int | None = None) -> int:
    """Chains run at once: at most ``cores`` (default :func:`available_cores`)."""
    return max(1, min(chains, available_cores() if cores is None else int(cores)))


def sample(model: MixtureModel, *, chains: int = 4, draws: int = 1000, tune: int = 1000, seed: int,
           sampler: str = DEFAULT_SAMPLER, init: str = DEFAULT_INIT, start: MixtureParams | None = None,
           progressbar: bool = False, target_accept: float = DEFAULT_TARGET_ACCEPT,
           mass_matrix: str = DEFAULT_MASS_MATRIX, cores: int | None = None,
           retry: tuple[float, ...] = RETRY_TARGET_ACCEPT) -> xr.DataTree:
    """Sample the posterior of a model from :func:`models.pymc_model.build_model` with NUTS.

    Parameters
    ----------
    model : :class:`~models.pymc_model.MixtureModel` from ``build_model``
    chains, draws, tune : chains, kept draws per chain, warm-up steps per chain (always explicit:
        PyMC's defaults depend on the sampler and the number of cores)
    seed : seeds the sampler (and the prior start points)
    sampler : ``"nutpie"`` (default) or ``"pymc"``
    init : ``"prior"`` (default), ``"dispersed"`` or ``"em"`` (:mod:`sampling.starts`)
    start : the EM estimate; None uses :func:`~sampling.starts.crude_start`
    target_accept : NUTS step-size adaptation target of the first attempt
    mass_matrix : ``"dense"`` (default) or ``"diag"`` mass-matrix adaptation (module note)
    cores : at most this many chains at once (nutpie threads, PyMC processes; the draws do not depend on
        it); None (default): :func:`available_cores`. ``1`` runs the chains one after another on one core.
    retry : the targets to sample at again, in turn, while more than ``MAX_DIVERGENT_SHARE`` of the kept
        draws diverged (those above ``target_accept``; default :data:`sampling.options.RETRY_TARGET_ACCEPT`,
        ``()`` never retries). Every attempt has the same seed and starts; the last one is returned.

    Returns
    -------
    xarray.DataTree
        ``posterior`` (``pi1``, ``mu`` (chain, draw, component), ``sigma``), ``sample_stats``,
        ``observed_data``; attributes as in the module note. Divergences are counted in
        the ``n_divergent`` attribute and never dropped; ``target_accept`` is the target the returned
        draws were sampled at, ``retries`` the attempts before it and ``attempts`` (JSON) each
        attempt's target, divergences and sampling seconds (``sampling_time`` is their sum).

    Raises
    ------
    SettingError
        Unknown sampler, init or mass matrix; counts out of range; a model not from ``build_model``.
    """
    _check_args(model, chains, draws, tune, sampler, init, seed, target_accept, mass_matrix, cores)
    for t in retry:
        if not 0.0 < t < 1.0:
            raise SettingError(f"retry targets must be in (0, 1), got {t!r}")
    spec = model.spec
    if start is None:  # crude_start on the standardised data (no overflow), in data units
        start = model.scaling.params_from_std(crude_start(model.values[X_STD]))
    starts = chain_starts(chains=chains, init=init, ordered=spec.ordered, start=start,
                          priors=spec.priors, seed=seed)
    wall0 = time.perf_counter()
    run = _sample_pymc if sampler == "pymc" else _sample_nutpie
    ladder = [float(target_accept), *sorted(float(t) for t in set(retry) if t > target_accept)]
    attempts, compile_time = [], 0.0
    with interrupts_stop():  # both samplers catch Ctrl-C and return truncated chains: make it stop the run
        for ta in ladder:
            dt, seconds, compiling = run(model, _starts_in_graph_units(starts, model.scaling), draws,
                                         tune, seed, progressbar, ta, mass_matrix, cores)
            compile_time += compiling
            n_div = int(np.asarray(dt["sample_stats"]["diverging"].values).sum())
            attempts.append({"target_accept": ta, "n_divergent": n_div, "sampling_time": float(seconds)})
            if n_div <= MAX_DIVERGENT_SHARE * chains * draws:
                break
    sampling_time = sum(a["sampling_time"] for a in attempts)
    wall = time.perf_counter() - wall0
    if sampler == "pymc":
        compile_time = wall - sampling_time  # PyMC compiles inside pm.sample: wall minus sampling
    dt = in_data_units(dt, model)
    ss = _netcdf_safe(_common_stat_names(dt["sample_stats"].to_dataset()))
    dt["sample_stats"] = ss
    attrs = spec.attrs() | {
        "sampler": sampler, "init": init, "seed": int(seed), "chains": int(chains), "draws": int(draws),
        "tune": int(tune), "target_accept": attempts[-1]["target_accept"], "mass_matrix": mass_matrix,
        "retries": len(attempts) - 1, "attempts": json.dumps(attempts),
        "retry_rule": json.dumps({"first": float(target_accept), "retry": ladder[1:],
                                  "max_divergent_share": MAX_DIVERGENT_SHARE}),
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


def _sample_pymc(model, starts, draws, tune, seed, progressbar, target_accept, mass_matrix, cores):
    with silenced("full_adapt_experimental", "fork_with_threads"):
        init = "adapt_full" if mass_matrix == "dense" else "adapt_diag"  # no jitter (sampling.starts)
        dt = pm.sample(draws=draws, tune=tune, chains=len(starts), cores=_n_cores(len(starts), cores),
                       random_seed=int(seed), initvals=starts, init=init, nuts_sampler="pymc",
                       progressbar=progressbar, quiet=True, compute_convergence_checks=False,
                       nuts={"target_accept": target_accept}, model=model.pymc)
    return dt, float(dt["posterior"].attrs["sampling_time"]), 0.0


def _group_seed(seed: int, g: int, n_groups: int) -> int:
    return int(seed) if n_groups == 1 else int(np.random.SeedSequence([int(seed), g]).generate_state(1)[0])


def _start_groups(starts: list[dict]) -> list[list[int]]:
    """Chain indices grouped by identical start point, in order of first appearance."""
    groups: dict[str, list[int]] = {}
    for c, s in enumerate(starts):
        groups.setdefault(json.dumps({k: np.asarray(v).tolist() for k, v in s.items()}), []).append(c)
    return list(groups.values())


def _sample_nutpie(model, starts, draws, tune, seed, progressbar, target_accept, mass_matrix, cores):
    import nutpie

    groups = _start_groups(starts)
    compiled, compile_time = compiled_per_group(model, [starts[g[0]] for g in groups])
    # Each compiled model with this model's container values: whichever model of the graph compiled it,
    # it now samples this model's data.
    compiled = [cm.with_data(**model.values) for cm in compiled]
    traces, sampling_time = sample_groups(
        compiled, [len(g) for g in groups], [_group_seed(seed, g, len(groups)) for g in range(len(groups))],
        cores=available_cores() if cores is None else int(cores), draws=draws, tune=tune,
        progress_bar=progressbar, save_warmup=False, target_accept=target_accept,
        adaptation="low_rank" if mass_matrix == "dense" else "diag")
    posts = [tr["posterior"].to_dataset().assign_coords(chain=ids) for tr, ids in zip(traces, groups, strict=True)]
    stats = [tr["sample_stats"].to_dataset().assign_coords(chain=ids) for tr, ids in zip(traces, groups, strict=True)]
    # Every option explicit: xarray's defaults are changing (FutureWarning); groups share all but the chain.
    join = dict(dim="chain", data_vars="all", coords="minimal", compat="override", join="exact")
    post = xr.concat(posts, **join).sortby("chain")
    ss = xr.concat(stats, **join).sortby("chain")
    post.attrs = dict(posts[0].attrs) | {"inference_library": "nutpie", "inference_library_version":
                                         nutpie.__version__}
    ss.attrs = dict(stats[0].attrs)
    return xr.DataTree.from_dict({"posterior": post, "sample_stats": ss}), sampling_time, compile_time


# -- standardisation and data swap (the graph is that of the standardised data) ----------------------


def _starts_in_graph_units(starts: list[dict], sc: Scaling) -> list[dict]:
    """Start points in the data's units -> the graph's (standardised) ``mu`` and ``sigma``."""
    return [s | {"mu": sc.standardize(np.asarray(s["mu"], dtype=float)),
                 "sigma": np.float64(float(s["sigma"]) / sc.scale)} for s in starts]


def in_data_units(dt: xr.DataTree, model: MixtureModel) -> xr.DataTree:
    """A posterior sampled from ``model``'s standardised graph, in the data's units.

    ``mu = c + k mu_s`` and ``sigma = k sigma_s`` in ``posterior`` (``pi1`` is unchanged);
    ``observed_data`` becomes the original data; the containers' ``constant_data`` (PyMC's sampler
    writes it) is dropped: the priors are recorded in the data's units in the attributes.
    """
    sc, x = model.scaling, model.observed
    post = dt["posterior"].to_dataset()
    post["mu"] = post["mu"].copy(data=sc.unstandardize(post["mu"].values))
    post["sigma"] = post["sigma"].copy(data=sc.scale * post["sigma"].values)
    groups = {name: dt[name].to_dataset() for name in dt.children if name not in ("posterior", "constant_data",
                                                                                   "observed_data")}
    obs = xr.Dataset({OBSERVED: ("obs", x)}, coords={"obs": np.arange(x.size)})
    out = xr.DataTree.from_dict({"posterior": post, **groups, "observed_data": obs})
    out.attrs = dict(dt.attrs)
    return out


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
