"""``emvb run`` end to end: one data set, EM, both PyMC posteriors, diagnosis, relabelling, the model's
adequacy checks (:mod:`adequacy`), table.

:func:`run_comparison` computes everything of one comparison and returns a frozen
:class:`Comparison`; :func:`write_comparison` writes it as a report folder. Both fits see the same
:class:`models.Dataset`, and its sha256 is checked again when the results are saved.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from ..models.data import Dataset
from .progress import Stages

RAW = "unordered_raw"
ORDERED = "ordered"
RELABEL_PREFIX = "relabel_"
CI_PROB = 0.95


@dataclass(frozen=True)
class RunSettings:
    """What to sample and how (the data come separately)."""

    chains: int = 4
    draws: int = 1000
    tune: int = 1000
    seed: int = 2026
    sampler: str = "nutpie"
    n_init: int = 10
    em_fits: int = 1000          # EM runs of the "em" relabelling (thinned draws; ESS is bounded by it)
    n_boot: int = 199            # parametric-bootstrap replicates of each adequacy check (adequacy/)
    ci_prob: float = CI_PROB


@dataclass(frozen=True)
class Comparison:
    """Everything one ``emvb run`` computed (see :func:`run_comparison`)."""

    data: Dataset
    settings: RunSettings
    em: object                     # em.EMResult (multi-start, SQUAREM)
    em_plain: object               # plain EM from the best run's start (``em``'s trace is SQUAREM's)
    priors: object                 # models.pymc_model.Priors
    unordered: object              # DataTree, init="dispersed"
    ordered: object                # DataTree
    diagnosis: object              # labels.diagnose.LabelDiagnosis
    relabelled: dict               # method -> labels.draws.Relabelled
    agreement: pd.DataFrame
    table: pd.DataFrame
    timings: dict = field(default_factory=dict)
    adequacy: object = None        # adequacy.Adequacy: bootstrap checks of the MLE + posterior predictive check

    @property
    def variants(self) -> dict:
        """Posterior variants in table order: raw unordered, each relabelling, ordered."""
        out = {RAW: self.unordered}
        out |= {RELABEL_PREFIX + m: r.posterior for m, r in self.relabelled.items()}
        out[ORDERED] = self.ordered
        return out


def run_comparison(data: Dataset, settings: RunSettings = RunSettings(), stages: Stages | None = None) -> Comparison:
    """Fit EM and sample both PyMC models on ``data``; diagnose, relabel, check the model, tabulate.

    The unordered model starts half its chains in each labelling of the EM estimate
    (``init="dispersed"``), so label switching between chains is shown every time; the ordered
    model starts all chains at the EM estimate (its only admissible labelling).
    """
    from .. import em

    stages = stages or Stages(quiet=True)
    x = data.values
    with stages.stage(f"EM: {settings.n_init} starts, SQUAREM, Louis SEs", "em"):
        fit = em.fit(x, n_init=settings.n_init, seed=settings.seed)
        start = fit.runs.starts[fit.runs.best].init
        plain = em.fit(x, init=start, n_init=1, accelerate=False, seed=settings.seed)
    stages.note(f"MLE {fit.params}")
    stages.note(f"{fit.n_iter} iterations: {fit.reason}")

    from ..models.priors import Priors
    from ..models.pymc_model import build_model
    from ..sampling.sample import sample

    priors = Priors.default_for(x)
    kw = dict(chains=settings.chains, draws=settings.draws, tune=settings.tune, seed=settings.seed,
              sampler=settings.sampler, start=fit.params)
    with stages.stage("PyMC: unordered model (chains in both labellings)", "sample_unordered"):
        unordered = sample(build_model(data, priors=priors, ordered=False), init="dispersed", **kw)
    with stages.stage("PyMC: ordered model (mu1 < mu2)", "sample_ordered"):
        ordered = sample(build_model(data, priors=priors, ordered=True), init="dispersed", **kw)

    from ..labels.diagnose import diagnose_labels
    from ..labels.relabel import agreement, relabel_all
    from .table import compare_fits

    with stages.stage("label switching: diagnosis", "diagnose"):
        diagnosis = diagnose_labels(unordered, fit, data=x)
    stages.note(f"verdict: {diagnosis.verdict}")
    with stages.stage("relabelling: order, pivot, Stephens, ECR, EM", "relabel"):
        relabelled = relabel_all(unordered, em_result=fit, data=x, seed=settings.seed, max_fits=settings.em_fits)
        agree = agreement(relabelled)
    with stages.stage(f"model adequacy: bootstrap tests (B = {settings.n_boot}), posterior predictive", "adequacy"):
        adequacy = check_adequacy(x, fit, ordered, settings)
    comp = Comparison(data=data, settings=settings, em=fit, em_plain=plain, priors=priors,
                      unordered=unordered, ordered=ordered, diagnosis=diagnosis, relabelled=relabelled,
                      agreement=agree, table=pd.DataFrame(), timings=stages.timings, adequacy=adequacy)
    with stages.stage("comparison table (ArviZ summaries beside EM)", "table"):
        table = compare_fits(fit, comp.variants, truth=data.truth, ci_prob=settings.ci_prob)
    return dataclasses.replace(comp, table=table)


def check_adequacy(x, fit, ordered, settings: RunSettings):
    """The three bootstrap checks of the MLE (:func:`adequacy.assess`) and the posterior predictive check
    of the ordered model (:func:`adequacy.posterior_predictive_check`), seeded by the run's seed."""
    from ..adequacy import assess, posterior_predictive_check
    from ..labels.draws import draws_of

    checks = assess(x, fit, n_boot=settings.n_boot, seed=settings.seed)
    ppc = posterior_predictive_check(x, draws_of(ordered).stack(), seed=settings.seed)
    return dataclasses.replace(checks, ppc=ppc)
