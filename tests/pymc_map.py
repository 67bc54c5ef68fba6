"""The posterior mode (MAP) of the PyMC mixture model; with flat priors it is the MLE: the tests' check of
the EM from an independent optimiser (PyMC's L-BFGS-B), no part of emvb.

``pm.find_MAP`` maximises the density without the Jacobians of the transforms, i.e. the density of
the constrained parameters, so under flat priors its maximiser is the maximum-likelihood estimate
(docs/methods.md §5).

The optimiser works on the model's standardised graph (:mod:`models.pymc_model`); the start goes in
and the mode comes out in the data's units, and :attr:`MapResult.logp` is the log density in the
data's units (:meth:`~models.pymc_model.MixtureModel.logp_in_data_units`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pymc as pm

from emvb.models.data import as_dataset
from emvb.models.params import MixtureParams
from emvb.models.priors import Priors, resolve_priors
from emvb.models.pymc_model import X_STD, build_model
from emvb.sampling.starts import crude_start, point

#: PyMC judges L-BFGS-B's own stopping message ("The optimizer did not converge"); :func:`find_map_result`
#: judges convergence itself by the Newton decrement and warns with a number when the mode was not reached.
MAP_NOT_CONVERGED = "The optimizer did not converge"


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
    priors its maximiser is the maximum-likelihood estimate (docs/methods.md §5). It runs L-BFGS-B on the
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
    data : array or :class:`~models.data.Dataset`
    priors : ``"flat"`` (default), ``"default"`` or a :class:`Priors`
    ordered : ordered model (``mu1 < mu2``) or unordered
    start : where the optimiser starts (e.g. the EM estimate); None uses :func:`crude_start`
    likelihood : ``"closed"`` or ``"mixture"`` (default: the model's default)
    """
    ds = as_dataset(data)
    x = ds.values
    pri = resolve_priors(priors, x)
    kw = {} if likelihood is None else {"likelihood": likelihood}
    built = build_model(ds, priors=pri, ordered=ordered, **kw)
    model, sc = built.pymc, built.scaling
    p0 = sc.params_from_std(crude_start(built.values[X_STD])) if start is None else start
    p0 = p0.ordered() if ordered else p0
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=MAP_NOT_CONVERGED, category=UserWarning)
        dt = pm.find_MAP(method="L-BFGS-B", initvals=point(sc.params_to_std(p0)), return_inferencedata=True,
                         jitter=False,
                         progressbar=False, model=model,
                         options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10_000},
                         idata_kwargs={"include_transformed": True})
    post = dt["posterior"]
    mu = np.asarray(post["mu"].values).reshape(-1)
    params = sc.params_from_std(MixtureParams(float(post["pi1"].values.squeeze()), float(mu[0]), float(mu[1]),
                                              float(post["sigma"].values.squeeze())))
    ip = model.initial_point()
    at_map = {vv.name: np.asarray(post[vv.name].values).reshape(np.shape(ip[vv.name]))
              for vv in model.value_vars}
    logp_std = float(model.compile_logp(jacobian=False)(at_map))
    g, H = _gradient_and_hessian(model, at_map)
    try:
        decrement = float(np.sqrt(max(g @ np.linalg.solve(-H, g), 0.0)))
    except np.linalg.LinAlgError:
        decrement = float("inf")
    tol = max(1e-5, 10.0 * np.sqrt(np.finfo(float).eps * abs(logp_std)))  # the floor of what was optimised
    if not decrement <= tol:
        warnings.warn(f"find_map: stopped {decrement:.2g} standard errors from the mode (Newton decrement; "
                      f"tolerance {tol:.2g}): {params}", UserWarning, stacklevel=2)
    return MapResult(params, built.logp_in_data_units(logp_std), decrement, pri, bool(ordered))


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
