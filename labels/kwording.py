"""The K-component label diagnosis in plain words and as one JSON object (``emvb labels`` on K components).

Each sentence states numbers of :class:`labels.kdiagnose.KDiagnosis`, chosen by the same fields and
constants as the verdict (:mod:`labels.diagnose`), so the words cannot contradict the numbers; each verdict's
words are its row's ``k_explanation`` in :data:`labels.wording.VERDICT_WORDS`.
"""

from __future__ import annotations

import json

from ..models.thresholds import RHAT_MODES
from .wording import VERDICT_WORDS, fill


def _pct(v: float) -> str:
    return f"{100 * v:.3g}%"


def labelling_text(labelling) -> str:
    """``(2, 3, 1)`` -> ``"2 3 1"``: label k is the sampled component in position k (1-based)."""
    return " ".join(map(str, labelling))


def _verdict_text(d) -> str:
    groups: dict = {}
    for c in d.chains:
        groups.setdefault(labelling_text(c.labelling), []).append(str(c.chain))
    first = d.chains[0].labelling if d.chains else ()
    w = VERDICT_WORDS[d.verdict]
    return fill(w.k_explanation, w.parts, {
        "high": ", ".join(f"{k} {v:.3g}" for k, v in d.rhat_invariant.items() if v > RHAT_MODES),
        "boundary": _pct(d.boundary_share), "crossing_share": _pct(d.crossing_share),
        "k_movers": "; ".join(f"chain {c.chain}: {_pct(c.share_other)}" for c in d.chains if c.switches),
        "groups": "; ".join(f"chains {', '.join(v)} in labelling {k}" for k, v in groups.items()),
        "first": labelling_text(first), "k_sorted": list(first) == sorted(first)})


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
