"""``report.md`` of one comparison: readable on its own, every number taken from this run.

:func:`render_report` only formats, and reads only the comparison's tree of facts
(:func:`compare.facts.facts_tree`, what ``results.nc`` holds and ``summary.json`` is written from), so the
report, the JSON and the file cannot disagree, and a saved ``results.nc`` renders the same report again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from ..compare.facts import adequacy_facts, chain_checks_of, label_diagnosis
from ..compare.results import table_from_results
from ..compare.table import ORDERED, RAW, RELABEL_PREFIX
from ..compare.thresholds import RHAT_MAX, ess_min, shown
from ..files.tables import fmt_number as _g
from ..files.tables import identified, unscored_note
from ..files.tables import md_table as _table
from ..models.errors import EmvbError
from ..models.params import PARAM_NAMES, MixtureParams
from .adequacy_section import adequacy_section
from .labels_section import labels_section
from .lessons import lessons_section

if TYPE_CHECKING:
    from ..compare.convergence import ChainCheck
    from ..labels.diagnose import LabelDiagnosis

#: What a tree must hold to be rendered: (group, variable or attribute) written by compare.facts.facts_tree.
REQUIRED = (("em", "plain_n_iter"), ("em", "optimum_loglik"), ("labels", "switches"), ("labels", "bin_width"),
            ("adequacy", "n_exceed"), ("adequacy", "rejects"), ("convergence", "rhat"))


@dataclass(frozen=True, eq=False)  # holds a DataTree
class Facts:
    """The facts the report prints, each decoded once from the comparison's tree (:meth:`of`)."""

    tree: xr.DataTree
    n: int                         # the data's size
    settings: dict                 # sampling.options.Settings.to_dict
    truth: MixtureParams | None    # what the data were simulated from, if they were
    simulated: bool                # a known truth: a rejection of the model is a false alarm
    em: MixtureParams              # the MLE
    table: pd.DataFrame            # compare.table.compare_fits of every variant
    labels: xr.Dataset             # the /labels group
    diagnosis: LabelDiagnosis      # of /labels
    checks: dict[str, ChainCheck]  # {RAW, ORDERED}
    adequacy: dict                 # compare.facts.adequacy_facts

    @classmethod
    def of(cls, tree: xr.DataTree) -> Facts:
        """The facts of ``tree``; a tree without the facts the report needs is refused in one line."""
        missing = [f"{g}/{k}" for g, k in REQUIRED
                   if g not in tree.children or (k not in tree[g].attrs and k not in tree[g].to_dataset())]
        if missing:
            raise EmvbError(f"the results hold no {', '.join(missing)}: written by an older emvb? Run emvb run again")
        a, labels = tree.attrs, tree["labels"].to_dataset()
        truth = MixtureParams.from_dict(json.loads(a["truth"])) if a["truth"] else None
        return cls(tree, int(a["data_n"]), json.loads(a["settings"]), truth, truth is not None,
                   MixtureParams.from_array(tree["em"]["estimate"].values), table_from_results(tree), labels,
                   label_diagnosis(labels), chain_checks_of(tree), adequacy_facts(tree["adequacy"].to_dataset()))


def _em_section(f: Facts) -> str:
    em, truth = f.tree["em"], f.truth
    a, level = em.attrs, int(round(100 * f.settings["ci_prob"]))
    wald = f.table[f.table.variant == ORDERED].set_index("parameter")  # EM's Wald intervals, the same in every row
    rows = []
    for k, est, se in zip(PARAM_NAMES, em["estimate"].values, em["se"].values, strict=True):
        row = [f"`{k}`"] + ([_g(truth.to_dict()[k])] if truth else [])
        row += [_g(est, 6), _g(se, 3), f"[{_g(wald.em_ci_lb[k], 5)}, {_g(wald.em_ci_ub[k], 5)}]"]
        rows.append(row)
    header = ["parameter"] + (["truth"] if truth else []) + ["EM estimate", "SE (Louis)", f"{level}% Wald CI"]
    optima = list(zip(em["optimum_loglik"].values, em["optimum_count"].values.tolist(),
                      em["optimum_is_max"].values.astype(bool), strict=True))
    maxima = [(ll, n) for ll, n, is_max in optima if is_max]
    saddles = sum(n for _, n, is_max in optima if not is_max)
    text = "## 1. Maximum likelihood by EM\n\n" + _table(header, rows)
    text += (f"\nLog-likelihood {a['loglik']:.4f}. The best of {a['n_starts']} starts took {a['n_iter']} "
             f"iterations ({a['n_map_evals']} EM-map evaluations with SQUAREM) and stopped because: "
             f"*{a['reason']}*. The starts reached {len(maxima)} distinct maxim{'um' if len(maxima) == 1 else 'a'}: "
             + "; ".join(f"log-likelihood {ll:.4f} ({n} start{'s' if n != 1 else ''})" for ll, n in maxima) + ".")
    if saddles:
        text += (f" {saddles} start{'s' if saddles != 1 else ''} stopped on the one-normal ridge mu1 ~ mu2, "
                 "where EM creeps (its rate is 1 there) and the log-likelihood rule fires although the point "
                 "is a saddle (observed information not positive definite); they are not counted as maxima.")
    text += "\n"
    text += (f"From the same start, plain EM needed {a['plain_n_iter']} iterations and SQUAREM "
             f"{a['n_iter']} ({a['plain_n_map_evals']} vs {a['n_map_evals']} passes over the data); "
             "intervals for pi1 and sigma are computed on logit(pi1) and log(sigma) and mapped back.\n")
    return text


def _agreement_rows(f: Facts, variants: list[str]) -> list[list[str]]:
    rows = []
    t = f.table
    for v in variants:
        for r in t[t.variant == v].itertuples():
            rows.append([v, f"`{r.parameter}`", _g(r.em_estimate, 5), _g(r.em_se, 3), _g(r.mean, 5), _g(r.sd, 3),
                         f"[{_g(r.hdi_lb, 5)}, {_g(r.hdi_ub, 5)}]", _g(r.z_mean_mle, 3), _g(r.sd_ratio, 3),
                         _g(r.r_hat, 4), _g(r.ess_bulk, 4)])
    return rows


def _comparison_section(f: Facts) -> str:
    level = int(round(100 * f.settings["ci_prob"]))
    relab = [v for v in f.table.variant.unique() if v.startswith(RELABEL_PREFIX)]
    shown = [RAW] + relab[:1] + [ORDERED]
    text = "## 3. EM beside the posterior\n\n"
    text += (f"Posterior summaries by ArviZ (`az.summary(ci_kind='hdi', ci_prob={f.settings['ci_prob']})`). "
             "`z` = (posterior mean - MLE) / SE and `sd/SE` = posterior sd / SE: for well separated "
             "components and large N, Bernstein-von Mises predicts z -> 0 and sd/SE -> 1. The raw "
             "unordered variant is shown to make the point that it must not be summarised as it is; "
             f"the full table, with every relabelling, truth coverage and MCSE, is in `comparison.md`.\n\n")
    text += _table(["variant", "param", "EM", "SE", "post. mean", "post. sd", f"{level}% HDI", "z", "sd/SE",
                    "R-hat", "ESS bulk"], _agreement_rows(f, shown), "---|---" + "|---:" * 9)
    t = f.table
    o = t[t.variant == ORDERED]
    text += (f"\nOrdered model: |z| at most {np.abs(o.z_mean_mle).max():.3g}, sd/SE between "
             f"{o.sd_ratio.min():.3g} and {o.sd_ratio.max():.3g}; the MLE lies inside the {level}% HDI for "
             f"{int(o.mle_in_hdi.sum())} of 4 parameters.")
    if f.simulated:
        scored = identified(f.truth)
        os = o[o.parameter.isin(scored)]
        text += (f" The truth lies inside EM's {level}% Wald interval for {int(os.truth_in_wald.sum())} of "
                 f"{len(scored)} parameters and inside the {level}% HDI for {int(os.truth_in_hdi.sum())} of "
                 f"{len(scored)}" + unscored_note(f.truth) + ".")
    rv = t[t.variant.str.startswith(RELABEL_PREFIX)]
    if len(rv):
        text += (f" After relabelling, the largest R-hat over all methods and parameters is {rv.r_hat.max():.4f} "
                 f"and the smallest bulk ESS {rv.ess_bulk.min():.0f}.")
    return text + "\n"


def _convergence_section(f: Facts) -> str:
    """Convergence facts per model; R-hat, ESS and the verdict of :func:`compare.convergence.chain_checks`
    (the thresholds the lessons use, numbers printed so they never round across a threshold)."""
    text = "## 4. Convergence facts\n\n"
    rows = []
    checks = f.checks
    for name, ck in checks.items():
        a = f.tree["posteriors"][name].attrs
        verdict = "yes" if ck.converged else "**NO**: " + ", ".join(ck.problems())
        rows.append([name, str(a["sampler"]), f"{a['chains']} x {a['draws']} (+{a['tune']} warm-up)",
                     str(a["n_divergent"]), str(a["n_max_treedepth"]), shown(ck.rhat, RHAT_MAX),
                     shown(ck.ess, ess_min(ck.chains), 3), verdict, _g(a["compile_time"], 3),
                     _g(a["sampling_time"], 3)])
    text += _table(["model", "sampler", "chains x draws", "divergences", "max tree depth hits", "max R-hat",
                    "min ESS bulk", f"converged (R-hat <= {RHAT_MAX:g}, ESS >= {ess_min(f.settings['chains'])})",
                    "compile s", "sampling s"], rows)
    text += (f"\nR-hat and ESS of the {RAW} model are those of {checks[RAW].quantities}: its chains start in "
             "both labellings, so the R-hat of pi1, mu1 and mu2 as sampled (section 3) measures label switching, "
             f"not convergence. Those of the {ORDERED} model are of {checks[ORDERED].quantities}.")
    for name, ck in checks.items():
        if not ck.converged:
            text += f" **The {name} model's chains have not converged: {ck.advice()}.**"
    em = f.tree["em"].attrs
    text += (f"\n\nEM: {'converged' if em['converged'] else 'did NOT converge'} ({em['reason']}) after "
             f"{em['n_iter']} iterations; tolerance {em['tol']:g} on the mean log-likelihood per point.\n\n")
    timings = json.loads(f.tree.attrs["timings"])
    return text + "Time per stage (seconds): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()) + ".\n"


def priors_words(priors: dict) -> str:
    """Where the prior's numbers came from (the scenario facts; ``priors``: :meth:`models.priors.Priors.to_dict`)."""
    if priors["from_data"]:
        src = priors["source"]
        return (f"{src[0].upper() + src[1:]}. So the prior is weakly informative on the data's scale (the "
                "practice of Richardson & Green 1997) rather than fixed in advance; `--priors` fixes it.")
    return "No prior value was computed from the data (fixed with `--priors`)."


def starts_words(init) -> str:
    """How the chains were started (the scenario facts); section 2 says where each chain began and ended."""
    if init == "prior":
        return ("Every chain of both models started at an independent draw from the prior (init `prior`), so "
                "the starts do not decide which labelling a chain ends in; section 2 says where each began and "
                "ended.")
    if init == "dispersed":
        return ("Unordered model: the tool placed half the chains at the EM estimate and half at its label swap "
                "(init `dispersed`, a teaching device: chains in both labellings are put there by the tool); "
                "ordered model: all chains at the EM estimate.")
    if init == "em":
        return "Every chain of both models started at the EM estimate (init `em`)."
    return f"Chain starts: {init}."


def render_report(tree: xr.DataTree, figures: dict) -> str:
    """The whole ``report.md`` text from the comparison's tree of facts (:func:`compare.facts.facts_tree`, or
    ``results.nc`` read back by :func:`compare.results.load_results`); ``figures``: {file name: caption}.
    The command that made it is the tree's ``command`` attribute, if any (:func:`report.folder.write_comparison`)."""
    f = Facts.of(tree)
    a, st, truth, priors = tree.attrs, f.settings, f.truth, json.loads(tree.attrs["priors"])
    head = [f"# emvb report: {a['data_name']}\n"]
    if a.get("command"):
        head.append(f"Made by `{a['command']}`.\n")
    facts = [f"- **Data**: n = {f.n}, sha256 `{a['data_sha256']}`"
             + (f", simulated from pi1 = {truth.pi1:g}, mu1 = {truth.mu1:g}, mu2 = {truth.mu2:g}, "
                f"sigma = {truth.sigma:g} with seed {json.loads(a['data_seed'])}" if truth is not None else "") + ".",
             "- **Model**: x ~ pi1 N(mu1, sigma²) + (1 - pi1) N(mu2, sigma²), one sigma shared by both components.",
             f"- **Priors** (both PyMC models; symmetric in the labels): {priors['description']}. "
             + priors_words(priors),
             f"- **Sampling**: {st['chains']} chains x {st['draws']} draws after {st['tune']} warm-up, sampler "
             f"{st['sampler']}, seed {st['seed']}. {starts_words(tree['posteriors'][RAW].attrs.get('init'))}",
             "- EM and both posteriors were fitted to the same bytes "
             "(the sha256 above is checked when results are saved)."]
    figs = "## 6. Figures\n\n" + "\n".join(f"**{desc}**\n\n![{desc}]({name})\n" for name, desc in figures.items())
    return "\n".join(head + ["## Scenario\n", "\n".join(facts) + "\n", adequacy_section(f.adequacy, f.simulated),
                             _em_section(f), labels_section(f.labels),
                             _comparison_section(f), _convergence_section(f), lessons_section(f), figs])
