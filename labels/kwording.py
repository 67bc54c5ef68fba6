"""The K-component label diagnosis in plain words and as one JSON object (``emvb labels`` on K components).

Each sentence states numbers of :class:`labels.kdiagnose.KDiagnosis`, chosen by the same fields and
constants as the verdict (:mod:`labels.diagnose`), so the words cannot contradict the numbers.
"""

from __future__ import annotations

import json


def _pct(v: float) -> str:
    return f"{100 * v:.3g}%"


def labelling_text(labelling) -> str:
    """``(2, 3, 1)`` -> ``"2 3 1"``: label k is the sampled component in position k (1-based)."""
    return " ".join(map(str, labelling))


def _verdict_text(d) -> str:
    from .diagnose import AMBIGUOUS_SHARE, BAND, CROSSING_SHARE, RHAT_MODES

    if d.verdict == "chains_disagree":
        high = ", ".join(f"{k} {v:.3g}" for k, v in d.rhat_invariant.items() if v > RHAT_MODES)
        return (f"The chains disagree beyond labels: R-hat of label-invariant quantities reaches {high} (above "
                f"{RHAT_MODES:g}): no relabelling changes these, so the chains sit in different modes or have not "
                "converged, and no label verdict is given. ")
    if d.verdict == "ambiguous":
        return (f"Labels are ambiguous: {_pct(d.boundary_share)} of the draws have two means within {BAND:g} x their "
                f"typical gap (more than {_pct(AMBIGUOUS_SHARE)}), and {_pct(d.crossing_share)} of the draws lie "
                f"outside their own chain's majority labelling (more than {_pct(CROSSING_SHARE)}): the copies are "
                "joined, which component is which is a convention, and per-component summaries depend on the "
                "relabelling method. ")
    if d.verdict == "within_chain":
        movers = "; ".join(f"chain {c.chain}: {_pct(c.share_other)}" for c in d.chains if c.switches)
        return (f"Label switching within chains: {movers} of its draws lie in another labelling, including draws "
                "away from every boundary between the copies: the sampler moved between copies, so relabel every "
                "draw before summarising. ")
    if d.verdict == "between_chains":
        groups: dict = {}
        for c in d.chains:
            groups.setdefault(labelling_text(c.labelling), []).append(str(c.chain))
        which = "; ".join(f"chains {', '.join(v)} in labelling {k}" for k, v in groups.items())
        return (f"Label switching between chains: {which} (label k is the sampled component in position k when "
                "the means are sorted). Each chain explored one copy of the same posterior, so pooled "
                "per-component summaries mix the copies. Relabel the draws before summarising. ")
    first = d.chains[0].labelling if d.chains else ()
    return (f"No label switching: every chain kept labelling {labelling_text(first)} "
            + ("(the means in ascending order). " if list(first) == sorted(first) else "(not sorted by mean). "))


def explain_k(d) -> str:
    """The paragraph: verdict, boundary facts and R-hat evidence."""
    sep = "an unbounded number of" if d.separation == float("inf") else f"{d.separation:.3g}"
    raw = ", ".join(f"{k} {v:.3g}" for k, v in d.rhat_raw.items())
    inv = ", ".join(f"{k} {v:.3g}" for k, v in d.rhat_invariant.items())
    return (_verdict_text(d) + f"The gaps between adjacent sorted means lie at least {sep} times their spread "
            f"from 0 (the boundaries where two labellings coincide); {_pct(d.boundary_share)} of the draws have a gap "
            f"below half its median. R-hat as sampled: {raw}; of label-invariant quantities: {inv}.")


def report_k(tree, sha256: str | None) -> dict:
    """The ``--json`` object of a :func:`labels.mixture.relabel_mixture` result."""
    group = tree["relabelling"].to_dataset()
    diag = json.loads(group.attrs["diagnosis"])
    names = [str(m) for m in group["relabeller"].values]
    agree = group["agreement"].values
    return diag | {
        "methods": {m: {"permuted_share": float(group["permuted_share"].values[i])} for i, m in enumerate(names)},
        "agreement": {a: {b: float(agree[i, j]) for j, b in enumerate(names)} for i, a in enumerate(names)},
        "agreement_meaning": group.attrs["agreement_meaning"], "explanation": group.attrs["explanation"],
        "layout": json.loads(group.attrs["layout"]),
        "sha256": sha256}
