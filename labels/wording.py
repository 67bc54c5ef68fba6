"""The label-switching diagnosis in plain words: each sentence states a number of the diagnosis.

Every verdict's words are in one table, :data:`VERDICT_WORDS`, read by
:meth:`labels.diagnose.LabelDiagnosis.explain` (the report's section 2 and ``emvb labels``), the K-component
diagnosis (:func:`explain_k`), the report's section 2 (:mod:`report.labels_section`) and its lessons
(:mod:`report.lessons`).
Which sentence appears is decided by the same fields and constants as the verdict
(:mod:`labels.diagnose`), so the words cannot contradict the numbers beside them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..models.thresholds import AMBIGUOUS_SHARE, BAND, CROSSING_SHARE, OVERLAP_GAP, RHAT_MAX, RHAT_MODES

SWAP_WORDS = ("the swapped labelling (components 1 and 2 exchanged: pi1 -> 1 - pi1, mu1 <-> mu2, "
              "sigma unchanged)")


def _pct(v: float) -> str:
    return f"{100 * v:.3g}%"


def share_of_draws(v: float) -> str:
    """``"none of the draws"`` or ``"12.3% of the draws"``."""
    return "none of the draws" if v == 0 else f"{_pct(v)} of the draws"


def _every_draw(d) -> str:
    """"in every draw", or how many draws crossed near the boundary without going deep (module note)."""
    near = [c for c in d.chains if c.share_other > 0]
    if not near:
        return "in every draw"
    return ("in all but a few draws near mu1 = mu2 (" + "; ".join(
        f"chain {c.chain}: {_pct(c.share_other)} on the other side, none deep" for c in near) + ")")


def _join(items) -> str:
    items = [str(i) for i in items]
    return "".join(items) if len(items) < 2 else ", ".join(items[:-1]) + " and " + items[-1]


def _chains_word(items, capital: bool = False) -> str:
    word = ("chain " if len(items) == 1 else "chains ") + _join(items)
    return word[0].upper() + word[1:] if capital else word


def rhat_blind_text(where: str | None = None) -> str:
    """Why R-hat misses switching within chains (said when :attr:`LabelDiagnosis.rhat_blind`), and what
    shows it instead (``where``: the place that shows it, e.g. a report section)."""
    return ("R-hat barely flags it: when every chain visits both copies, the chains agree with one another, so "
            "R-hat alone cannot reveal switching; the share of draws in the other labelling does"
            + (f" ({where})." if where else "."))


def boundary_facts(d) -> str:
    """The gap between the labellings and the share of draws near the boundary mu1 = mu2."""
    sep = "an unbounded number of" if d.separation == float("inf") else f"{d.separation:.3g}"
    return (f"Across all draws |mu2 - mu1| has median {d.typical_gap:.4g}, {sep} times its spread "
            f"(IQR/1.349) away from the boundary mu1 = mu2 where the two labellings coincide; "
            f"{share_of_draws(d.boundary_share)} lie within {BAND:g} x that median of the boundary.")


def unjoined_text(d) -> str:
    """Said beside ``between_chains`` or ``none`` when many draws lie near mu1 = mu2 but the chains do not pass
    through: why that is not called ambiguous (docs/methods.md §4.9)."""
    if d.boundary_share <= AMBIGUOUS_SHARE or d.verdict not in ("between_chains", "none"):
        return ""
    return (f"The copies come close ({_pct(d.boundary_share)} of the draws lie near mu1 = mu2, more than "
            f"{_pct(AMBIGUOUS_SHARE)}), but the chains do not pass between them: "
            f"{share_of_draws(d.crossing_share)} lie on the minority side of their own chain (they count as "
            f"joined only above {_pct(CROSSING_SHARE)}): each chain sampled one copy, and its draws carry that "
            "copy's labels. ")


def fill(template: str, parts: dict, facts: dict) -> str:
    """``template`` with its facts, each part first replaced by its phrasing for that fact
    (``parts[name][facts[name]]``, in the order of ``parts``: a later part may quote an earlier one)."""
    facts = {**LIMITS, **facts}
    for name, options in parts.items():
        if name in facts:
            facts[name] = options[facts[name]].format(**facts)
    return template.format(**facts)


@dataclass(frozen=True)
class Wording:
    """Every phrasing of one verdict, as ``str.format`` templates of named facts (:func:`fill`): the diagnosis'
    ``explanation`` (section 2, ``emvb labels``) and that of K components (``k_explanation``), section 5's
    ``lesson`` and ``relabel`` lesson (methods agree on every draw, disagree on some), what the methods'
    agreement or disagreement means (``methods_agree``, ``methods_split``: at most, more than AMBIGUOUS_SHARE of
    the draws near mu1 = mu2), and the ``parts`` the templates choose between by a fact."""

    explanation: str
    k_explanation: str
    lesson: str
    relabel: tuple[str, str]
    methods_agree: tuple[str, str]
    methods_split: tuple[str, str]
    parts: dict = field(default_factory=dict)


LIMITS = {"BAND": BAND, "RHAT_MODES": RHAT_MODES, "RHAT_MAX": RHAT_MAX, "AMBIGUOUS": _pct(AMBIGUOUS_SHARE),
          "CROSSING": _pct(CROSSING_SHARE), "SWAP_WORDS": SWAP_WORDS}
_RELABEL = (
    "- **Relabelling or an ordering constraint recovers the per-component posterior.** Ordered model: pi1 "
    "{o_pi1:.4f} +/- {o_sd:.4f}, mu1 {o_mu1:.4f}, mu2 {o_mu2:.4f}, sigma {o_sigma:.4f}; relabelled unordered "
    "posterior: pi1 {lo:.4f}. Every relabelling rule chose the same labels for every draw, as expected when {near} "
    "lie near mu1 = mu2 (section 2): they give one answer, not several confirmations of it.",
    "- **Relabelling is uncertain where the copies meet.** The {n} methods disagree on {split_pct:.3g}% of the "
    "draws, and the relabelled posterior mean of pi1 ranges from {lo:.3f} to {hi:.3f} across methods ({o_pi1:.3f} "
    "in the ordered model): per-component answers depend on a convention the data cannot settle.")
_UNAMBIGUOUS = (
    "That is expected, not corroboration: {near_words} within {BAND:g} x the median |mu2 - mu1| of the boundary "
    "mu1 = mu2 (the median gap is {separation:.3g} times its spread away from it), so for the draws of this run the "
    "two labellings are far apart and any rule that tells them apart chooses the same one. The agreement says the "
    "labels are unambiguous; it does not confirm one method by another.")
_APART_AGREE = (_UNAMBIGUOUS, "{b} of the draws lie near mu1 = mu2, but the chains do not pass between the copies "
                "(the verdict above): each chain's draws stay on one side, and the methods agree on them.")
_APART_SPLIT = (
    "Few draws are near the boundary, so the disputed draws are rare; per-component summaries of the methods "
    "differ only through them (`comparison.md`).",
    "The copies come close but the chains do not pass between them (the verdict above), so the methods' different "
    "criteria disagree on draws of one copy near mu1 = mu2; per-component summaries of the methods differ only "
    "through them (`comparison.md`).")
_DISAGREE_SPLIT = ("The chains disagree on label-invariant quantities (the verdict above), so the draws near mu1 = mu2 "
                   "may belong to a different mode rather than to a joined region of two copies; the methods' "
                   "disagreement is not interpretable until the chains agree.")
_DISAGREE_RELABEL = (
    "- **Relabelling cannot reconcile chains in different modes.** The {n} methods disagree on {split_pct:.3g}% of "
    "the draws, and the relabelled posterior mean of pi1 ranges from {lo:.3f} to {hi:.3f} across methods; with "
    "chains that disagree on label-invariant quantities (section 2) no method's summaries describe the posterior.")
_JOINED_SPLIT = (
    "The two copies of the posterior are joined here (the verdict above), so the methods' different criteria (the "
    "means, the weights, the allocations, the distance to a pivot) pick different labels for many draws: that "
    "disagreement is the ambiguity of the labels, not an error of one method, and each method's per-component "
    "summaries (`comparison.md`) rest on its own convention.")

#: Every verdict's words (:class:`Wording`): the one place to read or change them.
VERDICT_WORDS = {
    "chains_disagree": Wording(
        explanation="The chains disagree beyond labels: R-hat of label-invariant quantities reaches {high} (above "
        "{RHAT_MODES:g}, the threshold for chains in different modes; convergence asks for at most {RHAT_MAX:g}). No "
        "relabelling changes these quantities, so the chains sample different distributions of them: they sit in "
        "different modes of the posterior or have not converged. Which copy a draw is in cannot be judged from the "
        "pooled draws, no label verdict is given, and no relabelling makes the per-component summaries valid: run "
        "longer chains, or look at each chain's draws (the trace figure) to see the modes. ",
        k_explanation="The chains disagree beyond labels: R-hat of label-invariant quantities reaches {high} (above "
        "{RHAT_MODES:g}): no relabelling changes these, so the chains sit in different modes or have not converged, "
        "and no label verdict is given. ",
        lesson="- **Label switching cannot be judged when the chains disagree on what labels cannot change.** R-hat "
        "of label-invariant quantities reaches {worst:.3g} (section 2): the chains found different modes or have not "
        "converged, and relabelling cannot repair that.",
        relabel=(_DISAGREE_RELABEL, _DISAGREE_RELABEL),
        methods_agree=(_UNAMBIGUOUS, "The chains disagree on label-invariant quantities (the verdict above), so this "
                       "agreement says nothing about the labels of a converged posterior."),
        methods_split=(_DISAGREE_SPLIT, _DISAGREE_SPLIT)),
    "ambiguous": Wording(
        explanation="Labels are ambiguous: {boundary} of the draws lie near mu1 = mu2, more than the {AMBIGUOUS} up "
        "to which the two mirror-image copies of the posterior count as separated, and the chains pass through that "
        "region: {crossing_share} of the draws lie on the minority side of their own chain, more than {CROSSING} "
        "({crossing}). The copies are joined there, so which component of a draw is 'component 1' is a convention, "
        "not a property of the draw: per-component summaries depend on the relabelling method, and these crossings "
        "are not evidence of jumps between separated modes. ",
        k_explanation="Labels are ambiguous: {boundary} of the draws have two means within {BAND:g} x their typical "
        "gap (more than {AMBIGUOUS}), and {crossing_share} of the draws lie outside their own chain's majority "
        "labelling (more than {CROSSING}): the copies are joined, which component is which is a convention, and "
        "per-component summaries depend on the relabelling method. ",
        lesson="- **When the two copies of the posterior meet, labels are a convention.** {boundary_pct:.3g}% of the "
        "unordered model's draws lie near mu1 = mu2 (median |mu2 - mu1| / sigma {gap:.2g}): there 'component 1' is "
        "whatever the chosen relabelling rule says, so per-component results should be reported with the rule used, "
        "and crossings of mu1 = mu2 are not evidence of a sampler jumping between modes.",
        relabel=_RELABEL,
        methods_agree=(_UNAMBIGUOUS, "{b} of the draws lie near mu1 = mu2, where labels are ambiguous; the methods "
                       "happen to choose alike even there, which does not make those labels less of a convention."),
        methods_split=(_JOINED_SPLIT, _JOINED_SPLIT)),
    "within_chain": Wording(
        explanation="Label switching within chains: {movers} sit in the other labelling, including draws deep in the "
        "other copy (|mu2 - mu1| at least {BAND:g} x its median, on the far side of mu1 = mu2). A chain that stays in "
        "one copy never crosses mu1 = mu2, so the sampler moved between the two mirror-image copies, and "
        "per-component summaries average both until every draw is relabelled. {blind_note}",
        k_explanation="Label switching within chains: {k_movers} of its draws lie in another labelling, including "
        "draws away from every boundary between the copies: the sampler moved between copies, so relabel every draw "
        "before summarising. ",
        lesson="- **The sampler switched labels inside chains**: chains ran deep into both mirror-image copies "
        "({swapped_pct:.3g}% of all draws have mu1 > mu2).{lesson_blind}",
        relabel=_RELABEL, methods_agree=_APART_AGREE, methods_split=_APART_SPLIT,
        parts={"blind_note": {True: rhat_blind_text() + " ", False: ""},
               "lesson_blind": {True: " " + rhat_blind_text("section 2"), False: ""}}),
    "between_chains": Wording(
        explanation="Label switching between chains: {every_draw}, {as_em} kept mu1 < mu2 (the EM estimate's "
        "labelling) and {swapped} mu1 > mu2, {SWAP_WORDS}. Each chain explored one copy of the same posterior (the "
        "likelihood does not change when the labels are exchanged), so pooled summaries of pi1, mu1 and mu2 mix the "
        "two copies. Relabel the draws before summarising. ",
        k_explanation="Label switching between chains: {groups} (label k is the sampled component in position k when "
        "the means are sorted). Each chain explored one copy of the same posterior, so pooled per-component summaries "
        "mix the copies. Relabel the draws before summarising. ",
        lesson="- **Raw summaries of a label-switched posterior are meaningless.** The unordered posterior's raw mean "
        "of pi1 is {raw_pi1:.3f}, {where}, with R-hat {raw_rhat}; sigma, which does not depend on the labels, has "
        "R-hat {sigma_rhat}. {tail}",
        relabel=_RELABEL, methods_agree=_APART_AGREE, methods_split=_APART_SPLIT,
        parts={"where": {True: "between EM's pi1 = {pi1:.3f} and 1 - pi1 = {pi1c:.3f}",
                         False: "against EM's pi1 = {pi1:.3f}"},
               "cause": {"dispersed": "the tool started them there (init `dispersed`)",
                         "stayed": "their starts fell in both labellings and each chain stayed in the one it started "
                         "in",
                         "settled": "the chains settled in different labellings"},
               "tail": {True: "The chains are fine; only the labels differ, because {cause}.",
                        False: "The labels differ because {cause}; whether the chains are otherwise fine cannot be "
                        "said: they have not converged (below)."}}),
    "none": Wording(
        explanation="No label switching: every chain kept {kept}",
        k_explanation="No label switching: every chain kept labelling {first} {k_sorted}",
        lesson="- No label switching was seen in the unordered model: every chain kept one order of the means in "
        "every draw.",
        relabel=_RELABEL, methods_agree=_APART_AGREE, methods_split=_APART_SPLIT,
        parts={"k_sorted": {True: "(the means in ascending order). ", False: "(not sorted by mean). "},
               "kept": {True: "mu1 > mu2 {every_draw}, {SWAP_WORDS} relative to the EM estimate. Summaries are valid, "
                        "but the posterior's pi1, mu1, mu2 correspond to EM's 1 - pi1, mu2, mu1. ",
                        False: "mu1 < mu2 {every_draw}, the EM estimate's labelling, so summaries of pi1, mu1, mu2 "
                        "can be set beside EM directly. "}}),
}


def _common_facts(d) -> dict:
    """The facts every verdict's sentence may state, for two components or K."""
    return {"high": ", ".join(f"{k} {v:.3g}" for k, v in d.rhat_invariant.items() if v > RHAT_MODES),
            "boundary": _pct(d.boundary_share), "crossing_share": _pct(d.crossing_share)}


def _verdict_text(d) -> str:
    as_em = [c.chain for c in d.chains if c.labelling == "as_em"]
    swapped = [c.chain for c in d.chains if c.labelling == "swapped"]
    w = VERDICT_WORDS[d.verdict]
    return fill(w.explanation, w.parts, _common_facts(d) | {
        "crossing": "; ".join(f"chain {c.chain}: {_pct(c.share_other)}" for c in d.chains if c.share_other > 0),
        "movers": "; ".join(f"chain {c.chain}: {_pct(c.share_other)} of its draws" for c in d.chains if c.switches),
        "blind_note": d.rhat_blind, "every_draw": _every_draw(d), "as_em": _chains_word(as_em),
        "swapped": _chains_word(swapped), "kept": bool(swapped)})


def labelling_text(labelling) -> str:
    """``(2, 3, 1)`` -> ``"2 3 1"``: label k is the sampled component in position k (1-based)."""
    return " ".join(map(str, labelling))


def explain_k(d) -> str:
    """The paragraph of a K-component diagnosis (:class:`labels.kdiagnose.KDiagnosis`): the verdict (its row's
    ``k_explanation``), the boundary facts and the R-hat evidence."""
    groups: dict = {}
    for c in d.chains:
        groups.setdefault(labelling_text(c.labelling), []).append(str(c.chain))
    first = d.chains[0].labelling if d.chains else ()
    w = VERDICT_WORDS[d.verdict]
    text = fill(w.k_explanation, w.parts, _common_facts(d) | {
        "k_movers": "; ".join(f"chain {c.chain}: {_pct(c.share_other)}" for c in d.chains if c.switches),
        "groups": "; ".join(f"chains {', '.join(v)} in labelling {k}" for k, v in groups.items()),
        "first": labelling_text(first), "k_sorted": list(first) == sorted(first)})
    sep = "an unbounded number of" if d.separation == float("inf") else f"{d.separation:.3g}"
    raw = ", ".join(f"{k} {v:.3g}" for k, v in d.rhat_raw.items())
    inv = ", ".join(f"{k} {v:.3g}" for k, v in d.rhat_invariant.items())
    return (text + f"The gaps between adjacent sorted means lie at least {sep} times their spread "
            f"from 0 (the boundaries where two labellings coincide); {_pct(d.boundary_share)} of the draws have a gap "
            f"below half its median. R-hat as sampled: {raw}; of label-invariant quantities: {inv}.")


def starts_text(d) -> str:
    """How the chains were started and whether each ended in the labelling it started in."""
    starts = [c.start_labelling for c in d.chains]
    if d.init is None or None in starts:
        return "How the chains were started is not recorded in the posterior. "
    if d.init == "dispersed":
        placed = [c.chain for c in d.chains if c.start_labelling == "swapped"]
        text = ("Starts: the tool placed chains in both labellings (init 'dispersed', a teaching device): "
                f"{_chains_word(placed)} began at the label swap of the EM estimate and the others at the EM "
                "estimate itself, so chains in different labellings were put there by the starts, not found "
                "by the sampler. ") if placed else (
                "Starts: init 'dispersed' on a model that allows one labelling only: every chain began at the "
                "EM estimate. ")
    elif d.init == "prior":
        flipped = [c.chain for c in d.chains if c.start_labelling == "swapped"]
        text = ("Starts: each chain began at an independent draw from the prior (init 'prior'); "
                + (f"{_chains_word(flipped)} started with mu1 > mu2, the others with mu1 < mu2. " if flipped
                   else "every start had mu1 < mu2. "))
    elif d.init == "em":
        text = "Starts: every chain began at the EM estimate (init 'em'), in its labelling. "
    else:
        text = f"Starts: init {d.init!r}. "
    moved = [c.chain for c in d.chains if c.labelling != c.start_labelling]
    if moved:
        whose = "its" if len(moved) == 1 else "their"
        text += f"{_chains_word(moved, capital=True)} ended mostly in the labelling opposite to {whose} start. "
    else:
        text += "Every chain ended mostly in the labelling it started in. "
    n_em = sum(c.labelling == "as_em" for c in d.chains)
    return text + (f"In all, {n_em} of {len(d.chains)} chains ended mostly in the EM estimate's labelling "
                   f"and {len(d.chains) - n_em} in the swapped one. ")


def explain(d) -> str:
    """The whole paragraph: verdict, gap facts, starts, overlap note and R-hat evidence."""

    text = _verdict_text(d) + unjoined_text(d) + boundary_facts(d) + " " + starts_text(d)
    if d.component_gap < OVERLAP_GAP:
        text += (f"The posterior median of |mu2 - mu1| / sigma is {shown(d.component_gap, OVERLAP_GAP, 2)}, below "
                 f"{OVERLAP_GAP:g} "
                 "(where an equal-weight mixture's density has a single peak): the components overlap in the "
                 "data. ")
    raw = ", ".join(f"{k} {v:.3g}" for k, v in d.rhat_raw.items())
    inv = ", ".join(f"{k} {v:.3g}" for k, v in d.rhat_invariant.items())
    return text + (f"R-hat as sampled: {raw}; R-hat of label-invariant quantities: {inv} "
                   f"(above {RHAT_MODES:g} the chains are taken to sit in different modes and no label verdict is "
                   f"given; convergence is the stricter test of R-hat at most {RHAT_MAX:g}).")


def shown(value: float, threshold: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, or more if fewer would round it onto or across
    ``threshold`` (so a printed number and its flag never disagree)."""
    if not math.isfinite(value):
        return str(value)
    for d in range(digits, 17):
        text = f"{value:.{d}g}"
        if (float(text) > threshold) == (value > threshold) and (float(text) == threshold) == (value == threshold):
            return text
    return repr(float(value))
