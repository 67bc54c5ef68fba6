"""Section 2 of the report: label switching in the unordered model, and what relabelling did."""

from __future__ import annotations

from .tables import md_table as _table


def labels_section(c) -> str:
    """Section 2: the label-switching verdict, each chain's labelling, and the relabelling methods."""
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
