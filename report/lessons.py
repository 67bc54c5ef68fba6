"""Section 5 of the report, "What to learn from this run": each lesson a function, each backed by a
number of this run and decided by the thresholds of :mod:`compare.thresholds`."""

from __future__ import annotations

import numpy as np

from ..compare.pipeline import ORDERED, RAW, RELABEL_PREFIX
from ..compare.thresholds import ESS_MIN, RHAT_MAX, SD_RATIO_BAND, Z_MAX


def _rows(c, variant: str):
    return c.table[c.table.variant == variant].set_index("parameter")


def _label_lesson(c) -> str:
    d, raw, em = c.diagnosis, _rows(c, RAW), c.em.params
    if d.verdict == "between_chains":
        m = raw.loc["pi1", "mean"]
        lo, hi = sorted((em.pi1, 1 - em.pi1))
        where = (f"between EM's pi1 = {em.pi1:.3f} and 1 - pi1 = {1 - em.pi1:.3f}" if lo < m < hi
                 else f"against EM's pi1 = {em.pi1:.3f}")
        stayed = all(ch.labelling == ch.start_labelling for ch in d.chains)
        cause = ("the tool started them there (init `dispersed`)" if d.init == "dispersed" else
                 "their starts fell in both labellings and each chain stayed in the one it started in" if stayed
                 else "the chains settled in different labellings")
        return (f"- **Raw summaries of a label-switched posterior are meaningless.** The unordered posterior's "
                f"raw mean of pi1 is {m:.3f}, {where}, with R-hat {raw.loc['pi1', 'r_hat']:.3g}; sigma, which does "
                f"not depend on the labels, has R-hat {d.rhat_invariant.get('sigma', float('nan')):.3g}. "
                f"The chains are fine; only the labels differ, because {cause}.")
    if d.verdict == "within_chain":
        text = (f"- **The sampler switched labels inside chains**: chains ran deep into both mirror-image copies "
                f"({100 * d.share_swapped:.3g}% of all draws have mu1 > mu2).")
        if d.rhat_blind:
            text += (" R-hat does not flag it (every chain visits both copies); the share of draws in the other "
                     "labelling does (section 2).")
        return text
    if d.verdict == "ambiguous":
        return (f"- **When the two copies of the posterior meet, labels are a convention.** "
                f"{100 * d.boundary_share:.3g}% of the unordered model's draws lie near mu1 = mu2 (median "
                f"|mu2 - mu1| / sigma {d.component_gap:.2g}): there 'component 1' is whatever the chosen "
                "relabelling rule says, so per-component results should be reported with the rule used, and "
                "crossings of mu1 = mu2 are not evidence of a sampler jumping between modes.")
    return ("- No label switching was seen in the unordered model: every chain kept one order of the means in "
            "every draw.")


def _relabel_lesson(c) -> str:
    from ..labels.relabel import disagreement
    from ..labels.wording import share_of_draws

    o = _rows(c, ORDERED)
    relab = c.table[c.table.variant.str.startswith(RELABEL_PREFIX)].set_index("parameter")
    split = disagreement(c.relabelled) if c.relabelled else np.zeros(1, bool)
    if split.any():
        return (f"- **Relabelling is uncertain where the copies meet.** The {len(c.relabelled)} methods disagree on "
                f"{100 * split.mean():.3g}% of the draws, and the relabelled posterior mean of pi1 ranges from "
                f"{relab.loc['pi1', 'mean'].min():.3f} to {relab.loc['pi1', 'mean'].max():.3f} across methods "
                f"({o.loc['pi1', 'mean']:.3f} in the ordered model): per-component answers depend on a convention "
                "the data cannot settle.")
    return (f"- **Relabelling or an ordering constraint recovers the per-component posterior.** "
            f"Ordered model: pi1 {o.loc['pi1', 'mean']:.4f} +/- {o.loc['pi1', 'sd']:.4f}, "
            f"mu1 {o.loc['mu1', 'mean']:.4f}, mu2 {o.loc['mu2', 'mean']:.4f}, sigma {o.loc['sigma', 'mean']:.4f}; "
            f"relabelled unordered posterior: pi1 {relab.loc['pi1', 'mean'].min():.4f}. Every relabelling rule "
            f"chose the same labels for every draw, as expected when {share_of_draws(c.diagnosis.boundary_share)} "
            "lie near mu1 = mu2 (section 2): they give one answer, not several confirmations of it.")


def _sampling_lessons(c) -> list[str]:
    out = []
    d = c.diagnosis
    for name, dt in ((RAW, c.unordered), (ORDERED, c.ordered)):
        sub = c.table[c.table.variant == name]
        rh = sub.r_hat.max() if name == ORDERED else max(d.rhat_invariant.values())
        div = int(dt.attrs.get("n_divergent", 0))
        ess = sub.ess_bulk.min() if name == ORDERED else float("inf")
        if div > 0 or rh > RHAT_MAX or ess < ESS_MIN:
            which = "ordered model" if name == ORDERED else "unordered model"
            out.append(f"- **The {which} did not sample cleanly**: {div} divergent transitions, largest R-hat "
                       f"{rh:.3g}" + (f", smallest bulk ESS {ess:.0f}" if np.isfinite(ess) else "") + ". "
                       + ("With overlapping components the ordering constraint's boundary mu1 = mu2 cuts through "
                          "posterior mass and NUTS struggles there; prefer the relabelled unordered posterior "
                          "and report the disagreement." if name == ORDERED else
                          "Treat its summaries with care."))
    return out


def _starts_lesson(c) -> list[str]:
    saddles = sum(x.count for x in c.em.runs.optima if not x.is_max)
    n_max = sum(1 for x in c.em.runs.optima if x.is_max)
    if not (saddles or n_max > 1):
        return []
    return [f"- **EM needs several starts.** Of {len(c.em.runs)} starts, "
            + (f"{saddles} stopped on the one-normal ridge (a saddle)" if saddles else "none stalled")
            + (f" and the rest reached {n_max} different maxima" if n_max > 1 else "")
            + "; a single EM run can report any of these as 'converged' by the log-likelihood rule alone."]


def _bvm_lesson(c) -> str:
    o = _rows(c, ORDERED)
    ratio = o.sd_ratio
    lo, hi = SD_RATIO_BAND
    if (ratio.between(lo, hi)).all() and (np.abs(o.z_mean_mle) < Z_MAX).all():
        return (f"- **EM and the posterior agree** here: posterior sd / Louis SE lies in "
                f"[{ratio.min():.2f}, {ratio.max():.2f}] and the posterior means are within "
                f"{np.abs(o.z_mean_mle).max():.2f} SE of the MLE, as Bernstein-von Mises predicts for "
                f"separated components and n = {c.data.n}.")
    worst = o.index[np.argmax(np.abs(np.log(ratio.values)))]
    return (f"- **EM's normal approximation and the posterior differ**: sd/SE of {worst} is "
            f"{ratio[worst]:.2f} and |z| reaches {np.abs(o.z_mean_mle).max():.2f}. With overlapping "
            "components or small n the likelihood is far from quadratic, so Wald intervals and "
            "posterior intervals part ways; trust neither blindly.")


def _truth_lesson(c) -> list[str]:
    if c.data.truth is None:
        return []
    covered = int(_rows(c, ORDERED).truth_in_hdi.sum())
    return [f"- Truth vs intervals: the {int(round(100 * c.settings.ci_prob))}% HDI covers the truth "
            f"for {covered} of 4 parameters (one data set; coverage is a property of many)."]


def lessons_section(c) -> str:
    """What a reader should take from this run, each point backed by a number of this run."""
    out = ["## 5. What to learn from this run\n", _label_lesson(c), _relabel_lesson(c), *_sampling_lessons(c),
           *_starts_lesson(c), _bvm_lesson(c), *_truth_lesson(c)]
    return "\n".join(out) + "\n"
