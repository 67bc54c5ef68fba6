"""``emvb run`` end to end: one data set, EM, both PyMC posteriors, diagnosis, relabelling, table.

:func:`run_comparison` computes everything of one comparison and returns a frozen
:class:`Comparison`; :func:`write_comparison` writes it as a report folder. Both fits see the same
:class:`models.Dataset`, and its sha256 is checked again when the results are saved.
"""

from __future__ import annotations

import dataclasses
import json
import platform
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from models.data import Dataset
from models.fileio import atomic_dir, atomic_write_text

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
    diagnosis: object              # compare.labels.LabelDiagnosis
    relabelled: dict               # method -> compare.relabel.Relabelled
    agreement: pd.DataFrame
    table: pd.DataFrame
    timings: dict = field(default_factory=dict)

    @property
    def variants(self) -> dict:
        """Posterior variants in table order: raw unordered, each relabelling, ordered."""
        out = {RAW: self.unordered}
        out |= {RELABEL_PREFIX + m: r.posterior for m, r in self.relabelled.items()}
        out[ORDERED] = self.ordered
        return out


def run_comparison(data: Dataset, settings: RunSettings = RunSettings(), stages: Stages | None = None) -> Comparison:
    """Fit EM and sample both PyMC models on ``data``; diagnose, relabel and tabulate.

    The unordered model starts half its chains in each labelling of the EM estimate
    (``init="dispersed"``), so label switching between chains is shown every time; the ordered
    model starts all chains at the EM estimate (its only admissible labelling).
    """
    import em

    stages = stages or Stages(quiet=True)
    x = data.values
    with stages.stage(f"EM: {settings.n_init} starts, SQUAREM, Louis SEs", "em"):
        fit = em.fit(x, n_init=settings.n_init, seed=settings.seed)
        start = fit.runs.starts[fit.runs.best].init
        plain = em.fit(x, init=start, n_init=1, accelerate=False, seed=settings.seed)
    stages.note(f"MLE {fit.params}")
    stages.note(f"{fit.n_iter} iterations: {fit.reason}")

    from models.pymc_model import Priors, build_model
    from models.pymc_sample import sample

    priors = Priors.default_for(x)
    kw = dict(chains=settings.chains, draws=settings.draws, tune=settings.tune, seed=settings.seed,
              sampler=settings.sampler, start=fit.params)
    with stages.stage("PyMC: unordered model (chains in both labellings)", "sample_unordered"):
        unordered = sample(build_model(data, priors=priors, ordered=False), init="dispersed", **kw)
    with stages.stage("PyMC: ordered model (mu1 < mu2)", "sample_ordered"):
        ordered = sample(build_model(data, priors=priors, ordered=True), init="dispersed", **kw)

    from .labels import diagnose_labels
    from .relabel import agreement, relabel_all
    from .table import compare_fits

    with stages.stage("label switching: diagnosis", "diagnose"):
        diagnosis = diagnose_labels(unordered, fit, data=x)
    stages.note(f"verdict: {diagnosis.verdict}")
    with stages.stage("relabelling: order, pivot, Stephens, ECR, EM", "relabel"):
        relabelled = relabel_all(unordered, em_result=fit, data=x, seed=settings.seed, max_fits=settings.em_fits)
        agree = agreement(relabelled)
    comp = Comparison(data=data, settings=settings, em=fit, em_plain=plain, priors=priors,
                      unordered=unordered, ordered=ordered, diagnosis=diagnosis, relabelled=relabelled,
                      agreement=agree, table=pd.DataFrame(), timings=stages.timings)
    with stages.stage("comparison table (ArviZ summaries beside EM)", "table"):
        table = compare_fits(fit, comp.variants, truth=data.truth, ci_prob=settings.ci_prob)
    return dataclasses.replace(comp, table=table)


# -- summary.json ------------------------------------------------------------------------------


def _f(v) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def sampling_facts(dt) -> dict:
    """Divergences, tree-depth hits, R-hat/ESS extremes and times recorded by the sampler."""
    a = dt.attrs
    return {k: a.get(k) for k in ("sampler", "init", "chains", "draws", "tune", "seed", "n_divergent",
                                  "n_max_treedepth", "compile_time", "sampling_time", "wall_time",
                                  "likelihood")}


def summary_dict(c: Comparison) -> dict:
    """The ``summary.json`` object: em, label_switching, variants, sha256, timings and context."""
    variants = {}
    for name, sub in c.table.groupby("variant", sort=False):
        variants[name] = {
            row.parameter: {"mean": _f(row.mean), "sd": _f(row.sd), "hdi_low": _f(row.hdi_lb),
                            "hdi_high": _f(row.hdi_ub), "r_hat": _f(row.r_hat), "ess_bulk": _f(row.ess_bulk)}
            for row in sub.itertuples()
        }
    d = c.diagnosis
    return {
        "em": c.em.to_json_dict(),
        "label_switching": {
            "verdict": d.verdict,
            "chains": [ch.labelling for ch in d.chains],
            "share_other_labelling": [_f(ch.share_other) for ch in d.chains],
            "rhat_raw": {k: _f(v) for k, v in d.rhat_raw.items()},
            "rhat_invariant": {k: _f(v) for k, v in d.rhat_invariant.items()},
            "method_agreement": {a: {b: _f(c.agreement.loc[a, b]) for b in c.agreement.columns}
                                 for a in c.agreement.index},
        },
        "variants": variants,
        "sha256": c.data.sha256,
        "data": {"name": c.data.name, "n": c.data.n, "seed": c.data.seed,
                 "truth": None if c.data.truth is None else c.data.truth.to_dict()},
        "priors": c.priors.to_dict(),
        "sampling": {RAW: sampling_facts(c.unordered), ORDERED: sampling_facts(c.ordered)},
        "settings": c.settings.__dict__,
        "timings": {k: round(float(v), 3) for k, v in c.timings.items()},
        "versions": versions(),
    }


def versions() -> dict:
    import arviz
    import pymc

    return {"python": platform.python_version(), "numpy": np.__version__, "pymc": pymc.__version__,
            "arviz": arviz.__version__}


# -- the output folder ------------------------------------------------------------------------


FIGURES = {
    "data_fit.png": "data with the true, EM and posterior densities",
    "em_convergence.png": "EM log-likelihood, plain vs SQUAREM",
    "trace_unordered.png": "unordered posterior as sampled (label switching visible)",
    "trace_relabelled.png": "unordered posterior after relabelling (pivot to EM)",
    "trace_ordered.png": "ordered posterior",
    "posterior_vs_em.png": "posterior densities with the EM estimate, N(MLE, SE²) and truth",
}


def write_figures(c: Comparison, folder: Path) -> None:
    from . import figures as F

    truth = c.data.truth
    F.save(F.data_fit(c.data.values, c.em.params, c.ordered, truth, band=c.settings.ci_prob), folder / "data_fit.png")
    F.save(F.em_trace(c.em_plain, c.em), folder / "em_convergence.png")
    F.save(F.trace_plot(c.unordered, f"Unordered model as sampled: verdict {c.diagnosis.verdict}"),
           folder / "trace_unordered.png")
    relab = c.relabelled.get("pivot") or next(iter(c.relabelled.values()))
    F.save(F.trace_plot(relab.posterior, f"Unordered model relabelled ({relab.method})"),
           folder / "trace_relabelled.png")
    F.save(F.trace_plot(c.ordered, "Ordered model (mu1 < mu2 imposed by the prior)"), folder / "trace_ordered.png")
    F.save(F.param_densities(c.ordered, c.em, truth, ci_prob=c.settings.ci_prob), folder / "posterior_vs_em.png")


def write_comparison(c: Comparison, out, *, force: bool = False, stages: Stages | None = None,
                     command: str = "") -> Path:
    """Write the report folder atomically: report.md, figures, results.nc, comparison.*, summary.json.

    An existing folder is refused unless ``force``; it is replaced only once the new one is complete.
    """
    from .report import render_report
    from .results import save_results
    from .table import write_table

    stages = stages or Stages(quiet=True)

    def build(tmp: Path) -> None:
        with stages.stage("figures", "figures"):
            write_figures(c, tmp)
        with stages.stage("results.nc, comparison table, summary.json, report.md", "write"):
            save_results(tmp / "results.nc", data=c.data, em_result=c.em, posteriors=c.variants, table=c.table)
            write_table(c.table, tmp)
            # timings are final only now; the write stage's own time is recorded after this point
            summary = summary_dict(c)
            atomic_write_text(tmp / "summary.json", json.dumps(summary, indent=1) + "\n")
            atomic_write_text(tmp / "report.md", render_report(c, summary, FIGURES, command=command))

    return atomic_dir(out, build, force=force)
