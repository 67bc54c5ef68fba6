"""``report.md`` of one comparison: readable on its own, every number taken from this run.

:func:`render_report` only formats; every value comes from the :class:`compare.run.Comparison` and
the ``summary.json`` object built from it, so the report and the JSON cannot disagree.
"""

from __future__ import annotations

import numpy as np

from models.params import PARAM_NAMES

from .run import ORDERED, RAW, RELABEL_PREFIX


def _g(v, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    return f"{v:.{digits}g}"


def _table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or ("---" + "|---:" * (len(header) - 1))
    return "\n".join(["| " + " | ".join(header) + " |", "|" + align + "|"]
                     + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def _em_section(c, s) -> str:
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


def _labels_section(c) -> str:
    d = c.diagnosis
    text = "## 2. Label switching in the unordered model\n\n"
    text += f"**Verdict: `{d.verdict}`.** {d.explain()}\n\n"
    rows = [[str(ch.chain), ch.labelling, f"{100 * ch.share_other:.1f}%", "yes" if ch.switches else "no"]
            for ch in d.chains]
    text += _table(["chain", "labelling (vs EM)", "draws in the other labelling", "switches within"], rows)
    names = list(c.agreement.index)
    text += ("\nEach relabelling method chose, per draw, whether to swap the labels. Share of draws on "
             "which two methods chose the same (the `em` method labels a thinned subset):\n\n")
    text += _table(["method"] + names,
                   [[a] + [f"{c.agreement.loc[a, b]:.4f}" for b in names] for a in names])
    swapped = {m: r.share_swapped for m, r in c.relabelled.items()}
    text += ("\nShare of draws each method swapped: "
             + ", ".join(f"{m} {100 * v:.1f}%" for m, v in swapped.items()) + ".\n")
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
    if c.data.truth is not None:
        text += (f" The truth lies inside EM's {level}% Wald interval for {int(o.truth_in_wald.sum())} of 4 "
                 f"parameters and inside the {level}% HDI for {int(o.truth_in_hdi.sum())} of 4.")
    rv = t[t.variant.str.startswith(RELABEL_PREFIX)]
    if len(rv):
        text += (f" After relabelling, the largest R-hat over all methods and parameters is {rv.r_hat.max():.4f} "
                 f"and the smallest bulk ESS {rv.ess_bulk.min():.0f}.")
    return text + "\n"


def _convergence_section(c, s) -> str:
    text = "## 4. Convergence facts\n\n"
    rows = []
    for name in (RAW, ORDERED):
        sub = c.table[c.table.variant == name]
        a = s["sampling"][name]
        rows.append([name, str(a["sampler"]), f"{a['chains']} x {a['draws']} (+{a['tune']} warm-up)",
                     str(a["n_divergent"]), str(a["n_max_treedepth"]), _g(sub.r_hat.max(), 4),
                     _g(sub.ess_bulk.min(), 4), _g(a["compile_time"], 3), _g(a["sampling_time"], 3)])
    text += _table(["model", "sampler", "chains x draws", "divergences", "max tree depth hits", "max R-hat",
                    "min ESS bulk", "compile s", "sampling s"], rows)
    em = c.em
    text += (f"\nEM: {'converged' if em.converged else 'did NOT converge'} ({em.reason}) after {em.n_iter} "
             f"iterations; tolerance {em.tol:g} on the mean log-likelihood per point.\n\n")
    text += "Time per stage (seconds): " + ", ".join(f"{k} {v:.1f}" for k, v in s["timings"].items()) + ".\n"
    return text


def _lessons(c) -> str:
    """What a reader should take from this run, each point backed by a number of this run."""
    t, d = c.table, c.diagnosis
    raw = t[t.variant == RAW].set_index("parameter")
    o = t[t.variant == ORDERED].set_index("parameter")
    em = c.em.params
    out = ["## 5. What to learn from this run\n"]
    if d.verdict == "between_chains":
        out.append(f"- **Raw summaries of a label-switched posterior are meaningless.** The unordered posterior's "
                   f"raw mean of pi1 is {raw.loc['pi1', 'mean']:.3f}, between EM's pi1 = {em.pi1:.3f} and "
                   f"1 - pi1 = {1 - em.pi1:.3f}, with R-hat {raw.loc['pi1', 'r_hat']:.3g}; sigma, which does not "
                   f"depend on the labels, has R-hat {d.rhat_invariant.get('sigma', float('nan')):.3g}. "
                   "The chains are fine; only the labels differ.")
    elif d.verdict == "within_chain":
        out.append(f"- **The sampler switched labels inside chains**: the EM components are only "
                   f"{d.component_gap:.2g} sigma apart, so the posterior's two mirror images touch and NUTS "
                   "walks from one to the other. R-hat cannot see this (every chain visits both), the "
                   "share of draws in the other labelling can (section 2).")
    else:
        out.append("- No label switching was seen in the unordered model: every chain stayed in one labelling.")
    relab = t[t.variant.str.startswith(RELABEL_PREFIX)].set_index("parameter")
    agree = c.agreement.values[np.triu_indices(len(c.agreement), 1)]
    if d.verdict == "within_chain" and agree.size and agree.min() < 0.99:
        out.append(f"- **Relabelling is uncertain when components overlap.** The five methods agree on "
                   f"{100 * agree.min():.0f}% to {100 * agree.max():.0f}% of draws, and the relabelled posterior "
                   f"mean of pi1 ranges from {relab.loc['pi1', 'mean'].min():.3f} to "
                   f"{relab.loc['pi1', 'mean'].max():.3f} across methods ({o.loc['pi1', 'mean']:.3f} in the "
                   "ordered model): per-component answers depend on a convention the data cannot settle.")
    else:
        out.append(f"- **Relabelling or an ordering constraint recovers the per-component posterior.** "
                   f"Ordered model: pi1 {o.loc['pi1', 'mean']:.4f} +/- {o.loc['pi1', 'sd']:.4f}, "
                   f"mu1 {o.loc['mu1', 'mean']:.4f}, mu2 {o.loc['mu2', 'mean']:.4f}, sigma {o.loc['sigma', 'mean']:.4f}"
                   + (f"; all {len(c.relabelled)} relabelling methods chose the same labels for every draw."
                      if agree.size and agree.min() == 1.0 else "."))
    for name, dt in ((RAW, c.unordered), (ORDERED, c.ordered)):
        sub = t[t.variant == name]
        rh = sub.r_hat.max() if name == ORDERED else max(d.rhat_invariant.values())
        div = int(dt.attrs.get("n_divergent", 0))
        ess = sub.ess_bulk.min() if name == ORDERED else float("inf")
        if div > 0 or rh > 1.01 or ess < 400:
            which = "ordered model" if name == ORDERED else "unordered model"
            out.append(f"- **The {which} did not sample cleanly**: {div} divergent transitions, largest R-hat "
                       f"{rh:.3g}" + (f", smallest bulk ESS {ess:.0f}" if np.isfinite(ess) else "") + ". "
                       + ("With overlapping components the ordering constraint's boundary mu1 = mu2 cuts through "
                          "posterior mass and NUTS struggles there; prefer the relabelled unordered posterior "
                          "and report the disagreement." if name == ORDERED else
                          "Treat its summaries with care."))
    saddles = sum(x.count for x in c.em.runs.optima if not x.is_max)
    n_max = sum(1 for x in c.em.runs.optima if x.is_max)
    if saddles or n_max > 1:
        out.append(f"- **EM needs several starts.** Of {len(c.em.runs)} starts, "
                   + (f"{saddles} stopped on the one-normal ridge (a saddle)" if saddles else "none stalled")
                   + (f" and the rest reached {n_max} different maxima" if n_max > 1 else "")
                   + "; a single EM run can report any of these as 'converged' by the log-likelihood rule alone.")
    ratio = o.sd_ratio
    if (ratio.between(0.8, 1.25)).all() and (np.abs(o.z_mean_mle) < 0.5).all():
        out.append(f"- **EM and the posterior agree** here: posterior sd / Louis SE lies in "
                   f"[{ratio.min():.2f}, {ratio.max():.2f}] and the posterior means are within "
                   f"{np.abs(o.z_mean_mle).max():.2f} SE of the MLE, as Bernstein-von Mises predicts for "
                   f"separated components and n = {c.data.n}.")
    else:
        worst = o.index[np.argmax(np.abs(np.log(ratio.values)))]
        out.append(f"- **EM's normal approximation and the posterior differ**: sd/SE of {worst} is "
                   f"{ratio[worst]:.2f} and |z| reaches {np.abs(o.z_mean_mle).max():.2f}. With overlapping "
                   "components or small n the likelihood is far from quadratic, so Wald intervals and "
                   "posterior intervals part ways; trust neither blindly.")
    if c.data.truth is not None:
        covered = int(o.truth_in_hdi.sum())
        out.append(f"- Truth vs intervals: the {int(round(100 * c.settings.ci_prob))}% HDI covers the truth "
                   f"for {covered} of 4 parameters (one data set; coverage is a property of many).")
    return "\n".join(out) + "\n"


def render_report(c, summary: dict, figures: dict, command: str = "") -> str:
    """The whole ``report.md`` text."""
    data, st = c.data, c.settings
    head = [f"# emvb report: {data.name}\n"]
    if command:
        head.append(f"Made by `{command}`.\n")
    facts = [f"- **Data**: n = {data.n}, sha256 `{data.sha256}`"
             + (f", simulated from pi1 = {data.truth.pi1:g}, mu1 = {data.truth.mu1:g}, mu2 = {data.truth.mu2:g}, "
                f"sigma = {data.truth.sigma:g} with seed {data.seed}" if data.truth is not None else "") + ".",
             "- **Model**: x ~ pi1 N(mu1, sigma²) + (1 - pi1) N(mu2, sigma²), one sigma shared by both components.",
             f"- **Priors** (both PyMC models; symmetric in the labels): {c.priors.describe()}.",
             f"- **Sampling**: {st.chains} chains x {st.draws} draws after {st.tune} warm-up, sampler {st.sampler}, "
             f"seed {st.seed}. Unordered model: half the chains start at the EM estimate and half at its label swap; "
             "ordered model: all chains at the EM estimate.",
             "- EM and both posteriors were fitted to the same bytes "
             "(the sha256 above is checked when results are saved)."]
    figs = "## 6. Figures\n\n" + "\n".join(f"**{desc}**\n\n![{desc}]({name})\n" for name, desc in figures.items())
    return "\n".join(head + ["## Scenario\n", "\n".join(facts) + "\n", _em_section(c, summary), _labels_section(c),
                             _comparison_section(c), _convergence_section(c, summary), _lessons(c), figs])
