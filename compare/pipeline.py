"""``emvb run`` end to end: one data set, EM, both PyMC posteriors, diagnosis, relabelling, the model's
adequacy checks (:mod:`adequacy`), table, convergence.

:func:`run_comparison` computes everything of one comparison once and returns it as one DataTree of facts
(:func:`compare.facts.facts_tree`); :func:`report.folder.write_comparison` writes every file of the report
folder from that tree alone (figures, results.nc, summary.json, report.md). Both fits see the same
:class:`models.Dataset` (:func:`sampling.fits.fit_both`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..models.data import Dataset
from ..sampling.options import DEFAULTS, Settings
from .stages import Stages
from .table import ORDERED, RAW, RELABEL_PREFIX

if TYPE_CHECKING:
    import xarray as xr

    from .alongside import Worker

__all__ = ["check_adequacy", "run_comparison"]


def run_comparison(data: Dataset, settings: Settings = DEFAULTS, stages: Stages | None = None,
                   worker: Worker | None = None) -> xr.DataTree:
    """Fit EM and sample both PyMC models on ``data``; diagnose, relabel, check the model, tabulate: the
    comparison's tree of facts (:func:`compare.facts.facts_tree`; its ``timings`` those of ``stages`` so far).

    Both models start their chains as ``settings.init`` says (default: independent prior draws, so
    the starts do not decide which labelling each chain ends in; ``"dispersed"`` places the unordered
    model's chains in both labellings on purpose). Priors: ``settings.priors`` (default: weakly
    informative, scales computed from the data, which the report says). Given a ``worker``
    (:class:`compare.alongside.Worker`), the bootstrap tests run in it while the models compile and
    sample; otherwise in line, after them (a second process is the caller's choice: spawning one
    re-imports the caller's main script, which must then be guarded by ``if __name__ == "__main__"``).
    """
    from ..adequacy import assess
    from ..sampling.fits import fit_both

    stages, boot = stages or Stages(), []

    def start(fit) -> None:  # as soon as EM is done: the bootstrap tests run there while this process samples
        if worker is not None:
            boot.append(worker.submit(assess, data.values, fit, n_boot=settings.n_boot, seed=settings.seed))

    fits = fit_both(data, settings, stage=stages.stage, after_em=start)
    return _compared(data, settings, stages, fits, boot)


def _compared(data: Dataset, settings: Settings, stages: Stages, fits, boot: list) -> xr.DataTree:
    """The comparison's steps after both fits (:func:`run_comparison`); ``boot``: the bootstrap tests sent to
    the worker (a :class:`compare.alongside.Call`), if any: the same numbers as run in line."""
    from .. import em
    from ..labels.diagnose import diagnose_labels
    from ..labels.inputs import prepare
    from ..labels.relabel import METHODS, relabel_all
    from .convergence import chain_checks
    from .facts import facts_tree
    from .table import compare_fits

    fit, (unordered, ordered) = fits.em, (fits.posteriors[k] for k in ("unordered", "ordered"))
    plain = em.fit(data, init=fit.runs.starts[fit.runs.best].init, n_init=1, accelerate=False, seed=settings.seed)
    stages.note(f"MLE {fit.params}; {fit.n_iter} iterations: {fit.reason}")
    with stages.stage("label switching: diagnosis", "diagnose"):
        inputs = prepare(unordered, data=data.values, em_result=fit)  # shared with the relabelling below
        diagnosis = diagnose_labels(unordered, fit, inputs=inputs)
    stages.note(f"verdict: {diagnosis.verdict}")
    with stages.stage("relabelling: " + ", ".join(METHODS), "relabel"):
        relabelled = relabel_all(unordered, em_result=fit, inputs=inputs)
    with stages.stage(f"model adequacy: bootstrap tests (B = {settings.n_boot}), posterior predictive", "adequacy"):
        adequacy = check_adequacy(data.values, fit, ordered, settings, checks=boot[0].result() if boot else None)
    with stages.stage("comparison table (ArviZ summaries beside EM)", "table"):
        posteriors = ({RAW: unordered} | {RELABEL_PREFIX + m: r.posterior for m, r in relabelled.items()}
                      | {ORDERED: ordered})
        table = compare_fits(fit, posteriors, truth=data.truth, ci_prob=settings.ci_prob)
        checks = chain_checks(settings, table, diagnosis, unordered, ordered)
    return facts_tree(data=data, settings=settings, priors=fits.priors, em=fit, plain=plain, posteriors=posteriors,
                      relabelled=relabelled, table=table, diagnosis=diagnosis, adequacy=adequacy, checks=checks,
                      timings=stages.timings)


def check_adequacy(x, fit, ordered, settings: Settings, checks=None):
    """The three bootstrap checks of the MLE (:func:`adequacy.assess`; ``checks``, if given, are those already
    made) and, given the ordered model's posterior, its posterior predictive check
    (:func:`adequacy.posterior_predictive_check`), seeded by the run's seed."""
    from ..adequacy import assess, posterior_predictive_check
    from ..models.draws import draws_of

    if checks is None:
        checks = assess(x, fit, n_boot=settings.n_boot, seed=settings.seed)
    if ordered is None:
        return checks
    return replace(checks, ppc=posterior_predictive_check(x, draws_of(ordered).stack(), seed=settings.seed))
