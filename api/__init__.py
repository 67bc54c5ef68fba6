"""emvb: EM vs Bayes for a two-component Gaussian mixture with a shared sigma.

``x ~ pi1 N(mu1, sigma^2) + (1 - pi1) N(mu2, sigma^2)``. The public API for notebooks and scripts
(:data:`__all__`), re-exported here from the packages that own each job (importing ``emvb`` does not
import pymc; the functions that need it import it when called). Every function that samples takes one
:class:`Settings` (chains, draws, tune, seed, sampler, starts, priors, ``ci_prob``), checked once when
it is made, as on the command line::

    import emvb
    data = emvb.simulate(emvb.MixtureParams(0.3, 5, 15, 2), n=1000, seed=1)
    mle = emvb.fit_em(data)                        # EM: estimate, Louis SEs, Wald intervals
    post = emvb.sample_posterior(data, emvb.Settings(init="em", seed=1), start=mle.params)  # a DataTree
    tree = emvb.comparison(data)                   # the whole `emvb run` comparison: results.nc's DataTree
    study = emvb.bvm(n_grid=(20, 100, 1000))       # posterior vs N(MLE, SE^2) on nested data sets

The teaching notebooks (notebooks/) add the step-by-step helpers of :mod:`emvb.teaching`. No public
name is also the name of a subpackage (tests/test_api.py), so ``emvb.compare`` is the package.
Formulas and algorithms: docs/methods.md.
"""

from __future__ import annotations

# First of all: when this process is the `emvb` command, a Ctrl-C while it starts prints one line (its note).
from . import _command  # noqa: F401

# isort: split
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .em import fit as fit_em
from .files.datafile import load_data
from .models import Dataset, MixtureParams, simulate
from .models.errors import EmvbError
from .models.params import DEFAULT_N_GRID, DEFAULT_TRUTH
from .models.priors import Priors
from .sampling.options import DEFAULTS, Settings

try:
    __version__ = _version("emvb")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "unknown"

__all__ = [
    "Dataset", "EmvbError", "MixtureParams", "Priors", "Settings", "__version__", "bvm", "check_adequacy",
    "comparison", "diagnose_labels", "fit_both", "fit_em", "load_data", "relabel", "relabel_mixture",
    "sample_posterior", "simulate", "validate",
]


def _dataset(data) -> Dataset:
    return data if isinstance(data, Dataset) else Dataset(data)


def sample_posterior(data, settings: Settings = DEFAULTS, *, ordered: bool = True, start: MixtureParams | None = None,
                     target_accept: float | None = None):
    """The posterior of the mixture by NUTS, an ``xarray.DataTree`` (ArviZ reads it directly).

    ``settings.init`` ``"em"`` or ``"dispersed"`` start the chains at ``start`` (default: the EM estimate,
    fitted here with ``settings``' starts and seed); ``target_accept`` overrides the sampler's first target
    (:func:`sampling.sample.sample`)."""
    from .sampling.fits import fit_em as _fit_em
    from .sampling.fits import sample_posterior as _sample

    ds = _dataset(data)
    if start is None and settings.init in ("em", "dispersed"):
        start = _fit_em(ds, settings).params
    options = {} if target_accept is None else {"target_accept": target_accept}
    return _sample(ds, settings, ordered=ordered, start=start, **options)


def fit_both(data, settings: Settings = DEFAULTS, *, models: tuple[str, ...] = ("unordered", "ordered")):
    """EM, then each posterior model under one prior (:func:`sampling.fits.fit_both`): a
    :class:`sampling.fits.Fits` with ``em``, ``priors`` and ``posteriors`` (``{"ordered": DataTree, ...}``)."""
    from .sampling.fits import fit_both as _fit_both

    return _fit_both(_dataset(data), settings, models=models)


def comparison(data, settings: Settings = DEFAULTS):
    """The whole comparison of ``emvb run`` on ``data`` as one ``xarray.DataTree`` of facts, what every file of
    its report folder is written from (:func:`compare.facts.facts_tree`): the data, the EM fit, every
    posterior variant (ArviZ reads each ``posteriors/<variant>``), the table, the label diagnosis and
    relabelling, the model's adequacy, the convergence checks and what only the figures draw
    (``figure_data``, left out of ``results.nc``). Runs in this process (``emvb run`` adds a second one)."""
    from .compare.pipeline import run_comparison

    return run_comparison(_dataset(data), settings)


def check_adequacy(data, fit=None, posterior=None, settings: Settings = DEFAULTS):
    """Is the model adequate for ``data``? The bootstrap tests of the MLE ``fit`` (default: fitted here) with
    ``settings.n_boot`` replicates and, given an ordered ``posterior``, the posterior predictive check
    (:func:`adequacy.assess`, :func:`adequacy.posterior_predictive_check`); an :class:`adequacy.Adequacy`."""
    from .compare.pipeline import check_adequacy as _check
    from .sampling.fits import fit_em as _fit_em

    ds = _dataset(data)
    return _check(ds.values, fit or _fit_em(ds, settings), posterior, settings)


def diagnose_labels(posterior, em_result, *, data=None):
    """Label switching in ``posterior`` relative to an EM fit (:func:`labels.diagnose.diagnose_labels`)."""
    from .labels.diagnose import diagnose_labels as _diagnose

    return _diagnose(posterior, em_result, data=data)


def relabel(posterior, method: str, *, em_result, data=None):
    """Relabel every draw of ``posterior`` by ``method`` (:data:`labels.methods.METHODS`;
    :func:`labels.relabel.relabel`)."""
    from .labels.relabel import relabel as _relabel

    return _relabel(posterior, method, em_result=em_result, data=data)


def relabel_mixture(posterior, data=None, **kwargs):
    """Diagnose and undo label switching in anyone's K-component 1-D Gaussian-mixture posterior (PyMC, NumPyro,
    CmdStanPy via ArviZ): a DataTree with the posterior relabelled in its own layout and a ``relabelling`` group
    with every method's per-draw permutations, shares, agreement and the verdict
    (:func:`labels.mixture.relabel_mixture`)."""
    from .labels.mixture import relabel_mixture as _relabel_mixture

    return _relabel_mixture(posterior, data, **kwargs)


def validate(data, estimate: MixtureParams, *, n_init: int = 10, seed: int = 0):
    """Is ``estimate`` a global maximum, a local one or no maximum? (:func:`geometry.validate.validate`)"""
    from .geometry.validate import validate as _validate

    return _validate(data, estimate, n_init=n_init, seed=seed)


def bvm(truth: MixtureParams = DEFAULT_TRUTH, n_grid=DEFAULT_N_GRID, settings: Settings = DEFAULTS):
    """EM and the ordered posterior on nested data sets: Bernstein-von Mises made visible
    (:func:`compare.bvm.run_bvm`, ``emvb bvm``; every chain starts at the EM estimate whatever
    ``settings.init``). A :class:`compare.bvm.BvMStudy`; ``settings.seed`` also seeds the simulation."""
    from .compare.bvm import run_bvm

    return run_bvm(truth, n_grid, settings)
