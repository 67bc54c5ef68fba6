"""The label-switching diagnosis in plain words: each sentence states a number of the diagnosis.

Used by :meth:`labels.diagnose.LabelDiagnosis.explain` (the report's section 2 and ``emvb labels``).
Which sentence appears is decided by the same fields and constants as the verdict
(:mod:`labels.diagnose`), so the words cannot contradict the numbers beside them.
"""

from __future__ import annotations

import math

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
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


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


def _verdict_text(d) -> str:

    as_em = [c.chain for c in d.chains if c.labelling == "as_em"]
    swapped = [c.chain for c in d.chains if c.labelling == "swapped"]
    if d.verdict == "chains_disagree":
        high = ", ".join(f"{k} {v:.3g}" for k, v in d.rhat_invariant.items() if v > RHAT_MODES)
        return (f"The chains disagree beyond labels: R-hat of label-invariant quantities reaches {high} (above "
                f"{RHAT_MODES:g}, the threshold for chains in different modes; convergence asks for at most "
                f"{RHAT_MAX:g}). No relabelling changes these quantities, so the chains sample different "
                "distributions of them: they sit in different modes of the posterior or have not converged. "
                "Which copy a draw is in cannot be judged from the pooled draws, no label verdict is given, "
                "and no relabelling makes the per-component summaries valid: run longer chains, or look at "
                "each chain's draws (the trace figure) to see the modes. ")
    if d.verdict == "ambiguous":
        crossing = [c for c in d.chains if c.share_other > 0]
        return (f"Labels are ambiguous: {_pct(d.boundary_share)} of the draws lie near mu1 = mu2, more than the "
                f"{_pct(AMBIGUOUS_SHARE)} up to which the two mirror-image copies of the posterior count as "
                f"separated, and the chains pass through that region: {_pct(d.crossing_share)} of the draws lie on "
                f"the minority side of their own chain, more than {_pct(CROSSING_SHARE)} (" + "; ".join(
                    f"chain {c.chain}: {_pct(c.share_other)}" for c in crossing)
                + "). The copies are joined there, so which component of a draw is 'component 1' is a convention, "
                "not a property of the draw: per-component summaries depend on the relabelling method, and these "
                "crossings are not evidence of jumps between separated modes. ")
    if d.verdict == "within_chain":
        movers = [c for c in d.chains if c.switches]
        which = "; ".join(f"chain {c.chain}: {_pct(c.share_other)} of its draws" for c in movers)
        text = (f"Label switching within chains: {which} sit in the other labelling, including draws deep in "
                f"the other copy (|mu2 - mu1| at least {BAND:g} x its median, on the far side of mu1 = mu2). A "
                "chain that stays in one copy never crosses mu1 = mu2, so the sampler moved between the two "
                "mirror-image copies, and per-component summaries average both until every draw is relabelled. ")
        if d.rhat_blind:
            text += rhat_blind_text() + " "
        return text
    if d.verdict == "between_chains":
        return (f"Label switching between chains: {_every_draw(d)}, {_chains_word(as_em)} kept mu1 < mu2 (the "
                f"EM estimate's labelling) and {_chains_word(swapped)} mu1 > mu2, {SWAP_WORDS}. Each chain "
                "explored one copy of the same posterior (the likelihood does not change when the labels are "
                "exchanged), so pooled summaries of pi1, mu1 and mu2 mix the two copies. Relabel the draws "
                "before summarising. ")
    if swapped:
        return (f"No label switching: every chain kept mu1 > mu2 {_every_draw(d)}, {SWAP_WORDS} relative to the "
                "EM estimate. Summaries are valid, but the posterior's pi1, mu1, mu2 correspond to EM's "
                "1 - pi1, mu2, mu1. ")
    return (f"No label switching: every chain kept mu1 < mu2 {_every_draw(d)}, the EM estimate's labelling, "
            "so summaries of pi1, mu1, mu2 can be set beside EM directly. ")


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
