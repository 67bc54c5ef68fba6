"""The study's calls into the rest of emvb: the one module that couples the two.

Three things, each behind one function:

- :func:`parse_priors`: the study's fixed prior from ``--priors``, by :meth:`models.priors.Priors.parse`
  (its text, ``.toml`` or ``.json`` format) without data: a study's prior is fixed before any data
  set is drawn (SBC draws its truths from it), so every entry must be given.
- :func:`sample_posterior`: the posterior of one replicate, by the project's own model and sampler
  (:func:`sampling.fits.sample_posterior`, the step every posterior of emvb takes). The first replicate a
  worker process samples builds the model (per model variant and kind of prior) and nutpie compiles it;
  every later replicate, of any N, is swapped into it (:func:`models.pymc_model.model_for`), so its
  compile time is ~0. A rebound model samples exactly as a model built afresh for its data (tested in
  the project's tests), so the draws do not depend on which worker ran a replicate, or after which
  others. Chains start at the replicate's EM estimate (init ``"em"``) and run one after another on one
  core (``cores=1``): a worker is one process with one thread.
- :func:`label_verdict` and :func:`relabel_by_order`: the unordered model's label-switching
  verdict and its draws relabelled by ordering mu, through :func:`labels.diagnose.diagnose_labels`
  and :func:`labels.relabel.relabel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..models.params import MixtureParams
from ..models.priors import Priors

if TYPE_CHECKING:
    import xarray as xr

def parse_priors(text_or_path) -> Priors:
    """The study's fixed prior from text or a ``.toml``/``.json`` file (:meth:`Priors.parse`, no data).

    Raises :class:`~models.errors.SettingError` or :class:`~models.errors.ParamError` (one line naming
    the text or file and the problem).
    """
    return Priors.parse(text_or_path)


@dataclass(frozen=True)
class Sampled:
    """One replicate's posterior: the DataTree of :func:`sampling.sample.sample`, its divergences, the
    target acceptance its draws were sampled at and the retries before it, and the seconds spent
    compiling (0 when this worker had compiled the model already), sampling, and on the rest of the
    sampler's set-up (placing the chains' start, swapping the data in, assembling the draws)."""

    posterior: xr.DataTree
    divergences: int
    compile_seconds: float
    setup_seconds: float
    sample_seconds: float
    target_accept: float = float("nan")
    retries: int = 0


def sample_posterior(x: np.ndarray, *, ordered: bool, priors: Priors, start: MixtureParams, chains: int,
                     draws: int, tune: int, seed: int) -> Sampled:
    """NUTS (:func:`sampling.sample.sample` with its default settings: nutpie, dense mass matrix, the
    centre-gap parametrisation, a retry at higher target acceptance while too many draws diverge) on
    ``x`` under ``priors``, every chain started at ``start``, on one core."""
    from ..models.data import Dataset
    from ..sampling.fits import sample_posterior as sample
    from ..sampling.options import Settings

    data = Dataset(x, name="simulated replicate")
    settings = Settings(chains=chains, draws=draws, tune=tune, seed=int(seed), init="em", priors=priors)
    dt = sample(data, settings, ordered=ordered, start=start, cores=1)
    a = dt.attrs
    setup = max(0.0, a["wall_time"] - a["compile_time"] - a["sampling_time"])
    return Sampled(dt, int(a["n_divergent"]), float(a["compile_time"]), setup, float(a["sampling_time"]),
                   float(a["target_accept"]), int(a["retries"]))


# -- label switching of the unordered model ----------------------------------------------------


def label_verdict(posterior, em_result, x: np.ndarray) -> str:
    """One of :data:`labels.diagnose.VERDICTS` (:func:`labels.diagnose.diagnose_labels`)."""
    from ..labels.diagnose import diagnose_labels

    return str(diagnose_labels(posterior, em_result, data=x).verdict)


def relabel_by_order(posterior, em_result, x: np.ndarray):
    """The draws relabelled so that mu1 < mu2 in each (:func:`labels.relabel.relabel`, method ``"order"``)."""
    from ..labels.relabel import relabel

    return relabel(posterior, "order", em_result=em_result, data=x).posterior
