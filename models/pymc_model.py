"""The PyMC model of the shared-sigma two-component mixture: priors and model construction.

The likelihood is the one of :mod:`models.density` (one definition of the math; the tests check
the PyMC log density against :func:`models.loglik` at random points)::

    x_i ~ pi1 N(mu1, sigma^2) + (1 - pi1) N(mu2, sigma^2)

Variables: ``pi1`` (scalar), ``mu`` (dim ``component`` with coordinates ``[1, 2]``, so ArviZ
summaries read ``mu[1]``, ``mu[2]`` like the EM table's ``mu1``, ``mu2``), ``sigma`` (scalar), and
the observed ``x`` (dim ``obs``).

Two variants (docs/methods.md §4):

- **unordered**: ``mu`` exchangeable; with the default symmetric priors the posterior is symmetric
  under the label swap ``(pi1, mu1, mu2) -> (1 - pi1, mu2, mu1)`` and label switching is shown as
  it is.
- **ordered**: ``mu`` carries PyMC's ``ordered`` transform (``mu1 < mu2``), the a-priori
  identifying constraint. PyMC cannot start it at its default initial point ``[m, -inf]`` on the
  transformed scale, so :func:`sampling.sample.sample` always passes explicit start values.

Two likelihood implementations of the same density: ``"closed"`` (the closed logistic form of
docs/methods.md as a ``pm.CustomDist``, :mod:`models.pymc_likelihood`) and ``"mixture"``
(``pm.NormalMixture``, the readable reference). They agree to 1e-9 (tested).

:func:`build_model` returns a :class:`MixtureModel`: the ``pm.Model``, its :class:`ModelSpec` and a
cache for compiled samplers, so nothing is attached to PyMC's own object. This module and
:mod:`models.pymc_likelihood` are the only modules of this package that import pymc; ``import
emvb.models`` does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pymc as pm
from pymc.distributions.transforms import ordered as ordered_transform

from .data import as_dataset
from .errors import SettingError
from .names import COMPONENTS, DEFAULT_LIKELIHOOD, LIKELIHOODS, OBSERVED
from .priors import Priors, resolve_priors
from .pymc_likelihood import ClosedFormMixture


@dataclass(frozen=True)
class ModelSpec:
    """What a built model is: recorded in the attributes of every posterior sampled from it."""

    sha256: str
    n: int
    data_name: str
    priors: Priors
    ordered: bool
    likelihood: str

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
        }


@dataclass(frozen=True, eq=False)
class MixtureModel:
    """A built PyMC model with what it is and, once compiled, its compiled samplers.

    Attributes
    ----------
    pymc : the ``pm.Model`` (use ``with model.pymc:`` for PyMC calls)
    spec : its :class:`ModelSpec`
    compiled : cache of compiled samplers, filled by :mod:`sampling` (a second ``sample`` of the
        same model skips the compile)
    """

    pymc: pm.Model
    spec: ModelSpec
    compiled: dict = field(default_factory=dict, repr=False)

    @property
    def observed(self) -> np.ndarray:
        """The data the model was built on."""
        return np.asarray(self.pymc.rvs_to_values[self.pymc[OBSERVED]].data)


def build_model(data, *, priors: Priors | str | None = None, ordered: bool,
                likelihood: str = DEFAULT_LIKELIHOOD) -> MixtureModel:
    """The PyMC model of the shared-sigma two-component mixture for ``data``.

    Parameters
    ----------
    data : array (n,) or :class:`models.Dataset`
    priors : :class:`Priors`, ``"default"`` / None (``Priors.default_for(data)``) or ``"flat"``
    ordered : if True, ``mu`` has the ``ordered`` transform (``mu1 < mu2``)
    likelihood : ``"closed"`` (closed logistic form, ``pm.CustomDist``) or ``"mixture"``
        (``pm.NormalMixture``); the same density.

    Returns
    -------
    MixtureModel
        ``.pymc`` has free variables ``pi1``, ``mu`` (dim ``component`` = [1, 2]), ``sigma`` and
        observed ``x``; ``.spec`` is its :class:`ModelSpec`.
    """
    if likelihood not in LIKELIHOODS:
        raise SettingError(f"unknown likelihood {likelihood!r}; choose one of {', '.join(LIKELIHOODS)}")
    ds = as_dataset(data)
    x = ds.values
    priors = resolve_priors(priors, x)
    coords = {"component": COMPONENTS, "obs": np.arange(x.size)}
    # `transform=` chains after the default transform; Normal and Flat have none, so this is plain
    # Ordered (API crib §0).
    mu_kw = {"dims": "component", "transform": ordered_transform} if ordered else {"dims": "component"}
    with pm.Model(coords=coords) as model:
        pi1 = pm.Beta("pi1", priors.pi1_alpha, priors.pi1_beta)
        if priors.mu_sd is None:
            mu = pm.Flat("mu", **mu_kw)
        else:
            mu = pm.Normal("mu", priors.mu_mean, priors.mu_sd, **mu_kw)
        sigma = pm.HalfFlat("sigma") if priors.sigma_sd is None else pm.HalfNormal("sigma", priors.sigma_sd)
        if likelihood == "closed":
            ClosedFormMixture(OBSERVED, pi1, mu[0], mu[1], sigma, observed=x, dims="obs")
        else:
            pm.NormalMixture(OBSERVED, w=pm.math.stack([pi1, 1.0 - pi1]), mu=mu, sigma=sigma,
                             observed=x, dims="obs")
    return MixtureModel(model, ModelSpec(ds.sha256, ds.n, ds.name, priors, bool(ordered), likelihood))
