"""EM, then the PyMC posterior(s), on one data set: the chain ``em.fit -> build_model -> sample``, written once.

:func:`fit_both` is what ``emvb run`` computes before its diagnosis (both models, chains started as
:class:`~sampling.options.Settings` says), ``emvb bvm`` on each data set (its preset :data:`BVM`:
the ordered model only, every chain at the EM estimate) and the API; :func:`sample_posterior` is the
one sampling step, also the study's. Each variant's model is compiled once per process
(:func:`models.pymc_model.model_for`): later data sets, of any size, are swapped into it.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from ..em import EMResult
from ..models.data import Dataset
from ..models.params import MixtureParams
from ..models.priors import Priors
from .options import Settings

#: Both posterior models, in the order ``emvb run`` samples them.
MODELS = ("unordered", "ordered")
#: ``emvb bvm``'s preset of :func:`fit_both`: the ordered model, every chain started at the EM estimate.
BVM = {"models": ("ordered",), "init": "em"}


@dataclass(frozen=True, eq=False)  # holds arrays and DataTrees
class Fits:
    """The EM fit, the priors both models used and each model's posterior (``{"ordered": DataTree, ...}``)."""

    data: Dataset
    em: EMResult
    priors: Priors
    posteriors: dict


def fit_em(data: Dataset, settings: Settings):
    """EM from ``settings.n_init`` starts (SQUAREM, Louis SEs) seeded by ``settings.seed`` (:func:`em.fit`)."""
    from ..em import fit

    return fit(data, n_init=settings.n_init, seed=settings.seed)


def sample_posterior(data: Dataset, settings: Settings, *, ordered: bool, priors: Priors | None = None,
                     start: MixtureParams | None = None, model=None, **options):
    """NUTS on ``data`` (:func:`sampling.sample.sample`) with the chains, draws, warm-up, seed, sampler and
    starts of ``settings``; ``model`` (default: this process's model of the variant,
    :func:`models.pymc_model.model_for`, under ``priors``, default ``settings.priors_for(data)``) and
    ``options`` (``cores``, ``target_accept``, ...) go to the sampler."""
    from ..sampling.sample import sample

    if model is None:
        from ..models.pymc_model import model_for

        model = model_for(data, priors=priors or settings.priors_for(data.values), ordered=ordered)
    return sample(model, chains=settings.chains, draws=settings.draws, tune=settings.tune, seed=settings.seed,
                  sampler=settings.sampler, init=settings.init, start=start, **options)


def fit_both(data: Dataset, settings: Settings, *, models=MODELS, stage=lambda label, key: nullcontext(),
             after_em=None) -> Fits:
    """EM on ``data``, then each of ``models`` sampled under one prior, chains started as ``settings.init``
    says from the EM estimate. ``stage(label, key)``: a context manager around each step (the progress display);
    ``after_em(fit)``, if given, is called with the EM fit before sampling (``emvb run`` starts its bootstrap
    tests there, to run while the models compile)."""
    priors = settings.priors_for(data.values)
    with stage(f"EM: {settings.n_init} starts, SQUAREM, Louis SEs", "em"):
        fit = fit_em(data, settings)
    if after_em is not None:
        after_em(fit)
    posteriors = {}
    for name in models:
        what = f"unordered model (starts: {settings.init})" if name == "unordered" else "ordered model (mu1 < mu2)"
        with stage(f"PyMC: {what}", f"sample_{name}"):
            posteriors[name] = sample_posterior(data, settings, ordered=name == "ordered", priors=priors,
                                                start=fit.params)
    return Fits(data, fit, priors, posteriors)
