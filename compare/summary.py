"""``summary.json``: the numbers a script reads, from a :class:`~compare.pipeline.Comparison`."""

from __future__ import annotations

import platform

import numpy as np

from .pipeline import ORDERED, RAW, Comparison


def _f(v) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


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
        "share_other_labelling": [_f(ch.share_other) for ch in d.chains],
        "start_labelling": [ch.start_labelling for ch in d.chains],
        "typical_gap": _f(d.typical_gap),
        "separation": _f(d.separation),
        "boundary_share": _f(d.boundary_share),
        "crossing_share": _f(d.crossing_share),
        "share_swapped": _f(d.share_swapped),
        "component_gap": _f(d.component_gap),
        "rhat_raw": {k: _f(v) for k, v in d.rhat_raw.items()},
        "rhat_invariant": {k: _f(v) for k, v in d.rhat_invariant.items()},
        "methods": {m: {"swapped_share": _f(r.share_swapped),
                        "same_as_order": None if order is None else _f(np.mean(r.perm == order.perm))}
                    for m, r in lf.relabelled.items()},
        "disagreement_share": _f(np.mean(lf.disagreement)) if lf.relabelled else None,
        "method_agreement": {a: {b: _f(lf.agreement.loc[a, b]) for b in lf.agreement.columns}
                             for a in lf.agreement.index},
    }


def summary_dict(c: Comparison) -> dict:
    """The ``summary.json`` object: em, label_switching, variants, sha256, timings, adequacy and context."""
    variants = {}
    for name, sub in c.table.groupby("variant", sort=False):
        variants[name] = {
            row.parameter: {"mean": _f(row.mean), "sd": _f(row.sd), "hdi_low": _f(row.hdi_lb),
                            "hdi_high": _f(row.hdi_ub), "r_hat": _f(row.r_hat), "ess_bulk": _f(row.ess_bulk)}
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
