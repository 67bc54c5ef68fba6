"""nutpie with per-chain start points: one of the two places emvb leans on nutpie's internals (the other,
:mod:`sampling.nutpie_compile`, compiles the model).

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

**Placing a start costs ~nothing.** The flattening is one PyTensor function of the untransformed
values (each free variable's forward transform, as PyMC's own initial point applies it), compiled
once per graph by :func:`start_flattener` and cached beside the compiled sampler in
:attr:`models.pymc_model.MixtureModel.compiled` (shared by every ``rebind``), so a replicate's start
is one call of that function (tens of microseconds), not a compile (tens of milliseconds).
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable

import numpy as np

from ..models.errors import ParamError
from .nutpie_compile import compile_model

#: Cache keys in :attr:`models.pymc_model.MixtureModel.compiled`: the compiled nutpie model (with the
#: result of the layout check) and the compiled start flattening.
CACHE_KEY = "nutpie"
FLATTEN_KEY = "nutpie_flatten"
FIELD = "initial_point_func"


class NutpieFallbackWarning(UserWarning):
    """nutpie's compiled model no longer has the layout emvb relies on; each start is compiled separately."""


def start_flattener(model) -> Callable[[dict], np.ndarray]:
    """A compiled map from a start (untransformed values by name) to the flat unconstrained vector nutpie
    samples in: ``concat_k ravel(forward_k(start[name_k]))`` over ``model.free_RVs`` in order, with
    ``forward_k`` the variable's transform (the identity when it has none). Compiled once; each call
    checks that the result is finite (a start outside the support, e.g. unordered ``mu`` for the
    ordered model, gives NaN or infinity)."""
    import pytensor
    import pytensor.tensor as pt
    from pytensor.graph.replace import graph_replace

    inputs = [rv.type(name=rv.name) for rv in model.free_RVs]
    values = dict(zip(model.free_RVs, inputs, strict=True))
    parts = []
    for rv, value in zip(model.free_RVs, inputs, strict=True):
        transform = model.rvs_to_transforms.get(rv)
        # As PyMC's own initial point: the forward transform given the variable's inputs (its parameters),
        # in which another free variable (pi1 in mu's transform, models.pymc_means) stands for its value.
        fwd = value if transform is None else transform.forward(value, *rv.owner.inputs)
        parts.append(pt.flatten(graph_replace(fwd, values, strict=False) if transform is not None else fwd))
    # FAST_COMPILE: a handful of scalar operations, called once per start; compiling for speed would cost more.
    fn = pytensor.function(inputs, pt.concatenate(parts), mode=pytensor.compile.mode.FAST_COMPILE,
                           on_unused_input="ignore")
    names = [rv.name for rv in model.free_RVs]
    dtypes = [rv.type.dtype for rv in model.free_RVs]

    def flatten(start: dict) -> np.ndarray:
        flat = np.ascontiguousarray(fn(*(np.asarray(start[k], dtype=d) for k, d in zip(names, dtypes, strict=True))),
                                    dtype=np.float64)
        if not np.all(np.isfinite(flat)):
            raise ParamError(f"start point {start} is outside the model's support (transformed: {flat})")
        return flat

    return flatten


def _compile(model, start: dict):
    import nutpie

    cm = compile_model(model, start)
    if cm is not None:
        return cm
    warnings.warn("nutpie's compile internals are not what emvb knows; compiling through nutpie's public call "
                  "(same draws, several seconds slower)", NutpieFallbackWarning, stacklevel=4)
    return nutpie.compile_pymc_model(model, initial_points=start, jitter_rvs=set())


def layout_matches(cm, flatten: Callable[[dict], np.ndarray], start: dict) -> bool:
    """Whether ``cm`` (compiled with ``start``) is a dataclass whose ``initial_point_func`` gives
    exactly ``flatten(start)``: then replacing that field moves the start point."""
    if not dataclasses.is_dataclass(cm) or FIELD not in {f.name for f in dataclasses.fields(cm)}:
        return False
    try:
        theirs = np.asarray(getattr(cm, FIELD)(0), dtype=float)
    except Exception:  # any failure of nutpie's own function means the layout is not what we know
        return False
    ours = flatten(start)
    return theirs.shape == ours.shape and bool(np.allclose(theirs, ours, rtol=1e-12, atol=0.0))


def _with_start(cm, flat: np.ndarray):
    return dataclasses.replace(cm, **{FIELD: lambda seed=None: flat.copy()})


def compiled_per_group(mixture_model, group_starts: list[dict]) -> tuple[list, float]:
    """One compiled nutpie model per start group, and the seconds spent compiling (exactly 0 once cached;
    neither placing the starts nor importing nutpie is counted).

    The first compile of a :class:`~models.pymc_model.MixtureModel`'s graph is cached in its
    ``compiled`` dict with the result of :func:`layout_matches`, and so is the start flattening
    (:func:`start_flattener`); later calls, and calls on any ``rebind`` of the model, reuse both
    (compile time 0; placing the starts costs one function call each).
    """
    model = mixture_model.pymc
    cache = mixture_model.compiled
    seconds = 0.0
    if CACHE_KEY not in cache:  # the first call on this graph: compile the start flattening and the model
        import nutpie  # noqa: F401 -- before the clock: importing (~1 s, once per process) is not compiling
        t0 = time.perf_counter()
        cache[FLATTEN_KEY] = start_flattener(model)
        cm = _compile(model, group_starts[0])
        cache[CACHE_KEY] = (cm, layout_matches(cm, cache[FLATTEN_KEY], group_starts[0]))
        seconds = time.perf_counter() - t0
    flatten = cache[FLATTEN_KEY]
    cm, ok = cache[CACHE_KEY]
    if ok:
        return [_with_start(cm, flatten(s)) for s in group_starts], seconds
    if len(group_starts) > 1:
        warnings.warn("nutpie's compiled model does not have the layout emvb relies on for per-chain starts; "
                      f"compiling once per start group instead ({len(group_starts)} compiles)",
                      NutpieFallbackWarning, stacklevel=3)
    t0 = time.perf_counter()
    out = [_compile(model, s) for s in group_starts]
    return out, seconds + time.perf_counter() - t0
