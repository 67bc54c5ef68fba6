"""The posterior part of a replicate: sample one model, summarise it with ArviZ, and its rows.

Summaries are those of the comparison table (:func:`compare.table.posterior_summary`: mean,
median, sd, HDI, R-hat, bulk and tail ESS) at the nominal level, plus ArviZ's equal-tailed
interval. The unordered model is started with every chain at the EM estimate, so any label
switching is the sampler's own; its verdict is taken on the draws as sampled, and its summaries on
the draws relabelled by ordering mu (the same constraint as the ordered model, imposed after the
fact).
"""

from __future__ import annotations

import re

from ..models.params import PARAM_NAMES, MixtureParams
from .records import row
from .thresholds import MAX_DIVERGENT_SHARE, NOMINAL
from .upstream import Sampled, label_verdict, relabel_by_order, sample_posterior


def sample_model(x, model: str, settings, start: MixtureParams, seed: int) -> Sampled:
    """Sample ``model`` (``"ordered"`` or ``"unordered"``) on ``x`` under the study's prior."""
    return sample_posterior(x, ordered=model == "ordered", priors=settings.priors, start=start,
                            chains=settings.chains, draws=settings.draws, tune=settings.tune, seed=seed)


def equal_tailed(posterior) -> dict[str, tuple[float, float]]:
    """ArviZ's equal-tailed interval at the nominal level, per parameter (``mu`` by position)."""
    import arviz as az

    from ..models.draws import component_dim, posterior_dataset

    ds = posterior_dataset(posterior)[["pi1", "mu", "sigma"]]
    comp = component_dim(ds)
    eti = az.eti(ds, prob=NOMINAL)
    out = {}
    for name in PARAM_NAMES:
        var, sel = ("mu", {comp: int(name[-1]) - 1}) if name.startswith("mu") else (name, {})
        lo, hi = (float(v) for v in eti[var].isel(sel).values)
        out[name] = (lo, hi)
    return out


#: The count-free form of :func:`divergence_failure`'s message, under which the report groups failures.
DIVERGENT_KIND = f"divergent transitions over the limit ({MAX_DIVERGENT_SHARE:.0%} of the draws)"
_DIVERGENT = re.compile(r"\d+ divergent transitions of \d+ draws \(limit [^)]*\)")


def failure_kind(reason: str) -> str:
    """A failure reason without its replicate-specific counts, so that like failures are counted together
    (``"ordered: 42 divergent transitions of 4000 draws (limit 1%)"`` -> ``"ordered: "`` + DIVERGENT_KIND)."""
    return _DIVERGENT.sub(DIVERGENT_KIND, str(reason))


def divergence_failure(sampled: Sampled, settings) -> str | None:
    """A failure reason when more than :data:`MAX_DIVERGENT_SHARE` of the kept draws diverged."""
    kept = settings.chains * settings.draws
    if sampled.divergences > MAX_DIVERGENT_SHARE * kept:
        return f"{sampled.divergences} divergent transitions of {kept} draws (limit {MAX_DIVERGENT_SHARE:.0%})"
    return None


def posterior_rows(sampled: Sampled, model: str, settings, fit, x, truth: MixtureParams,
                   common: dict) -> tuple[list[dict], str | None]:
    """Rows of method ``model`` (one per parameter) and the failure reason, if any."""
    from ..compare.table import posterior_summary

    post, verdict = sampled.posterior, None
    if model == "unordered":
        verdict = label_verdict(post, fit, x)
        post = relabel_by_order(post, fit, x)
    s = posterior_summary(post, NOMINAL)
    eti = equal_tailed(post)
    failure = divergence_failure(sampled, settings)
    t = truth.to_dict()
    rows = []
    for p in PARAM_NAMES:
        r = s.loc[p]
        rows.append(row(**common, method=model, param=p, ok=failure is None, reason=failure, truth=t[p],
                        estimate=float(r["mean"]), median=float(r["median"]), sd=float(r["sd"]),
                        hdi_lower=float(r["hdi_lb"]), hdi_upper=float(r["hdi_ub"]), eti_lower=eti[p][0],
                        eti_upper=eti[p][1], r_hat=float(r["r_hat"]), ess_bulk=float(r["ess_bulk"]),
                        ess_tail=float(r["ess_tail"]), divergences=sampled.divergences,
                        target_accept=sampled.target_accept, retries=sampled.retries, label_verdict=verdict))
    return rows, failure
