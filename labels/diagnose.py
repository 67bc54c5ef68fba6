"""Label switching: is it there, where (between or within chains), and the evidence, in plain words.

The likelihood is unchanged by the swap ``(pi1, mu1, mu2, sigma) -> (1 - pi1, mu2, mu1, sigma)``,
so with symmetric priors the posterior has two mirror-image copies (docs/methods.md §4;
Jasra, Holmes & Stephens 2005, Stat. Sci. 20:50-67). Each draw is put in one of the two
labellings of the EM estimate ``theta_hat``: the nearer of ``theta_hat`` and its swap in the metric
of the EM covariance (:mod:`labels.pivot`). Then per chain: its majority labelling and the
share of its draws in the other one.

Verdict:

``within_chain``    some chain has more than ``threshold`` of its draws in its minority labelling
``between_chains``  otherwise, if the chains' majority labellings differ
``none``            all chains in one labelling

``threshold = max(min_share, 2 Phi(-delta/2))``, where ``delta`` is the scaled distance between the
two labellings and ``Phi(-delta/2)`` the share of a single normal mode ``N(theta_hat, C)`` that falls
on the far side of the bisecting hyperplane: a chain that never switches puts about that share on
the wrong side by chance, so twice it (and at least ``min_share``) is needed to call it switching.

Evidence: rank-normalised split R-hat (Vehtari et al. 2021, Bayesian Analysis 16:667-718) from
``arviz.rhat`` of pi1, mu1, mu2, sigma as sampled, and of label-invariant quantities (sigma,
min(mu), max(mu), the log-likelihood): switching between chains drives the first far above 1.01
while the second stay near 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .draws import draw_logliks, draws_of, posterior_dataset
from .pivot import labelling_distances, misclassification_share, mode_separation, usable_cov
from .relabel import data_values

VERDICTS = ("none", "between_chains", "within_chain")
#: Smallest share of a chain's draws in its minority labelling that counts as switching when the
#: two labellings are far apart (one draw in a hundred).
MIN_SHARE = 0.01
RHAT_OK = 1.01
#: ``|mu2 - mu1| / sigma`` below which a two-component mixture with a shared sigma and equal
#: weights has a single peak (Robertson & Fryer 1969, Scand. Actuarial J. 1969:137-146).
OVERLAP_GAP = 2.0


@dataclass(frozen=True)
class ChainLabels:
    """One chain: its majority labelling and the share of its draws in the other labelling."""

    chain: object
    labelling: str  # "as_em" or "swapped"
    share_other: float
    switches: bool


@dataclass(frozen=True)
class LabelDiagnosis:
    """The label-switching diagnosis of one posterior against one EM fit.

    Attributes
    ----------
    verdict : "none", "between_chains" or "within_chain"
    chains : per chain, :class:`ChainLabels`
    rhat_raw : R-hat of pi1, mu1, mu2, sigma as sampled
    rhat_invariant : R-hat of sigma, mu_min, mu_max and, when the data are available, loglik
    separation : scaled distance ``delta`` between the EM estimate and its swap
    wrong_side_share : ``Phi(-delta/2)``, the share a non-switching chain puts on the far side
    threshold : minority share above which a chain counts as switching within
    share_swapped : share of all draws nearer the swapped EM estimate
    component_gap : ``|mu2 - mu1| / sigma`` at the EM estimate; below 2 the mixture density is
        unimodal (for equal weights), the components overlap and per-draw labels are ambiguous
    """

    verdict: str
    chains: tuple[ChainLabels, ...]
    rhat_raw: dict
    rhat_invariant: dict
    separation: float
    wrong_side_share: float
    threshold: float
    share_swapped: float
    component_gap: float

    def explain(self) -> str:
        """A plain-words paragraph: what was found, the evidence, and what to do."""
        as_em = [str(c.chain) for c in self.chains if c.labelling == "as_em"]
        swapped = [str(c.chain) for c in self.chains if c.labelling == "swapped"]
        raw = ", ".join(f"{k} {v:.3g}" for k, v in self.rhat_raw.items())
        inv = ", ".join(f"{k} {v:.3g}" for k, v in self.rhat_invariant.items())
        evidence = (f"R-hat as sampled: {raw}; R-hat of label-invariant quantities: {inv} "
                    f"(values above {RHAT_OK} mean the chains disagree).")
        swap_words = ("the swapped labelling (component 1 and 2 exchanged: pi1 -> 1 - pi1, "
                      "mu1 <-> mu2, sigma unchanged)")
        if self.verdict == "within_chain":
            movers = [c for c in self.chains if c.switches]
            which = "; ".join(f"chain {c.chain}: {100 * c.share_other:.1f}% of its draws" for c in movers)
            text = (f"Label switching within chains: {which} sit in the other labelling of the EM "
                    f"estimate (more than the {100 * self.threshold:.1f}% a chain staying in one "
                    "labelling would show by chance if the posterior were close to its normal "
                    "approximation at the EM estimate). The sampler crosses between the two "
                    "mirror-image copies of the posterior, so per-component summaries average over "
                    "both and mean nothing until every draw is relabelled. ")
            if max(self.rhat_raw[k] for k in ("pi1", "mu1", "mu2")) < 1.05:
                text += ("R-hat barely flags it: when every chain visits both copies, the chains "
                         "agree with one another, so R-hat alone cannot reveal switching. ")
            if self.wrong_side_share > 0.05:
                text += (f"The two labellings are only {self.separation:.2g} standard errors apart, so "
                         "the components overlap and no relabelling can be certain for every draw; "
                         "compare the relabelling methods before trusting per-component results. ")
        elif self.verdict == "between_chains":
            text = (f"Label switching between chains: chain(s) {', '.join(as_em)} sit in the EM "
                    f"estimate's labelling and chain(s) {', '.join(swapped)} in {swap_words}. Each "
                    "chain explores one copy of the same posterior, because the likelihood does not "
                    "change when the labels are exchanged, but pooled summaries of pi1, mu1 and mu2 "
                    "mix the two copies. Relabel the draws (for example order them by mu) before "
                    "summarising. ")
        elif swapped:
            text = (f"No label switching: all chains sit in {swap_words} relative to the EM "
                    "estimate, consistently. Summaries are valid, but the posterior's pi1, mu1, mu2 "
                    "correspond to EM's 1 - pi1, mu2, mu1. ")
        else:
            text = ("No label switching: every chain sits in the EM estimate's labelling and stays "
                    "there, so summaries of pi1, mu1, mu2 can be compared with EM directly. ")
        if self.component_gap < OVERLAP_GAP:
            text += (f"The EM components are only {self.component_gap:.2g} sigma apart (below "
                     f"{OVERLAP_GAP:g}, where the mixture density has a single peak), so which "
                     "component a draw means is ambiguous and the relabelling methods can disagree. ")
        return text + evidence


def _rhat_raw(ds) -> dict:
    import arviz as az

    from .draws import component_dim

    comp = component_dim(ds)
    rh = az.rhat(ds[["pi1", "mu", "sigma"]])
    mu = rh["mu"].transpose(comp).values
    return {"pi1": float(rh["pi1"]), "mu1": float(mu[0]), "mu2": float(mu[1]), "sigma": float(rh["sigma"])}


def _loglik_draws(posterior, draws, x):
    """Per-draw log-likelihood from the data, else from a ``log_likelihood`` group, else None."""
    if x is not None:
        return draw_logliks(x, draws)
    if hasattr(posterior, "children") and "log_likelihood" in posterior.children:
        ll = posterior["log_likelihood"].to_dataset()
        if len(ll.data_vars) == 1:
            var = next(iter(ll.data_vars.values()))
            other = [d for d in var.dims if d not in ("chain", "draw")]
            return var.sum(other).transpose("chain", "draw").values
    return None


def diagnose_labels(posterior, em_result, *, data=None, min_share: float = MIN_SHARE) -> LabelDiagnosis:
    """Diagnose label switching in ``posterior`` relative to the EM estimate.

    Parameters
    ----------
    posterior : DataTree with pi1, mu (2 components), sigma; at least 2 chains for R-hat
    em_result : the EM fit (``params`` with mu1 <= mu2, ``cov`` in the order pi1, mu1, mu2, sigma)
    data : the observed data, for the log-likelihood's R-hat (else the tree's ``observed_data`` or
        ``log_likelihood`` group is used; without any of them loglik is left out)
    min_share : smallest minority share that counts as switching (see the module note)

    Returns
    -------
    LabelDiagnosis
    """
    import arviz as az

    ds = posterior_dataset(posterior)
    draws = draws_of(posterior)
    d_as, d_sw = labelling_distances(draws, em_result.params, em_result.cov)
    swapped = d_sw < d_as
    delta = mode_separation(em_result.params, usable_cov(em_result.cov, draws))
    wrong = misclassification_share(delta)
    threshold = max(float(min_share), 2.0 * wrong)
    chain_coords = ds["chain"].values if "chain" in ds.coords else np.arange(draws.shape[0])
    chains = []
    for c, coord in enumerate(chain_coords):
        share_sw = float(swapped[c].mean())
        labelling = "swapped" if share_sw > 0.5 else "as_em"
        other = min(share_sw, 1.0 - share_sw)
        chains.append(ChainLabels(coord.item() if hasattr(coord, "item") else coord, labelling, other,
                                  other > threshold))
    if any(c.switches for c in chains):
        verdict = "within_chain"
    elif len({c.labelling for c in chains}) > 1:
        verdict = "between_chains"
    else:
        verdict = "none"
    x = data_values(data, posterior, em_result)
    p = em_result.params
    invariant = {
        "sigma": float(az.rhat(draws.sigma)),
        "mu_min": float(az.rhat(np.minimum(draws.mu1, draws.mu2))),
        "mu_max": float(az.rhat(np.maximum(draws.mu1, draws.mu2))),
    }
    ll = _loglik_draws(posterior, draws, x)
    if ll is not None:
        invariant["loglik"] = float(az.rhat(ll))
    return LabelDiagnosis(verdict=verdict, chains=tuple(chains), rhat_raw=_rhat_raw(ds),
                          rhat_invariant=invariant, separation=delta, wrong_side_share=wrong,
                          threshold=threshold, share_swapped=float(swapped.mean()),
                          component_gap=abs(p.mu2 - p.mu1) / p.sigma)
