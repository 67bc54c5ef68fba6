"""Section 5 of the report, "What to learn from this run": each lesson a function, each backed by a
number of this run and decided by the thresholds of :mod:`compare.thresholds`; each reads the comparison's
tree of facts as :class:`report.markdown.Facts` decodes it."""

from __future__ import annotations

import numpy as np

from ..compare.table import ORDERED, RAW, RELABEL_PREFIX
from ..compare.thresholds import OVERLAP_GAP, RHAT_MAX, SD_RATIO_BAND, Z_MAX, bvm_agrees, overlapping, shown
from ..files.tables import identified, unscored_note
from ..labels.wording import rhat_blind_text
from .adequacy_section import adequacy_lessons, misfit_reason
from .labels_section import disagreement


def _rows(f, variant: str):
    return f.table[f.table.variant == variant].set_index("parameter")


def _label_lesson(f) -> str:
    d, raw, em = f.diagnosis, _rows(f, RAW), f.em
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
                f"raw mean of pi1 is {m:.3f}, {where}, with R-hat {shown(raw.loc['pi1', 'r_hat'], RHAT_MAX)}; "
                "sigma, which does not depend on the labels, has R-hat "
                f"{shown(d.rhat_invariant.get('sigma', float('nan')), RHAT_MAX)}. "
                + (f"The chains are fine; only the labels differ, because {cause}." if f.checks[RAW].converged
                   else f"The labels differ because {cause}; whether the chains are otherwise fine cannot be said: "
                   "they have not converged (below)."))
    if d.verdict == "within_chain":
        text = (f"- **The sampler switched labels inside chains**: chains ran deep into both mirror-image copies "
                f"({100 * d.share_swapped:.3g}% of all draws have mu1 > mu2).")
        if d.rhat_blind:
            text += " " + rhat_blind_text("section 2")
        return text
    if d.verdict == "chains_disagree":
        worst = max(v for v in d.rhat_invariant.values() if not np.isnan(v))
        return (f"- **Label switching cannot be judged when the chains disagree on what labels cannot change.** "
                f"R-hat of label-invariant quantities reaches {worst:.3g} (section 2): the chains found different "
                "modes or have not converged, and relabelling cannot repair that.")
    if d.verdict == "ambiguous":
        return (f"- **When the two copies of the posterior meet, labels are a convention.** "
                f"{100 * d.boundary_share:.3g}% of the unordered model's draws lie near mu1 = mu2 (median "
                f"|mu2 - mu1| / sigma {d.component_gap:.2g}): there 'component 1' is whatever the chosen "
                "relabelling rule says, so per-component results should be reported with the rule used, and "
                "crossings of mu1 = mu2 are not evidence of a sampler jumping between modes.")
    return ("- No label switching was seen in the unordered model: every chain kept one order of the means in "
            "every draw.")


def _relabel_lesson(f) -> str:
    from ..labels.wording import share_of_draws

    o = _rows(f, ORDERED)
    relab = f.table[f.table.variant.str.startswith(RELABEL_PREFIX)].set_index("parameter")
    split, n = disagreement(f.labels), f.labels.sizes["method"]
    if f.diagnosis.verdict == "chains_disagree":
        return (f"- **Relabelling cannot reconcile chains in different modes.** The {n} methods "
                f"disagree on {100 * split.mean():.3g}% of the draws, and the relabelled posterior mean of pi1 ranges "
                f"from {relab.loc['pi1', 'mean'].min():.3f} to {relab.loc['pi1', 'mean'].max():.3f} across methods; "
                "with chains that disagree on label-invariant quantities (section 2) no method's summaries describe "
                "the posterior.")
    if split.any():
        return (f"- **Relabelling is uncertain where the copies meet.** The {n} methods disagree on "
                f"{100 * split.mean():.3g}% of the draws, and the relabelled posterior mean of pi1 ranges from "
                f"{relab.loc['pi1', 'mean'].min():.3f} to {relab.loc['pi1', 'mean'].max():.3f} across methods "
                f"({o.loc['pi1', 'mean']:.3f} in the ordered model): per-component answers depend on a convention "
                "the data cannot settle.")
    return (f"- **Relabelling or an ordering constraint recovers the per-component posterior.** "
            f"Ordered model: pi1 {o.loc['pi1', 'mean']:.4f} +/- {o.loc['pi1', 'sd']:.4f}, "
            f"mu1 {o.loc['mu1', 'mean']:.4f}, mu2 {o.loc['mu2', 'mean']:.4f}, sigma {o.loc['sigma', 'mean']:.4f}; "
            f"relabelled unordered posterior: pi1 {relab.loc['pi1', 'mean'].min():.4f}. Every relabelling rule "
            "chose the same labels for every draw, as expected when "
            f"{share_of_draws(f.diagnosis.boundary_share)} lie near mu1 = mu2 (section 2): they give one "
            "answer, not several confirmations of it.")


def gap_text(f) -> str:
    """``|mu2 - mu1| / sigma`` as both fits give it: the posterior median (the number that decides
    :func:`compare.thresholds.overlapping`) and the MLE's, which can differ widely under overlap."""
    em = f.em
    return (f"|mu2 - mu1| / sigma: posterior median {shown(f.diagnosis.component_gap, OVERLAP_GAP, 2)}, MLE "
            f"{abs(em.mu2 - em.mu1) / em.sigma:.3g}")


def _divergences(n: int) -> str:
    return f"{n} divergent transition{'' if n == 1 else 's'}"


def _sampling_lessons(f) -> list[str]:
    """Per model: not converged (what failed, what to raise), divergences (overlap blamed only when the
    components overlap), or nothing. The numbers are those of section 4's table."""
    out = []
    gap = f.diagnosis.component_gap
    for name, ck in f.checks.items():
        which = "unordered" if name == RAW else "ordered"
        boundary = name == ORDERED and ck.n_divergent and overlapping(gap)
        cause = (f"The components overlap ({gap_text(f)}; the posterior median is below {OVERLAP_GAP:g}): the ordering "
                 "constraint's boundary mu1 = mu2 cuts through posterior mass and NUTS struggles there "
                 f"({_divergences(ck.n_divergent)}); more draws will not remove that boundary, so prefer the "
                 "relabelled unordered posterior and report the disagreement." if boundary else "")
        if not ck.converged:
            out.append(f"- **The {which} model's chains have not converged**: {' and '.join(ck.problems())} over "
                       f"{ck.quantities} (section 4). Its posterior summaries are not estimates of the posterior "
                       f"yet; {ck.advice()}." + (f" {cause}" if cause else ""))
        elif ck.n_divergent:
            out.append(f"- **The {which} model had {_divergences(ck.n_divergent)}** although its chains converged "
                       "by R-hat and ESS. " + (cause or "NUTS met curvature its step size could not follow, so the "
                                               "summaries may be biased; smaller steps (a higher target acceptance "
                                               "rate) are the usual remedy."))
    return out


def _starts_lesson(f) -> list[str]:
    em = f.tree["em"]
    is_max = em["optimum_is_max"].values.astype(bool)
    saddles, n_max = int(em["optimum_count"].values[~is_max].sum()), int(is_max.sum())
    if not (saddles or n_max > 1):
        return []
    return [f"- **EM needs several starts.** Of {em.attrs['n_starts']} starts, "
            + (f"{saddles} stopped on the one-normal ridge (a saddle)" if saddles else "none stalled")
            + (f" and the rest reached {n_max} different maxima" if n_max > 1 else "")
            + "; a single EM run can report any of these as 'converged' by the log-likelihood rule alone."]


def _bvm_lesson(f) -> str:
    o = _rows(f, ORDERED)
    if not f.checks[ORDERED].converged:
        return ("- **EM and the posterior cannot be compared yet**: the ordered model's chains have not "
                "converged (above), so its posterior means and sds are not yet estimates to set beside the MLE "
                "and its SEs.")
    ratio = o.sd_ratio
    lo, hi = SD_RATIO_BAND
    gap = f.diagnosis.component_gap
    if bvm_agrees(ratio, o.z_mean_mle).all():
        return (f"- **EM and the posterior agree** here: posterior sd / Louis SE lies in "
                f"[{ratio.min():.2f}, {ratio.max():.2f}] and the posterior means are within "
                f"{np.abs(o.z_mean_mle).max():.2f} SE of the MLE, as Bernstein-von Mises predicts for "
                f"components this far apart ({gap_text(f)}) and n = {f.n}.")
    worst = o.index[np.argmax(np.abs(np.log(ratio.values)))]
    why = (f"The components overlap ({gap_text(f)}; the posterior median is below {OVERLAP_GAP:g}), so the "
           "likelihood is far from quadratic" if overlapping(gap) else
           f"The components do not overlap ({gap_text(f)}; the posterior median is {OVERLAP_GAP:g} or more), so at "
           f"n = {f.n} the likelihood is not yet quadratic near its maximum or the prior still matters")
    return (f"- **EM's normal approximation and the posterior differ**: sd/SE of {worst} is "
            f"{ratio[worst]:.2f} (agreement band [{lo:g}, {hi:g}]) and |z| reaches {np.abs(o.z_mean_mle).max():.2f} "
            f"(agreement: at most {Z_MAX:g}). "
            + (misfit_reason(f.adequacy, f.simulated)
               or f"{why}: Wald intervals and posterior intervals part ways; trust neither blindly."))


def _truth_lesson(f) -> list[str]:
    if f.truth is None:
        return []
    scored = identified(f.truth)
    covered = int(_rows(f, ORDERED).loc[scored].truth_in_hdi.sum())
    return [f"- Truth vs intervals: the {int(round(100 * f.settings['ci_prob']))}% HDI covers the truth "
            f"for {covered} of {len(scored)} parameters{unscored_note(f.truth)} (one data set; coverage is a "
            "property of many)."]


def lessons_section(f) -> str:
    """What a reader should take from this run (``f``: :class:`report.markdown.Facts`), each point backed by a
    number of this run."""
    unconverged = tuple(name for name, ck in f.checks.items() if not ck.converged)
    out = ["## 5. What to learn from this run\n", *adequacy_lessons(f.adequacy, f.simulated, unconverged),
           _label_lesson(f), _relabel_lesson(f), *_sampling_lessons(f), *_starts_lesson(f), _bvm_lesson(f),
           *_truth_lesson(f)]
    return "\n".join(out) + "\n"
