"""``report.md`` of one comparison: readable on its own, every number taken from this run.

:func:`render_report` only formats; every value comes from the :class:`compare.pipeline.Comparison`, the
one source ``summary.json`` is written from too, so the report and the JSON cannot disagree.
"""

from __future__ import annotations

import numpy as np

from ..compare.pipeline import Comparison
from ..compare.table import ORDERED, RAW, RELABEL_PREFIX
from ..compare.thresholds import RHAT_MAX, ess_min, shown
from ..models.params import PARAM_NAMES
from .adequacy_section import adequacy_section
from .labels_section import labels_section
from .lessons import lessons_section
from .tables import fmt_number as _g
from .tables import identified, unscored_note
from .tables import md_table as _table


def _em_section(c) -> str:
    em, truth = c.em, c.data.truth
    ci = em.ci(c.settings.ci_prob)
    level = int(round(100 * c.settings.ci_prob))
    rows = []
    for k in PARAM_NAMES:
        row = [f"`{k}`"] + ([_g(getattr(truth, k))] if truth else [])
        row += [_g(getattr(em.params, k), 6), _g(getattr(em.se, k), 3),
                f"[{_g(ci[k][0], 5)}, {_g(ci[k][1], 5)}]"]
        rows.append(row)
    header = ["parameter"] + (["truth"] if truth else []) + ["EM estimate", "SE (Louis)", f"{level}% Wald CI"]
    maxima = [o for o in em.runs.optima if o.is_max]
    saddles = sum(o.count for o in em.runs.optima if not o.is_max)
    text = "## 1. Maximum likelihood by EM\n\n" + _table(header, rows)
    text += (f"\nLog-likelihood {em.loglik:.4f}. The best of {len(em.runs)} starts took {em.n_iter} "
             f"iterations ({em.n_map_evals} EM-map evaluations with SQUAREM) and stopped because: "
             f"*{em.reason}*. The starts reached {len(maxima)} distinct maxim{'um' if len(maxima) == 1 else 'a'}: "
             + "; ".join(f"log-likelihood {o.loglik:.4f} ({o.count} start{'s' if o.count != 1 else ''})"
                         for o in maxima) + ".")
    if saddles:
        text += (f" {saddles} start{'s' if saddles != 1 else ''} stopped on the one-normal ridge mu1 ~ mu2, "
                 "where EM creeps (its rate is 1 there) and the log-likelihood rule fires although the point "
                 "is a saddle (observed information not positive definite); they are not counted as maxima.")
    text += "\n"
    text += (f"From the same start, plain EM needed {c.em_plain.n_iter} iterations and SQUAREM "
             f"{c.em.n_iter} ({c.em_plain.n_map_evals} vs {c.em.n_map_evals} passes over the data); "
             "intervals for pi1 and sigma are computed on logit(pi1) and log(sigma) and mapped back.\n")
    return text


def _agreement_rows(c, variants: list[str]) -> list[list[str]]:
    rows = []
    t = c.table
    for v in variants:
        for r in t[t.variant == v].itertuples():
            rows.append([v, f"`{r.parameter}`", _g(r.em_estimate, 5), _g(r.em_se, 3), _g(r.mean, 5), _g(r.sd, 3),
                         f"[{_g(r.hdi_lb, 5)}, {_g(r.hdi_ub, 5)}]", _g(r.z_mean_mle, 3), _g(r.sd_ratio, 3),
                         _g(r.r_hat, 4), _g(r.ess_bulk, 4)])
    return rows


def _comparison_section(c) -> str:
    level = int(round(100 * c.settings.ci_prob))
    relab = [v for v in c.table.variant.unique() if v.startswith(RELABEL_PREFIX)]
    shown = [RAW] + relab[:1] + [ORDERED]
    text = "## 3. EM beside the posterior\n\n"
    text += (f"Posterior summaries by ArviZ (`az.summary(ci_kind='hdi', ci_prob={c.settings.ci_prob})`). "
             "`z` = (posterior mean - MLE) / SE and `sd/SE` = posterior sd / SE: for well separated "
             "components and large N, Bernstein-von Mises predicts z -> 0 and sd/SE -> 1. The raw "
             "unordered variant is shown to make the point that it must not be summarised as it is; "
             f"the full table, with every relabelling, truth coverage and MCSE, is in `comparison.md`.\n\n")
    text += _table(["variant", "param", "EM", "SE", "post. mean", "post. sd", f"{level}% HDI", "z", "sd/SE",
                    "R-hat", "ESS bulk"], _agreement_rows(c, shown), "---|---" + "|---:" * 9)
    t = c.table
    o = t[t.variant == ORDERED]
    text += (f"\nOrdered model: |z| at most {np.abs(o.z_mean_mle).max():.3g}, sd/SE between "
             f"{o.sd_ratio.min():.3g} and {o.sd_ratio.max():.3g}; the MLE lies inside the {level}% HDI for "
             f"{int(o.mle_in_hdi.sum())} of 4 parameters.")
    if c.simulated:
        scored = identified(c.data.truth)
        os = o[o.parameter.isin(scored)]
        text += (f" The truth lies inside EM's {level}% Wald interval for {int(os.truth_in_wald.sum())} of "
                 f"{len(scored)} parameters and inside the {level}% HDI for {int(os.truth_in_hdi.sum())} of "
                 f"{len(scored)}" + unscored_note(c.data.truth) + ".")
    rv = t[t.variant.str.startswith(RELABEL_PREFIX)]
    if len(rv):
        text += (f" After relabelling, the largest R-hat over all methods and parameters is {rv.r_hat.max():.4f} "
                 f"and the smallest bulk ESS {rv.ess_bulk.min():.0f}.")
    return text + "\n"


def _convergence_section(c) -> str:
    """Convergence facts per model; R-hat, ESS and the verdict of :func:`compare.convergence.chain_checks`
    (the thresholds the lessons use, numbers printed so they never round across a threshold)."""
    text = "## 4. Convergence facts\n\n"
    rows = []
    checks = c.checks
    trees = {RAW: c.unordered, ORDERED: c.ordered}
    for name, ck in checks.items():
        a = trees[name].attrs
        verdict = "yes" if ck.converged else "**NO**: " + ", ".join(ck.problems())
        rows.append([name, str(a["sampler"]), f"{a['chains']} x {a['draws']} (+{a['tune']} warm-up)",
                     str(a["n_divergent"]), str(a["n_max_treedepth"]), shown(ck.rhat, RHAT_MAX),
                     shown(ck.ess, ess_min(ck.chains), 3), verdict, _g(a["compile_time"], 3),
                     _g(a["sampling_time"], 3)])
    text += _table(["model", "sampler", "chains x draws", "divergences", "max tree depth hits", "max R-hat",
                    "min ESS bulk", f"converged (R-hat <= {RHAT_MAX:g}, ESS >= {ess_min(c.settings.chains)})",
                    "compile s", "sampling s"], rows)
    text += (f"\nR-hat and ESS of the {RAW} model are those of {checks[RAW].quantities}: its chains start in "
             "both labellings, so the R-hat of pi1, mu1 and mu2 as sampled (section 3) measures label switching, "
             f"not convergence. Those of the {ORDERED} model are of {checks[ORDERED].quantities}.")
    for name, ck in checks.items():
        if not ck.converged:
            text += f" **The {name} model's chains have not converged: {ck.advice()}.**"
    em = c.em
    text += (f"\n\nEM: {'converged' if em.converged else 'did NOT converge'} ({em.reason}) after {em.n_iter} "
             f"iterations; tolerance {em.tol:g} on the mean log-likelihood per point.\n\n")
    text += "Time per stage (seconds): " + ", ".join(f"{k} {v:.1f}" for k, v in c.timings.items()) + ".\n"
    return text


def priors_words(priors) -> str:
    """Where the prior's numbers came from (the scenario facts)."""
    if priors.from_data:
        src = priors.source()
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


def render_report(c: Comparison, figures: dict, command: str = "") -> str:
    """The whole ``report.md`` text."""
    data, st = c.data, c.settings
    head = [f"# emvb report: {data.name}\n"]
    if command:
        head.append(f"Made by `{command}`.\n")
    facts = [f"- **Data**: n = {data.n}, sha256 `{data.sha256}`"
             + (f", simulated from pi1 = {data.truth.pi1:g}, mu1 = {data.truth.mu1:g}, mu2 = {data.truth.mu2:g}, "
                f"sigma = {data.truth.sigma:g} with seed {data.seed}" if data.truth is not None else "") + ".",
             "- **Model**: x ~ pi1 N(mu1, sigma²) + (1 - pi1) N(mu2, sigma²), one sigma shared by both components.",
             f"- **Priors** (both PyMC models; symmetric in the labels): {c.priors.describe()}. "
             + priors_words(c.priors),
             f"- **Sampling**: {st.chains} chains x {st.draws} draws after {st.tune} warm-up, sampler {st.sampler}, "
             f"seed {st.seed}. {starts_words(c.unordered.attrs.get('init'))}",
             "- EM and both posteriors were fitted to the same bytes "
             "(the sha256 above is checked when results are saved)."]
    figs = "## 6. Figures\n\n" + "\n".join(f"**{desc}**\n\n![{desc}]({name})\n" for name, desc in figures.items())
    return "\n".join(head + ["## Scenario\n", "\n".join(facts) + "\n", adequacy_section(c.adequacy, c.simulated),
                             _em_section(c), labels_section(c.labels),
                             _comparison_section(c), _convergence_section(c), lessons_section(c), figs])
