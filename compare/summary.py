"""``summary.json``: the numbers a script reads, from a :class:`~compare.pipeline.Comparison`."""

from __future__ import annotations

import platform

import numpy as np

from ..models.params import json_float
from .pipeline import ORDERED, RAW, Comparison


def sampling_facts(dt) -> dict:
    """Divergences, tree-depth hits, R-hat/ESS extremes and times recorded by the sampler."""
    a = dt.attrs
    return {k: a.get(k) for k in ("sampler", "init", "chains", "draws", "tune", "seed", "n_divergent",
                                  "n_max_treedepth", "compile_time", "sampling_time", "wall_time",
                                  "likelihood")}


def label_facts(c: Comparison) -> dict:
    """The diagnosis, how each chain started and ended, each method's swaps and the methods' agreement."""
    lf = c.labels
    d, order = lf.diagnosis, lf.relabelled.get("order")
    return {
        "verdict": d.verdict,
        "init": d.init,
        "chains": [ch.labelling for ch in d.chains],
        "share_other_labelling": [json_float(ch.share_other) for ch in d.chains],
        "start_labelling": [ch.start_labelling for ch in d.chains],
        "typical_gap": json_float(d.typical_gap),
        "separation": json_float(d.separation),
        "boundary_share": json_float(d.boundary_share),
        "crossing_share": json_float(d.crossing_share),
        "share_swapped": json_float(d.share_swapped),
        "component_gap": json_float(d.component_gap),
        "rhat_raw": {k: json_float(v) for k, v in d.rhat_raw.items()},
        "rhat_invariant": {k: json_float(v) for k, v in d.rhat_invariant.items()},
        "methods": {m: {"swapped_share": json_float(r.share_swapped),
                        "same_as_order": None if order is None else json_float(np.mean(r.perm == order.perm))}
                    for m, r in lf.relabelled.items()},
        "disagreement_share": json_float(np.mean(lf.disagreement)) if lf.relabelled else None,
        "method_agreement": {a: {b: json_float(lf.agreement.loc[a, b]) for b in lf.agreement.columns}
                             for a in lf.agreement.index},
    }


def summary_dict(c: Comparison) -> dict:
    """The ``summary.json`` object: em, label_switching, variants, sha256, timings, adequacy and context."""
    variants = {}
    for name, sub in c.table.groupby("variant", sort=False):
        variants[name] = {
            row.parameter: {key: json_float(getattr(row, col)) for key, col in (
                ("mean", "mean"), ("sd", "sd"), ("hdi_low", "hdi_lb"), ("hdi_high", "hdi_ub"), ("r_hat", "r_hat"),
                ("ess_bulk", "ess_bulk"))}
            for row in sub.itertuples()
        }
    return {
        "em": c.em.to_json_dict(),
        "label_switching": label_facts(c),
        "variants": variants,
        "sha256": c.data.sha256,
        "data": {"name": c.data.name, "n": c.data.n, "seed": c.data.seed,
                 "truth": None if c.data.truth is None else c.data.truth.to_dict()},
        "priors": c.priors.to_dict(),
        "sampling": {RAW: sampling_facts(c.unordered), ORDERED: sampling_facts(c.ordered)},
        "settings": c.settings.to_dict(),
        "timings": {k: round(float(v), 3) for k, v in c.timings.items()},
        "adequacy": None if c.adequacy is None else c.adequacy.to_json_dict(),
        "versions": versions(),
    }


def versions() -> dict:
    import arviz
    import pymc

    return {"python": platform.python_version(), "numpy": np.__version__, "pymc": pymc.__version__,
            "arviz": arviz.__version__}
