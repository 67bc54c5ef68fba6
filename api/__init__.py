"""emvb: EM vs Bayes for a two-component Gaussian mixture with a shared sigma.

``x ~ pi1 N(mu1, sigma^2) + (1 - pi1) N(mu2, sigma^2)``. The public API for notebooks and scripts,
re-exported here from the packages that own each job (importing ``emvb`` does not import pymc;
the functions that need it import it when called)::

    import emvb
    data = emvb.simulate(emvb.MixtureParams(0.3, 5, 15, 2), n=1000, seed=1)
    mle = emvb.fit_em(data)                       # EM: estimate, Louis SEs, Wald intervals
    post = emvb.sample_posterior(data, ordered=True, start=mle.params, seed=1)
    comp = emvb.compare(data)                     # the whole `emvb run` comparison, in memory
    study = emvb.bvm(n_grid=(20, 100, 1000))      # posterior vs N(MLE, SE^2) on nested data sets

Teaching notebooks built on this API: notebooks/. Formulas and algorithms: docs/methods.md.
"""

from __future__ import annotations

# First of all: when this process is the `emvb` command, a Ctrl-C while it starts prints one line (its note).
from . import _command  # noqa: F401

# isort: split
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .compare.thresholds import ESS_MIN, RHAT_MAX
from .em import EMResult, climb, e_step, em_map, m_step, observed_information
from .em import fit as fit_em
from .files.datafile import load_data, save_dataset
from .models import DEFAULT_TRUTH, PARAM_NAMES, Dataset, MixtureParams, loglik, logpdf, pdf, responsibilities, simulate
from .models.errors import DataError, EmvbError, ParamError, SettingError
from .models.priors import Priors
from .sampling.options import DEFAULT_INIT

try:
    __version__ = _version("emvb")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "unknown"


def build_model(data, *, ordered: bool = True, priors="default", likelihood: str | None = None):
    """The PyMC model of the mixture (:func:`models.pymc_model.build_model`); ``.pymc`` is the ``pm.Model``."""
    from .models.pymc_model import build_model as _build

    kw = {} if likelihood is None else {"likelihood": likelihood}
    return _build(data, priors=priors, ordered=ordered, **kw)


def sample_posterior(data, *, ordered: bool = True, priors="default", chains: int = 4, draws: int = 1000,
                     tune: int = 1000, seed: int = 0, init: str = DEFAULT_INIT, start: MixtureParams | None = None,
                     **kwargs):
    """Sample the posterior of the mixture with NUTS; an ``xarray.DataTree`` (ArviZ reads it directly).

    ``init`` defaults to ``"prior"`` (independent prior draws), as in ``emvb sample`` and ``emvb run``;
    ``init="em"`` starts every chain at ``start`` (by default the EM estimate, fitted here); see
    :func:`sampling.sample.sample` for ``init``, ``sampler``, ``mass_matrix`` and the other options.
    """
    from .sampling.sample import sample

    ds = data if isinstance(data, Dataset) else Dataset(data)
    if start is None and init in ("em", "dispersed"):
        start = fit_em(ds).params
    model = build_model(ds, ordered=ordered, priors=priors)
    return sample(model, chains=chains, draws=draws, tune=tune, seed=seed, init=init, start=start, **kwargs)


def compare(data, **settings):
    """The whole comparison of ``emvb run`` on ``data`` (a :class:`~compare.pipeline.Comparison`):
    EM, both PyMC models, label diagnosis, relabelling and the table. ``settings`` are the fields of
    :class:`~compare.pipeline.RunSettings` (chains, draws, tune, seed, ...)."""
    from .compare.pipeline import RunSettings, run_comparison

    return run_comparison(data if isinstance(data, Dataset) else Dataset(data), RunSettings(**settings))


def diagnose_labels(posterior, em_result, *, data=None):
    """Label switching in ``posterior`` relative to an EM fit (:func:`labels.diagnose.diagnose_labels`)."""
    from .labels.diagnose import diagnose_labels as _diagnose

    return _diagnose(posterior, em_result, data=data)


def relabel(posterior, method: str, *, em_result, data=None, **kwargs):
    """Relabel every draw of ``posterior`` (:func:`labels.relabel.relabel`)."""
    from .labels.relabel import relabel as _relabel

    return _relabel(posterior, method, em_result=em_result, data=data, **kwargs)


def relabel_mixture(posterior, data=None, **kwargs):
    """Diagnose and undo label switching in anyone's K-component 1-D Gaussian-mixture posterior (PyMC, NumPyro,
    CmdStanPy via ArviZ): a DataTree with the posterior relabelled in its own layout and a ``relabelling`` group
    with every method's per-draw permutations, shares, agreement and the verdict
    (:func:`labels.mixture.relabel_mixture`)."""
    from .labels.mixture import relabel_mixture as _relabel_mixture

    return _relabel_mixture(posterior, data, **kwargs)


def validate(data, estimate: MixtureParams, **kwargs):
    """Is ``estimate`` a global maximum, a local one or no maximum? (:func:`compare.validate.validate`)"""
    from .compare.validate import validate as _validate

    return _validate(data, estimate, **kwargs)


__all__ = [
    "DEFAULT_TRUTH", "DataError", "Dataset", "EMResult", "ESS_MIN", "EmvbError", "MixtureParams", "PARAM_NAMES",
    "ParamError", "Priors", "RHAT_MAX", "SettingError", "__version__", "build_model", "bvm", "bvm_findings",
    "climb", "compare", "compare_fits", "diagnose_labels", "e_step", "em_map", "fit_em", "intervals", "load_data",
    "loglik", "logpdf", "m_step", "nested_datasets", "observed_information", "pdf", "plot_bvm", "prior_draws",
    "relabel", "relabel_agreement", "relabel_methods", "relabel_mixture", "responsibilities", "sample_posterior",
    "save_dataset", "simulate", "validate",
]


# -- teaching: what the notebooks in notebooks/ need ------------------------------------------------


def compare_fits(em_result, posteriors: dict, truth: MixtureParams | None = None, ci_prob: float = 0.95):
    """The EM estimate beside ArviZ summaries of each posterior (:func:`compare.table.compare_fits`)."""
    from .compare.table import compare_fits as _compare_fits

    return _compare_fits(em_result, posteriors, truth=truth, ci_prob=ci_prob)


def intervals(em_result, posterior, ci_prob: float = 0.95):
    """Wald (plain and as EM reports it), HDI and equal-tailed intervals side by side
    (:func:`compare.intervals.intervals`)."""
    from .compare.intervals import intervals as _intervals

    return _intervals(em_result, posterior, ci_prob)


def nested_datasets(truth: MixtureParams = DEFAULT_TRUTH, n_grid=None, seed: int = 2026) -> tuple[Dataset, ...]:
    """The first n points of one simulated sample, for each n of ``n_grid`` (default 20, 100, 1000, 10000)."""
    from .compare.bvm import DEFAULT_N_GRID
    from .compare.bvm import nested_datasets as _nested

    return _nested(truth, DEFAULT_N_GRID if n_grid is None else n_grid, seed)


def bvm(truth: MixtureParams = DEFAULT_TRUTH, n_grid=None, *, chains: int = 4, draws: int = 1000, tune: int = 1000,
        seed: int = 2026, priors="default", ci_prob: float = 0.95, sampler: str = "nutpie"):
    """EM and the ordered posterior on nested data sets: Bernstein-von Mises made visible
    (:func:`compare.bvm.run_bvm`; ``emvb bvm`` on the command line). Returns a :class:`compare.bvm.BvMStudy`."""
    from .compare.bvm import DEFAULT_N_GRID, BvMSettings, run_bvm

    settings = BvMSettings(chains=chains, draws=draws, tune=tune, seed=seed, sampler=sampler, ci_prob=ci_prob)
    return run_bvm(truth, DEFAULT_N_GRID if n_grid is None else n_grid, settings, priors=priors)


def bvm_findings(study) -> list[str]:
    """The sentences ``emvb bvm`` writes about ``study``, each computed from its table."""
    from .report.bvm_report import findings

    return findings(study.table)


def plot_bvm(study, kind: str = "standardized"):
    """A figure of a :func:`bvm` study: ``"standardized"`` ((theta - MLE)/SE against N(0, 1), one panel per
    parameter), ``"grid"`` (rows = n, in the parameters' units) or ``"intervals"`` (Wald, HDI, ETI)."""
    from .report import bvm_figures as _f

    kinds = {"standardized": _f.standardized_figure, "grid": _f.grid_figure, "intervals": _f.intervals_figure}
    if kind not in kinds:
        raise SettingError(f"unknown kind {kind!r}; choose one of {', '.join(kinds)}")
    return kinds[kind](study)


def prior_draws(data, *, ordered: bool = True, priors="default", draws: int = 4000, seed: int = 0):
    """Independent draws from the model's prior, as a DataTree with a ``prior`` group (``pi1``, ``mu``
    (component 1, 2), ``sigma``), for ArviZ (``group="prior"``).

    The ordered model's prior is the iid prior restricted to ``mu1 < mu2``; sorting iid draws gives
    exact draws from it (:meth:`models.priors.Priors.draw`). Drawn with numpy: PyMC's forward sampling
    ignores the ordered transform, so ``pm.sample_prior_predictive`` would return unsorted means.
    """
    import numpy as np
    import xarray as xr

    from .models.priors import resolve_priors

    ds = data if isinstance(data, Dataset) else Dataset(data)
    rng = np.random.default_rng(seed)
    p = resolve_priors(priors, ds.values)
    d = [p.draw(rng, ordered=ordered) for _ in range(int(draws))]
    post = xr.Dataset({"pi1": (("chain", "draw"), [[v["pi1"] for v in d]]),
                       "mu": (("chain", "draw", "component"), [[v["mu"] for v in d]]),
                       "sigma": (("chain", "draw"), [[v["sigma"] for v in d]])},
                      coords={"chain": [0], "draw": np.arange(len(d)), "component": [1, 2]},
                      attrs={"priors_description": p.describe(), "ordered": int(ordered)})
    return xr.DataTree.from_dict({"prior": post})


def relabel_methods() -> dict[str, str]:
    """Every relabelling method of ``labels.methods.METHODS`` with its one-line description, in that order.

    The description is what the method does, as ``labels.methods.METHOD_INFO`` states it (the
    report's method table and ``emvb labels`` print the same text), so the list follows the code.
    """
    from .labels.methods import METHOD_INFO, METHODS

    return {name: METHOD_INFO[name][1] for name in METHODS}


def relabel_agreement(relabelled: dict):
    """Share of draws on which each pair of relabellings chose the same labels (:func:`labels.relabel.agreement`)."""
    from .labels.relabel import agreement

    return agreement(relabelled)
