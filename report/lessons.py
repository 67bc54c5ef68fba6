"""Section 5 of the report, "What to learn from this run": each lesson a function, each backed by a
number of this run and decided by the thresholds of :mod:`compare.thresholds`; each reads the comparison's
tree of facts as :class:`report.markdown.Facts` decodes it."""

from __future__ import annotations

import numpy as np

from ..compare.table import ORDERED, RAW, RELABEL_PREFIX
from ..compare.thresholds import OVERLAP_GAP, RHAT_MAX, bvm_agrees, bvm_words, overlapping, shown
from ..files.tables import identified, unscored_note
from ..labels.wording import VERDICT_WORDS, fill, share_of_draws
from .adequacy_section import adequacy_lessons, misfit_reason
from .labels_section import disagreement


def _rows(f, variant: str):
    return f.table[f.table.variant == variant].set_index("parameter")


def _label_lesson(f) -> str:
    d, raw, em = f.diagnosis, _rows(f, RAW), f.em
    m, w = raw.loc["pi1", "mean"], VERDICT_WORDS[d.verdict]
    lo, hi = sorted((em.pi1, 1 - em.pi1))
    stayed = all(ch.labelling == ch.start_labelling for ch in d.chains)
    return fill(w.lesson, w.parts, {
        "raw_pi1": m, "pi1": em.pi1, "pi1c": 1 - em.pi1, "where": bool(lo < m < hi),
        "raw_rhat": shown(raw.loc["pi1", "r_hat"], RHAT_MAX),
        "sigma_rhat": shown(d.rhat_invariant.get("sigma", float("nan")), RHAT_MAX),
        "cause": "dispersed" if d.init == "dispersed" else "stayed" if stayed else "settled",
        "tail": bool(f.checks[RAW].converged), "swapped_pct": 100 * d.share_swapped, "lesson_blind": d.rhat_blind,
        "worst": max((v for v in d.rhat_invariant.values() if not np.isnan(v)), default=float("nan")),
        "boundary_pct": 100 * d.boundary_share, "gap": d.component_gap})


def _relabel_lesson(f) -> str:
    o = _rows(f, ORDERED)
    relab = f.table[f.table.variant.str.startswith(RELABEL_PREFIX)].set_index("parameter").loc["pi1", "mean"]
    split, w = disagreement(f.labels), VERDICT_WORDS[f.diagnosis.verdict]
    return fill(w.relabel[bool(split.any())], {}, {
        "n": f.labels.sizes["method"], "split_pct": 100 * split.mean(), "lo": relab.min(), "hi": relab.max(),
        "o_pi1": o.loc["pi1", "mean"], "o_sd": o.loc["pi1", "sd"], "o_mu1": o.loc["mu1", "mean"],
        "o_mu2": o.loc["mu2", "mean"], "o_sigma": o.loc["sigma", "mean"],
        "near": share_of_draws(f.diagnosis.boundary_share)})


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
        return bvm_words("lesson_unconverged")
    ratio, z, gap = o.sd_ratio, np.abs(o.z_mean_mle).max(), gap_text(f)
    if bvm_agrees(ratio, o.z_mean_mle).all():
        return bvm_words("lesson_agree", ratio_min=ratio.min(), ratio_max=ratio.max(), z=z, gap=gap, n=f.n)
    worst = o.index[np.argmax(np.abs(np.log(ratio.values)))]
    why = "lesson_overlap" if overlapping(f.diagnosis.component_gap) else "lesson_apart"
    return bvm_words("lesson_differ", worst=worst, ratio=ratio[worst], z=z, reason=misfit_reason(
        f.adequacy, f.simulated) or bvm_words(why, gap=gap, n=f.n))


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
