"""emvb: EM vs Bayes for a two-component Gaussian mixture with a shared sigma.

``x ~ pi1 N(mu1, sigma^2) + (1 - pi1) N(mu2, sigma^2)``. The public API for notebooks and scripts,
re-exported here from the packages that own each job (importing ``emvb`` does not import pymc;
the functions that need it import it when called)::

    import emvb
    data = emvb.simulate(emvb.MixtureParams(0.3, 5, 15, 2), n=1000, seed=1)
    mle = emvb.fit_em(data)                       # EM: estimate, Louis SEs, Wald intervals
    post = emvb.sample_posterior(data, ordered=True, start=mle.params, seed=1)
    comp = emvb.compare(data)                     # the whole `emvb run` comparison, in memory

Formulas and algorithms: docs/methods.md.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .em import EMResult, climb
from .em import fit as fit_em
from .files.datafile import load_data, save_dataset
from .models import DEFAULT_TRUTH, PARAM_NAMES, Dataset, MixtureParams, loglik, logpdf, pdf, responsibilities, simulate
from .models.errors import DataError, EmvbError, ParamError, SettingError

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
                     tune: int = 1000, seed: int = 0, init: str = "em", start: MixtureParams | None = None,
                     **kwargs):
    """Sample the posterior of the mixture with NUTS; an ``xarray.DataTree`` (ArviZ reads it directly).

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


def validate(data, estimate: MixtureParams, **kwargs):
    """Is ``estimate`` a global maximum, a local one or no maximum? (:func:`compare.validate.validate`)"""
    from .compare.validate import validate as _validate

    return _validate(data, estimate, **kwargs)


__all__ = [
    "DEFAULT_TRUTH", "PARAM_NAMES", "DataError", "Dataset", "EMResult", "EmvbError", "MixtureParams", "ParamError",
    "SettingError", "__version__", "build_model", "climb", "compare", "diagnose_labels", "fit_em", "load_data",
    "loglik", "logpdf", "pdf", "relabel", "responsibilities", "sample_posterior", "save_dataset", "simulate",
    "validate",
]
