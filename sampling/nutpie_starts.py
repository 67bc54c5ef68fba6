"""nutpie with per-chain start points: the one place emvb leans on nutpie's internals.

nutpie takes one initial point per compiled model (the public ``nutpie.compile_pymc_model(model,
initial_points=...)``; ``pm.sample`` refuses per-chain ``initvals`` with nutpie), and compiling
costs seconds. So the model is compiled once, through the public call, with the first start
group's point, and the other groups get a copy of the compiled model whose ``initial_point_func``
field returns their own point: ``dataclasses.replace``, the way nutpie's own ``with_data`` replaces
fields.

That relies on two facts about nutpie's compiled model that are not public API: it is a dataclass
with a field ``initial_point_func(seed) -> flat array``, and the flat layout is the value variables
of ``model.free_RVs`` in that order, raveled. Both are checked at run time, on every compile:
nutpie's own initial point (made by nutpie from the first group's point) must equal our flattening
of that point. If the check fails, every start group is compiled through the public call instead
(slower, same result) and a :class:`NutpieFallbackWarning` says so.
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import numpy as np

from ..models.errors import ParamError

#: Cache key of the compiled model in :attr:`models.pymc_model.MixtureModel.compiled`.
CACHE_KEY = "nutpie"
FIELD = "initial_point_func"


class NutpieFallbackWarning(UserWarning):
    """nutpie's compiled model no longer has the layout emvb relies on; each start is compiled separately."""


def flatten_start(model, start: dict) -> np.ndarray:
    """``start`` (untransformed values by name) as the flat unconstrained vector nutpie samples in:
    the value variables of ``model.free_RVs``, in that order, raveled."""
    from pymc.initial_point import make_initial_point_fn

    point = make_initial_point_fn(model=model, overrides=start, jitter_rvs=set(), return_transformed=True)(0)
    flat = np.concatenate([np.ravel(point[model.rvs_to_values[rv].name]) for rv in model.free_RVs])
    flat = np.ascontiguousarray(flat, dtype=np.float64)
    if not np.all(np.isfinite(flat)):
        raise ParamError(f"start point {start} is outside the model's support (transformed: {flat})")
    return flat


def _compile(model, start: dict):
    import nutpie

    return nutpie.compile_pymc_model(model, initial_points=start, jitter_rvs=set())


def layout_matches(cm, model, start: dict) -> bool:
    """Whether ``cm`` (compiled with ``start``) is a dataclass whose ``initial_point_func`` gives
    exactly our flattening of ``start``: then replacing that field moves the start point."""
    if not dataclasses.is_dataclass(cm) or FIELD not in {f.name for f in dataclasses.fields(cm)}:
        return False
    try:
        theirs = np.asarray(getattr(cm, FIELD)(0), dtype=float)
    except Exception:  # any failure of nutpie's own function means the layout is not what we know
        return False
    ours = flatten_start(model, start)
    return theirs.shape == ours.shape and bool(np.allclose(theirs, ours, rtol=1e-12, atol=0.0))


def _with_start(cm, flat: np.ndarray):
    return dataclasses.replace(cm, **{FIELD: lambda seed=None: flat.copy()})


def compiled_per_group(mixture_model, group_starts: list[dict]) -> tuple[list, float]:
    """One compiled nutpie model per start group, and the seconds spent compiling.

    The first compile of a :class:`~models.pymc_model.MixtureModel` is cached in its ``compiled``
    dict with the result of :func:`layout_matches`; later calls reuse it (compile time 0).
    """
    model = mixture_model.pymc
    cache = mixture_model.compiled
    t0 = time.perf_counter()
    if CACHE_KEY not in cache:
        cm = _compile(model, group_starts[0])
        cache[CACHE_KEY] = (cm, layout_matches(cm, model, group_starts[0]))
    cm, ok = cache[CACHE_KEY]
    if ok:
        out = [_with_start(cm, flatten_start(model, s)) for s in group_starts]
        return out, time.perf_counter() - t0
    if len(group_starts) > 1:
        warnings.warn("nutpie's compiled model does not have the layout emvb relies on for per-chain starts; "
                      f"compiling once per start group instead ({len(group_starts)} compiles)",
                      NutpieFallbackWarning, stacklevel=3)
    out = [_compile(model, s) for s in group_starts]
    return out, time.perf_counter() - t0
