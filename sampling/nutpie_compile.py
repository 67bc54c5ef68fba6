"""Compile a PyMC model for nutpie in ~2 s instead of ~7-13 s: nutpie's own steps, a small numba wrapper.

``nutpie.compile_pymc_model`` (numba backend) does three things: PyTensor compiles the log density
with its gradient and the "expand" function (the draws' values) to numba functions, which PyTensor
caches on disk (~1.5 s a model when cached); nutpie writes a C-callable wrapper around each
(``numba.cfunc``); and it packs them with the model's containers into a ``CompiledPyMCModel``. The
wrappers cost the rest, and numba cannot cache them across processes (they call the PyTensor
functions, which are objects of this process): reading the containers through a ``literal_unroll``
(~4 s a model) and a slice assignment ``out[...] = grad``, whose shape-mismatch error message makes
numba compile its string formatting once per process (~4.5 s).

:func:`compile_model` does the same three steps with nutpie's own functions for the first and the
last and its own wrapper in between, specialised to the model's containers (all one-dimensional
float64 arrays here) and copying with loops: the same compiled PyTensor functions, so the same log
density, gradient and draws, bit for bit (tests/test_nutpie_compile.py). ~2-4 s a model instead of
7-17 s (``benchmarks/run_speed.py``).

This leans on nutpie internals that are not public API: ``nutpie.compile_pymc._make_functions``,
``make_user_data``, ``_prepare_dims_and_coords`` and ``CompiledPyMCModel`` with its ``user_data``
record layout (a pointer and a size per container) and its wrappers' C signatures and return codes.
So every compile is checked at run time: the wrapper's log density, gradient and expanded values at
the start point must equal the PyTensor functions' exactly. If anything is missing or differs,
:func:`compile_model` returns ``None`` and the caller compiles through the public call.
"""

from __future__ import annotations

import numpy as np

#: The C functions nutpie's sampler calls (signatures and return codes as ``nutpie.compile_pymc``'s: 0 ok,
#: -1 wrong dimension, 3 a non-finite gradient, 4 a non-finite log density). nutpie's own wrap the call in
#: ``try``/``except`` (return 1 or -2); numba's exception handling costs ~1.3 s of compile a model, and
#: PyTensor's compiled log density of these models raises nothing (it returns -inf outside the support),
#: so these do without: the outputs are set to NaN first, so that should a call ever raise, numba reports
#: it on stderr and the sampler sees NaN (or an error code), never a stale value.
_LOGP_TEMPLATE = """
def logp(dim, x_, out_, logp_, user_data_):
    if dim != n_dim:
        return -1
    words = numba.carray(user_data_, (n_words,), np.uint64)
{arrays}
    x = numba.carray(x_, (n_dim,))
    out = numba.carray(out_, (n_dim,))
    value = numba.carray(logp_, (1,))
    value[0] = np.nan
    logp_val, grad = inner(x{args})
    value[0] = logp_val
    finite = True
    for i in range(n_dim):
        out[i] = grad[i]
        finite = finite and np.isfinite(grad[i])
    if not finite:
        return 3
    if not np.isfinite(logp_val):
        return 4
    return 0
"""

_EXPAND_TEMPLATE = """
def expand(dim, expanded, x_, out_, user_data_):
    if dim != n_dim or expanded != n_expanded:
        return -1
    words = numba.carray(user_data_, (n_words,), np.uint64)
{arrays}
    x = numba.carray(x_, (n_dim,))
    out = numba.carray(out_, (n_expanded,))
    for i in range(n_expanded):
        out[i] = np.nan
    (values,) = inner(x{args})
    for i in range(n_expanded):
        out[i] = values[i]
    return 0
"""

_ARRAY = "    a{k} = numba.carray(as_pointer(words[{data}]), (int(words[{size}]),), np.float64)"


def _as_pointer():
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def as_pointer(typingctx, address):
        """The integer ``address`` as a ``void*`` (for ``numba.carray``)."""
        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], cgutils.voidptr_t)

        return types.voidptr(address), codegen

    return as_pointer


def _word(record: np.dtype, path: tuple[str, ...]) -> int:
    """Index of the 8-byte word at ``path`` (e.g. ``("shared", "data", key)``) in the record ``record``."""
    offset, dtype = 0, record
    for name in path:
        dtype, at = dtype.fields[name][:2]
        offset += at
    if offset % 8 or dtype.itemsize != 8:
        raise TypeError(f"user_data field {path} is not an aligned 8-byte word")
    return offset // 8


def _wrapper(template: str, name: str, signature, inner, keys: list[str], record: np.dtype, consts: dict):
    """The ``numba.cfunc`` of ``signature`` made of the function ``name`` of ``template``, reading the
    containers ``keys`` (in ``inner``'s order)."""
    import numba

    lines = [_ARRAY.format(k=k, data=_word(record, ("shared", "data", key)),
                           size=_word(record, ("shared", "size", key))) for k, key in enumerate(keys)]
    source = template.format(arrays="\n".join(lines) or "    pass",
                             args="".join(f", a{k}" for k in range(len(keys))))
    # numba needs the number of containers at compile time; a function written for them keeps one
    # template for any number.
    scope = {"numba": numba, "np": np, "inner": inner, "as_pointer": _as_pointer(),
             "n_words": record.itemsize // 8} | consts
    exec(compile(source, f"<emvb nutpie wrapper {name}>", "exec"), scope)
    return numba.cfunc(signature)(scope[name])


def _locked(fn):
    """``fn`` called by one thread at a time (nutpie's chains may ask for initial points at once; so does nutpie)."""
    import threading

    lock = threading.Lock()

    def call(*args, **kwargs):
        with lock:
            return fn(*args, **kwargs)

    return call


def _checked(cm, logp_pt, expand_pt, x: np.ndarray) -> bool:
    """Whether ``cm``'s wrappers give exactly the PyTensor functions' values at ``x`` (through ctypes)."""
    import ctypes

    n, m = cm.n_dim, cm.n_expanded
    x = np.ascontiguousarray(x, dtype=np.float64)
    grad, value, out = np.empty(n), np.empty(1), np.empty(m)
    ptr = ctypes.POINTER(ctypes.c_double)
    ud = ctypes.c_void_p(cm.user_data.ctypes.data)
    code = cm.compiled_logp_func.ctypes(n, x.ctypes.data_as(ptr), grad.ctypes.data_as(ptr),
                                        value.ctypes.data_as(ptr), ud)
    code_e = cm.compiled_expand_func.ctypes(n, m, x.ctypes.data_as(ptr), out.ctypes.data_as(ptr), ud)
    want_value, want_grad = logp_pt(x)
    (want_out,) = expand_pt(x)
    same = (np.array_equal(value[0], want_value, equal_nan=True) and np.array_equal(grad, want_grad, equal_nan=True)
            and np.array_equal(out, np.ravel(want_out), equal_nan=True))
    return code in (0, 3, 4) and code_e == 0 and same


def compile_model(model, start: dict):
    """``model`` compiled for nutpie with the start point ``start`` (as ``nutpie.compile_pymc_model(model,
    initial_points=start, jitter_rvs=set())``), or None where nutpie's internals are not what this module
    knows or the run-time check fails (module note)."""
    import numba

    try:
        from nutpie.compile_pymc import CompiledPyMCModel, _make_functions, _prepare_dims_and_coords, make_user_data
        from pymc.initial_point import make_initial_point_fn

        point_fn = _locked(make_initial_point_fn(model=model, overrides=start, jitter_rvs=set(),
                                                 return_transformed=True))
        n_dim, n_expanded, logp_pt, expand_pt, initial_point, shape_info, reparam = _make_functions(
            model, mode="NUMBA", compute_grad=True, join_expanded=True, pymc_initial_point_fn=point_fn)
        shared = list(dict.fromkeys([*logp_pt.get_shared(), *expand_pt.get_shared()]))
        if any(np.asarray(v.get_value()).dtype != np.float64 or np.ndim(v.get_value()) != 1 for v in shared):
            return None
        keys = {v: v.name for v in shared}
        data = {v.name: np.array(v.get_value(), dtype=np.float64, order="C", copy=True) for v in shared}
        for a in data.values():
            a.flags.writeable = False
        user_data = make_user_data(keys, data)
        t = numba.types
        c_logp = _wrapper(_LOGP_TEMPLATE, "logp", t.int64(t.uint64, *[t.CPointer(t.double)] * 3, t.voidptr),
                          logp_pt.vm.jit_fn, [keys[v] for v in logp_pt.get_shared()], user_data.dtype,
                          {"n_dim": n_dim})
        c_expand = _wrapper(_EXPAND_TEMPLATE, "expand", t.int64(t.uint64, t.uint64, *[t.CPointer(t.double)] * 2,
                                                                t.voidptr),
                            expand_pt.vm.jit_fn, [keys[v] for v in expand_pt.get_shared()], user_data.dtype,
                            {"n_dim": n_dim, "n_expanded": n_expanded})
        dims, coords = _prepare_dims_and_coords(model, shape_info, reparam)
        cm = CompiledPyMCModel(
            _n_dim=n_dim, dims=dims, _coords=coords,
            _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
            compiled_logp_func=c_logp, compiled_expand_func=c_expand, initial_point_func=initial_point,
            shared_data=data, shared_var_keys=keys, user_data=user_data, n_expanded=n_expanded,
            shape_info=shape_info, logp_func=logp_pt, expand_func=expand_pt, reparameterized_names=reparam)
        return cm if _checked(cm, logp_pt, expand_pt, initial_point(0)) else None
    except (ImportError, AttributeError, TypeError, ValueError, KeyError, numba.core.errors.NumbaError):
        return None  # numba's errors too: a wrapper that no longer types against nutpie's layout
