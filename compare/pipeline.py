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
    n_boot: int = 199            # parametric-bootstrap replicates of each adequacy check (adequacy/)
    ci_prob: float = CI_PROB
    init: str = "prior"          # chain starts (sampling.options.INITS); "dispersed" is a teaching device
    priors: str = "default"      # models.priors.Priors.parse text: "default", "flat", a spec or a file


@dataclass(frozen=True)
class Comparison:
    """Everything one ``emvb run`` computed (see :func:`run_comparison`)."""

    data: Dataset
    settings: RunSettings
    em: object                     # em.EMResult (multi-start, SQUAREM)
    em_plain: object               # plain EM from the best run's start (``em``'s trace is SQUAREM's)
    priors: object                 # models.priors.Priors
    unordered: object              # DataTree, chains started as settings.init says
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

    Both models start their chains as ``settings.init`` says (default: independent prior draws, so
    the starts do not decide which labelling each chain ends in; ``"dispersed"`` places the unordered
    model's chains in both labellings on purpose). Priors: ``settings.priors`` (default: weakly
    informative, scales computed from the data, which the report says).
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

    from ..models.priors import resolve_priors
    from ..models.pymc_model import build_model
    from ..sampling.sample import sample

    priors = resolve_priors(settings.priors, x)
    kw = dict(chains=settings.chains, draws=settings.draws, tune=settings.tune, seed=settings.seed,
              sampler=settings.sampler, start=fit.params, init=settings.init)
    with stages.stage(f"PyMC: unordered model (starts: {settings.init})", "sample_unordered"):
        unordered = sample(build_model(data, priors=priors, ordered=False), **kw)
    with stages.stage("PyMC: ordered model (mu1 < mu2)", "sample_ordered"):
        ordered = sample(build_model(data, priors=priors, ordered=True), **kw)

    from ..labels.diagnose import diagnose_labels
    from ..labels.inputs import prepare
    from ..labels.relabel import METHODS, agreement, relabel_all
    from .table import compare_fits

    with stages.stage("label switching: diagnosis", "diagnose"):
        inputs = prepare(unordered, data=x, em_result=fit)  # shared with the relabelling below
        diagnosis = diagnose_labels(unordered, fit, inputs=inputs)
    stages.note(f"verdict: {diagnosis.verdict}")
    with stages.stage("relabelling: " + ", ".join(METHODS), "relabel"):
        relabelled = relabel_all(unordered, em_result=fit, inputs=inputs)
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
