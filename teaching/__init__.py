"""Teaching: the original student EM bug hunt, each mistake (:mod:`teaching.faulty`) run beside the right code,
and the step-by-step helpers the notebooks use beside the public API (``import emvb.teaching as T``): the
model's math (``pdf``, ``component_logpdf``, ``loglik``, ``draw``, ``e_step``, ``m_step``, ``em_map``,
``observed_information``), the thresholds, the EM-beside-posterior tables, prior draws, relabelling facts
and the Bernstein-von Mises study's sentences and figures. The notebooks' own figures, sized to be
projected, are in :mod:`teaching.plots`.
"""

from __future__ import annotations

from ..compare.thresholds import ESS_MIN, RHAT_MAX
from ..em import e_step, em_map, m_step, observed_information
from ..models import DEFAULT_TRUTH, PARAM_NAMES, draw, loglik, pdf
from ..models.density import component_logpdf
from ..models.errors import check_choice
from ..models.params import DEFAULT_N_GRID, DEFAULT_SEED, MixtureParams

__all__ = [
    "DEFAULT_TRUTH", "ESS_MIN", "PARAM_NAMES", "RHAT_MAX", "bvm_findings", "compare_fits", "component_logpdf", "draw",
    "e_step", "em_map", "intervals", "loglik", "m_step", "nested_datasets", "observed_information", "pdf", "plot_bvm",
    "prior_draws", "relabel_agreement", "relabel_methods",
]


def compare_fits(em_result, posteriors: dict, truth: MixtureParams | None = None, ci_prob: float = 0.95):
    """The EM estimate beside ArviZ summaries of each posterior (:func:`compare.table.compare_fits`)."""
    from ..compare.table import compare_fits as _compare_fits

    return _compare_fits(em_result, posteriors, truth=truth, ci_prob=ci_prob)


def intervals(em_result, posterior, ci_prob: float = 0.95):
    """Wald (plain and as EM reports it), HDI and equal-tailed intervals side by side
    (:func:`compare.intervals.intervals`)."""
    from ..compare.intervals import intervals as _intervals

    return _intervals(em_result, posterior, ci_prob)


def nested_datasets(truth: MixtureParams = DEFAULT_TRUTH, n_grid=DEFAULT_N_GRID, seed: int = DEFAULT_SEED):
    """The first n points of one simulated sample, for each n of ``n_grid`` (:func:`compare.bvm.nested_datasets`)."""
    from ..compare.bvm import nested_datasets as _nested

    return _nested(truth, n_grid, seed)


def bvm_findings(study) -> list[str]:
    """The sentences ``emvb bvm`` writes about ``study`` (:func:`emvb.bvm`), each computed from its table."""
    from ..report.bvm_report import findings

    return findings(study.table)


def plot_bvm(study, kind: str = "standardized"):
    """A figure of a :func:`emvb.bvm` study: ``"standardized"`` ((theta - MLE)/SE against N(0, 1), one panel per
    parameter), ``"grid"`` (rows = n, in the parameters' units) or ``"intervals"`` (Wald, HDI, ETI)."""
    from ..report import bvm_figures as _f

    kinds = {"standardized": _f.standardized_figure, "grid": _f.grid_figure, "intervals": _f.intervals_figure}
    check_choice("kind", kind, kinds)
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

    from ..models.data import Dataset
    from ..models.priors import resolve_priors

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
    """Every relabelling method of ``labels.methods.METHODS`` with its one-line description, in that order
    (``labels.methods.METHOD_INFO``: the report's method table and ``emvb labels`` print the same text)."""
    from ..labels.methods import METHOD_INFO, METHODS

    return {name: METHOD_INFO[name][1] for name in METHODS}


def relabel_agreement(relabelled: dict):
    """Share of draws on which each pair of relabellings chose the same labels (:func:`labels.relabel.agreement`)."""
    from ..labels.relabel import agreement

    return agreement(relabelled)
