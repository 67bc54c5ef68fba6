"""Section 2 of the report: label switching in the unordered model, and what relabelling did.

Every sentence is chosen by a number printed beside it: the diagnosis' boundary share and verdict
(:mod:`labels.diagnose`, one set of thresholds) and the methods' measured disagreement. Agreement
between methods is never presented as independent evidence: with K = 2 every method can differ from
sorting only near ``mu1 = mu2`` (docs/methods.md §4.8), so agreement says how many draws are there.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..compare.facts import label_diagnosis
from ..files.tables import md_table as _table
from ..labels.wording import VERDICT_WORDS, fill
from ..models.thresholds import AMBIGUOUS_SHARE, BAND

_LABELLING = {"as_em": "mu1 < mu2 (EM's)", "swapped": "mu1 > mu2 (swapped)", None: "not recorded"}


def _chain_table(d) -> str:
    rows = [[str(ch.chain), _LABELLING[ch.start_labelling], _LABELLING[ch.labelling],
             f"{100 * ch.share_other:.3g}%", "yes" if ch.deep_other else "no"] for ch in d.chains]
    return _table(["chain", "started in", "ended in (most draws)", "draws in the other labelling",
                   "deep in the other copy"], rows, "---|---|---|---:|---")


def _method_table(ds: xr.Dataset) -> str:
    from ..labels.methods import METHOD_INFO

    rows = []
    for m, swapped, same in zip(ds["method"].values, ds["swapped_share"].values, ds["same_as_order"].values,
                                strict=True):
        ref, what, differs = METHOD_INFO[str(m)]
        cells = [what, ref, differs]  # prose with |x| notation: escape the pipes inside a table cell
        rows.append([f"`{m}`", *(c.replace("|", "\\|") for c in cells), f"{100 * swapped:.3g}%",
                     "" if np.isnan(same) else f"{100 * same:.4g}%"])
    return _table(["method", "what it does", "reference", "can differ from sorting", "draws swapped",
                   "same labels as `order`"], rows, "---|---|---|---|---:|---:")


def agreement_text(ds: xr.Dataset) -> str:
    """What the methods' agreement or disagreement means here, from the boundary share and the
    measured disagreement (docs/methods.md §4.8), read from the ``/labels`` group ``ds``."""
    d, near, split = label_diagnosis(ds), ds["near"].values.astype(bool), disagreement(ds)
    w, many = VERDICT_WORDS[d.verdict], d.boundary_share > AMBIGUOUS_SHARE
    b = f"{100 * d.boundary_share:.3g}%"
    facts = {"b": b, "separation": d.separation,
             "near_words": "none of the draws lie" if d.boundary_share == 0 else f"only {b} of the draws lie"}
    if not split.any():
        return f"All {ds.sizes['method']} methods chose the same labels for every draw. " + fill(
            w.methods_agree[many], {}, facts)
    return (f"The methods disagree on {100 * split.mean():.3g}% of the draws ({int(split.sum())} of {split.size}); "
            f"{100 * float(np.mean(near[split])):.3g}% of those lie within {BAND:g} x the median |mu2 - mu1| of the "
            f"boundary mu1 = mu2 ({b} of all draws do). " + fill(w.methods_split[many], {}, facts))


def disagreement(ds: xr.Dataset) -> np.ndarray:
    """Per draw: do at least two methods disagree? (no draw without a method)"""
    return ds["disagreement"].values.astype(bool) if "disagreement" in ds else np.zeros(1, bool)


def _bins_note(ds: xr.Dataset) -> str:
    widths = {float(w) for w in ds["bin_width"].values if not np.isnan(w)}
    if not widths or widths == {0.0}:
        return "Stephens, ECR and PRA used every data point exactly."
    w = max(widths)
    return (f"Stephens, ECR and PRA summed over the data in bins: each point was replaced by its bin's mean, "
            f"a move of less than {w:.3g} ({w / ds.attrs['em_sigma']:.2g} EM sigma), docs/methods.md §8.")


def labels_section(ds: xr.Dataset) -> str:
    """Section 2 from the ``/labels`` group of the comparison's tree: the verdict, how each chain started and
    ended, the methods and what their agreement means."""
    d = label_diagnosis(ds)
    text = "## 2. Label switching in the unordered model\n\n"
    text += f"**Verdict: `{d.verdict}`.** {d.explain()}\n\n"
    text += _chain_table(d)
    text += ("\nEach relabelling method chose, per draw, whether to swap the labels (docs/methods.md §4; every "
             "method reports component 1 as the one with the smaller mean, as EM does):\n\n")
    text += _method_table(ds)
    text += "\n" + agreement_text(ds) + " " + _bins_note(ds) + "\n"
    return text
