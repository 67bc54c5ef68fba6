"""The PyMC model of the shared-sigma two-component mixture: priors and model construction.

The likelihood is the one of :mod:`models.density` (one definition of the math; the tests check
the PyMC log density against :func:`models.loglik` at random points)::

    x_i ~ pi1 N(mu1, sigma^2) + (1 - pi1) N(mu2, sigma^2)

Variables: ``pi1`` (scalar), ``mu`` (dim ``component`` with coordinates ``[1, 2]``, so ArviZ
summaries read ``mu[1]``, ``mu[2]`` like the EM table's ``mu1``, ``mu2``), ``sigma`` (scalar), and
the observed ``x`` (dim ``obs``).

**Standardised.** The graph is the model of the standardised data ``xs = (x - c) / k`` of
:mod:`models.scaling`, with the priors transformed to that scale (``Normal(m, s)`` on ``mu`` ->
``Normal((m - c)/k, s/k)``, ``HalfNormal(t)`` on ``sigma`` -> ``HalfNormal(t/k)``, Beta and flat priors
unchanged), so its ``mu`` and ``sigma`` are ``(mu - c)/k`` and ``sigma/k``: an exact change of
variables, whose posterior :func:`sampling.sample.sample` maps back draw by draw. Data near 1e300 or
1e-300 then sample exactly like the default scenario. :class:`ModelSpec` keeps the priors in the
data's units and records ``c`` and ``k``.

**One compiled sampler for every data set, of any size.** The observed data and every
data-dependent constant (the prior hyperparameters on the standardised scale, one vector) are
``pm.Data`` containers (:data:`CONTAINERS`); :meth:`MixtureModel.rebind` gives the same graph other values, and
:func:`sampling.sample.sample` hands them to the compiled nutpie model with its public
``with_data`` (no recompile). The data container's length is not part of the compiled code (the
``obs`` dimension's length is not among the compiled model's inputs: only the containers are), so a
rebind may change ``n`` (tested: the same draws, seed for seed, as a model built afresh).

Two variants (docs/methods.md §4):

- **unordered**: ``mu`` exchangeable; with the default symmetric priors the posterior is symmetric
  under the label swap ``(pi1, mu1, mu2) -> (1 - pi1, mu2, mu1)`` and label switching is shown as
  it is.
- **ordered**: ``mu`` is restricted to ``mu1 < mu2``, the a-priori identifying constraint. PyMC
  cannot start it at its default initial point (gap ``-inf`` on the transformed scale), so
  :func:`sampling.sample.sample` always passes explicit start values.

Both sample ``mu`` as the weighted centre ``pi1 mu1 + (1 - pi1) mu2`` and the gap ``mu2 - mu1`` (its
log for the ordered model), with the Jacobian that leaves the posterior of ``(pi1, mu1, mu2,
sigma)`` unchanged (:mod:`models.pymc_means`, docs/methods.md §7.4): on overlapping components
the plain parametrisations made NUTS diverge.

Two likelihood implementations of the same density: ``"closed"`` (the closed logistic form of
docs/methods.md as a ``pm.CustomDist``, :mod:`models.pymc_likelihood`; summed over the data, computed
with its gradient in one pass of the EM kernel when nutpie compiles the model, :mod:`models.pymc_fused`)
and ``"mixture"``
(``pm.NormalMixture``, the readable reference). They agree to 1e-9 (tested).

**Reproducibility.** Importing this module sets ``pytensor.config.numba__fastmath = False``.
PyTensor compiles the model with numba and caches each operation's machine code on disk; with
fastmath, LLVM may reassociate and fuse floating-point operations across the functions it inlines,
and a function loaded from the cache cannot be inlined, so freshly compiled and cached code round
differently and a chain's trajectory (chaotic in the last bit) depended on the state of the cache.
IEEE arithmetic gives the same bits whichever way the code was put together (README,
"Reproducibility"). The fused likelihood (:mod:`models.pymc_fused`) calls the EM kernel, a numba
function compiled on its own with 'reassoc' for its sums only: its flags touch none of the caller's
operations, and its loop has no constants for a caller to fold in, so it rounds the same inlined or
not (cold and warm caches give the same draws: tests/test_reproducible.py).

:func:`build_model` returns a :class:`MixtureModel`: the ``pm.Model``, its :class:`ModelSpec` and a
cache for compiled samplers, so nothing is attached to PyMC's own object. This module,
:mod:`models.pymc_likelihood`, :mod:`models.pymc_fused` and :mod:`models.pymc_means` are the only
modules of this package that import pymc; ``import emvb.models`` does not.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace

import numpy as np
import pymc as pm
import pytensor
from pymc.distributions.transforms import ordered as ordered_transform

from .data import Dataset, as_dataset
from .errors import SettingError, check_choice
from .names import (
    COMPONENTS,
    DEFAULT_LIKELIHOOD,
    DEFAULT_PARAMETRISATION,
    LIKELIHOODS,
    OBSERVED,
    PARAMETRISATIONS,
)
from .priors import Priors, resolve_priors
from .pymc_likelihood import ClosedFormMixture
from .pymc_means import component_means
from .scaling import Scaling

pytensor.config.numba__fastmath = False  # same bits from fresh and cached code: see the module note

#: The ``pm.Data`` containers: the standardised data and one vector of the prior hyperparameters on
#: that scale (:data:`HYPERPARAMETERS`, in that order; those of a flat prior are absent). Their values
#: are :attr:`MixtureModel.values`. One vector, not one container per hyperparameter: nutpie compiles
#: an extraction function per container into the sampler, ~0.25 s each (benchmarks/study_speed.py).
X_STD = "x_std"
PRIOR_STD = "prior_std"
CONTAINERS = (X_STD, PRIOR_STD)
HYPERPARAMETERS = ("pi1_alpha", "pi1_beta", "mu_mean_std", "mu_sd_std", "sigma_sd_std")


@dataclass(frozen=True)
class ModelSpec:
    """What a built model is: recorded in the attributes of every posterior sampled from it."""

    sha256: str
    n: int
    data_name: str
    priors: Priors      # in the data's units
    ordered: bool
    likelihood: str
    scaling: Scaling    # the graph's variables are standardised by it
    parametrisation: str = DEFAULT_PARAMETRISATION

    @property
    def variant(self) -> str:
        return "ordered" if self.ordered else "unordered"

    def attrs(self) -> dict[str, str | int]:
        """netCDF-safe attributes (strings and ints only)."""
        return {
            "data_sha256": self.sha256,
            "data_n": self.n,
            "data_name": self.data_name,
            "priors": self.priors.to_json(),
            "priors_description": self.priors.describe(),
            "model_variant": self.variant,
            "likelihood": self.likelihood,
            "parametrisation": self.parametrisation,
            "standardisation": json.dumps(self.scaling.to_dict()),
        }


def hyperparameters(priors: Priors) -> dict[str, float]:
    """Name (:data:`HYPERPARAMETERS`) -> value of the hyperparameters ``priors`` has, in that order
    (a flat prior has none): the entries of the :data:`PRIOR_STD` vector, given standardised priors."""
    h = {"pi1_alpha": priors.pi1_alpha, "pi1_beta": priors.pi1_beta}
    if priors.mu_sd is not None:
        h |= {"mu_mean_std": priors.mu_mean, "mu_sd_std": priors.mu_sd}
    if priors.sigma_sd is not None:
        h["sigma_sd_std"] = priors.sigma_sd
    return h


def _prior_rule(priors) -> str | Priors:
    """``"default"`` (data-based: recomputed for every data set) or a fixed :class:`Priors`."""
    if priors is None or (isinstance(priors, str) and priors == "default"):
        return "default"
    return resolve_priors(priors, None)


def _bind(ds: Dataset, rule) -> tuple[Priors, Scaling, dict[str, np.ndarray]]:
    """The priors (data units), the standardisation and the container values for data ``ds`` (container
    name -> value: the standardised data and the vector of standardised hyperparameters)."""
    priors = Priors.default_for(ds) if rule == "default" else rule
    sc, xs = Scaling.standardized(ds.values, ds.name)
    h = hyperparameters(sc.priors_to_std(priors, check=True))
    return priors, sc, {X_STD: np.asarray(xs, dtype=np.float64), PRIOR_STD: np.array([*h.values()], dtype=np.float64)}


@dataclass(frozen=True, eq=False)
class MixtureModel:
    """A built PyMC model for one data set, what it is and, once compiled, its compiled samplers.

    Attributes
    ----------
    graph : the ``pm.Model`` (of the standardised data); shared by every :meth:`rebind` of it
    spec : its :class:`ModelSpec` (data fingerprint, priors in the data's units, standardisation)
    compiled : cache of compiled samplers, filled by :mod:`sampling` and shared by every
        :meth:`rebind` (a second ``sample`` of the same graph skips the compile)
    data : the :class:`~models.data.Dataset` in the data's units
    prior_rule : ``"default"`` (data-based priors, recomputed by :meth:`rebind`) or the fixed
        :class:`~models.priors.Priors`
    values : container name (:data:`CONTAINERS`) -> this data set's value (:func:`hyperparameters`
        names the entries of the :data:`PRIOR_STD` vector)
    """

    graph: pm.Model
    spec: ModelSpec
    compiled: dict = field(default_factory=dict, repr=False)
    data: Dataset | None = None
    prior_rule: str | Priors = "default"
    values: dict = field(default_factory=dict, repr=False)

    @property
    def pymc(self) -> pm.Model:
        """The ``pm.Model`` with this data set's values in its containers (use ``with model.pymc:``).

        Rebound models share one ``pm.Model``; reading this property puts this one's values in (and
        the ``obs`` coordinate of this data's length).
        """
        pm.set_data(self.values, model=self.graph, coords={"obs": np.arange(self.spec.n)})
        return self.graph

    @property
    def observed(self) -> np.ndarray:
        """The data the model was built on, in the data's units."""
        return self.data.values

    @property
    def scaling(self) -> Scaling:
        return self.spec.scaling

    def logp_in_data_units(self, logp_std: float) -> float:
        """The log density of ``(pi1, mu1, mu2, sigma)`` in the data's units from the graph's (without
        the transforms' Jacobians): ``- (n + m) log k``, ``m`` the number of location/scale
        parameters with a proper prior (2 for ``Normal`` on ``mu``, 1 for ``HalfNormal``; flat
        priors are the constant 1 on either scale)."""
        pri = self.spec.priors
        m = (2 if pri.mu_sd is not None else 0) + (1 if pri.sigma_sd is not None else 0)
        return float(logp_std) - (self.spec.n + m) * math.log(self.scaling.scale)

    def rebind(self, data, priors: Priors | str | None = None) -> MixtureModel:
        """The same model for other data (of any size), without rebuilding or recompiling.

        Returns a new :class:`MixtureModel` that shares this one's ``pm.Model`` graph and its
        ``compiled`` cache and differs only in the values of its ``pm.Data`` containers (the
        standardised data and the standardised prior hyperparameters, :data:`CONTAINERS`), its
        :class:`ModelSpec` (fingerprint, size, name, priors, standardisation) and ``data``.
        :func:`sampling.sample.sample` of the result reuses the compiled nutpie model through its
        public ``with_data`` (compile time ~0), and gives the same draws, seed for seed, as a model
        built afresh by :func:`build_model` for the new data.

        Parameters
        ----------
        data : array (n,) or :class:`~models.data.Dataset`; ``n`` may differ from this model's
        priors : None (default) keeps the same kind of priors: data-based ones (built with
            ``priors=None`` or ``"default"``) are recomputed from the new data, fixed ones (a
            :class:`~models.priors.Priors` or ``"flat"``) are kept. A :class:`Priors`, ``"default"``
            or ``"flat"`` sets them anew.

        Raises
        ------
        SettingError
            Priors whose kind (Normal vs Flat on ``mu``, HalfNormal vs HalfFlat on ``sigma``) differs
            from the graph's: build a new model for those.
        DataError
            Data every fit refuses (:func:`models.data.check_values`).
        """
        ds = as_dataset(data)
        rule = self.prior_rule if priors is None else _prior_rule(priors)
        new_priors, sc, values = _bind(ds, rule)
        if tuple(hyperparameters(new_priors)) != tuple(hyperparameters(self.spec.priors)):
            raise SettingError(f"rebind cannot change the kind of prior ({self.spec.priors.describe()} -> "
                               f"{new_priors.describe()}); build a new model")
        spec = replace(self.spec, sha256=ds.sha256, n=ds.n, data_name=ds.name, priors=new_priors, scaling=sc)
        return MixtureModel(self.graph, spec, self.compiled, ds, rule, values)


def _means(pi1, h: dict, pri: Priors, ordered: bool, parametrisation: str):
    """``mu`` (dim ``component``) under ``pri``, sampled in ``parametrisation`` (docs/methods.md §7.4)."""
    mean, sd = (None, None) if pri.mu_sd is None else (h["mu_mean_std"], h["mu_sd_std"])
    if parametrisation == "centre_gap":  # the same target, benign geometry on overlapping components
        return component_means("mu", pi1, mean, sd, ordered=ordered, dims="component")
    # `transform=` chains after the default transform; Normal and Flat have none, so the result is
    # the plain ordered transform (docs/methods.md §4.2).
    kw = {"dims": "component", "transform": ordered_transform} if ordered else {"dims": "component"}
    return pm.Flat("mu", **kw) if sd is None else pm.Normal("mu", mean, sd, **kw)


def build_model(data, *, priors: Priors | str | None = None, ordered: bool,
                likelihood: str = DEFAULT_LIKELIHOOD,
                parametrisation: str = DEFAULT_PARAMETRISATION) -> MixtureModel:
    """The PyMC model of the shared-sigma two-component mixture for ``data`` (standardised; module note).

    Parameters
    ----------
    data : array (n,) or :class:`models.Dataset`
    priors : :class:`Priors` or ``"flat"`` (fixed, in the data's units), ``"default"`` / None
        (``Priors.default_for(data)``, data-based: recomputed by :meth:`MixtureModel.rebind`)
    ordered : if True, ``mu`` has the ``ordered`` transform (``mu1 < mu2``)
    likelihood : ``"closed"`` (closed logistic form, ``pm.CustomDist``) or ``"mixture"``
        (``pm.NormalMixture``); the same density.
    parametrisation : ``"centre_gap"`` (default: ``mu`` sampled as the weighted centre and the (log) gap,
        :mod:`models.pymc_means`) or ``"plain"`` (``mu`` itself; PyMC's ``ordered`` transform when
        ordered); the same posterior, different geometry for NUTS (docs/methods.md §7.4).

    Returns
    -------
    MixtureModel
        ``.pymc`` has free variables ``pi1``, ``mu`` (dim ``component`` = [1, 2]), ``sigma`` (``mu``
        and ``sigma`` standardised) and observed ``x``; ``.spec`` is its :class:`ModelSpec`.
    """
    check_choice("likelihood", likelihood, LIKELIHOODS)
    check_choice("parametrisation", parametrisation, PARAMETRISATIONS)
    ds = as_dataset(data)
    rule = _prior_rule(priors)
    pri, sc, values = _bind(ds, rule)
    coords = {"component": COMPONENTS, "obs": np.arange(ds.n)}
    with pm.Model(coords=coords) as model:
        x_std = pm.Data(X_STD, values[X_STD], dims="obs")
        vector = pm.Data(PRIOR_STD, values[PRIOR_STD])
        h = {name: vector[i] for i, name in enumerate(hyperparameters(pri))}
        pi1 = pm.Beta("pi1", h["pi1_alpha"], h["pi1_beta"])
        mu = _means(pi1, h, pri, bool(ordered), parametrisation)
        sigma = pm.HalfFlat("sigma") if pri.sigma_sd is None else pm.HalfNormal("sigma", h["sigma_sd_std"])
        if likelihood == "closed":
            ClosedFormMixture(OBSERVED, pi1, mu[0], mu[1], sigma, observed=x_std, dims="obs")
        else:
            pm.NormalMixture(OBSERVED, w=pm.math.stack([pi1, 1.0 - pi1]), mu=mu, sigma=sigma,
                             observed=x_std, dims="obs")
    spec = ModelSpec(ds.sha256, ds.n, ds.name, pri, bool(ordered), likelihood, sc, parametrisation)
    return MixtureModel(model, spec, {}, ds, rule, values)


#: This process's models, one per variant and kind of prior: (ordered, the prior's hyperparameter names) ->
#: the first :class:`MixtureModel` built (its ``compiled`` cache holds the compiled sampler every rebind shares).
_MODELS: dict = {}


def model_for(data, *, priors: Priors, ordered: bool) -> MixtureModel:
    """The model for ``data`` under the fixed ``priors``: built (and compiled when first sampled) on the
    first call of this process per variant and kind of prior, a :meth:`MixtureModel.rebind` of that model
    on every later call, of any data size and any prior of the same kind (compile time ~0; the same draws,
    seed for seed, as :func:`build_model`: module note)."""
    key = (bool(ordered), tuple(hyperparameters(priors)))
    if key not in _MODELS:
        _MODELS[key] = build_model(data, priors=priors, ordered=bool(ordered))
        return _MODELS[key]
    return _MODELS[key].rebind(data, priors)
