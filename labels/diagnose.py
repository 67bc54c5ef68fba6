"""Label switching: is it there, where (between or within chains), can it be told at all, and the evidence.

The likelihood is unchanged by the swap ``(pi1, mu1, mu2, sigma) -> (1 - pi1, mu2, mu1, sigma)``,
so with symmetric priors the posterior has two mirror-image copies (docs/methods.md §4; Jasra,
Holmes & Stephens 2005, Stat. Sci. 20:50-67). With a shared sigma the components differ only in
their means, so the two labellings of a draw coincide exactly when ``mu1 = mu2``: that hyperplane
is the boundary between the copies, every path from one copy to the other crosses it, and which
copy a draw is in is the sign of ``D = mu2 - mu1`` ("as_em" when ``D > 0``, EM's convention of
component 1 = the smaller mean; "swapped" when ``D < 0``).

The statistic (docs/methods.md §4.9), from the draws alone:

- the label-invariant gap ``|D|`` over all draws, its median ``m``; a draw is **near the boundary**
  when ``|D| < BAND * m``, and the **boundary share** ``b`` is the share of such draws: how much of
  the posterior lies where the two copies meet;
- per chain, its majority labelling, the share of its draws in the other one (``share_other``) and
  whether any of those is **deep** in the other copy (``|D| >= BAND * m`` on the far side);
- the **crossing share** ``x``, the share of all draws on the minority side of their own chain: how
  often the chains themselves pass from one copy into the other.

Verdict:

``chains_disagree`` the R-hat of a label-invariant quantity exceeds ``RHAT_MODES``: the chains sample
                    different distributions of quantities no relabelling changes (different modes, or no
                    convergence), so nothing about labels can be read from the pooled draws
``ambiguous``       otherwise, ``b > AMBIGUOUS_SHARE`` and ``x > CROSSING_SHARE``: the copies are joined (draws
                    fill the region between them and the chains pass through it), a draw's labels are a
                    convention
``within_chain``    otherwise, some chain has a draw deep in its minority labelling
``between_chains``  otherwise, the chains' majority labellings differ
``none``            all chains in one labelling

Chains that each stay in one labelling are never ``ambiguous``, however close the copies: a posterior
whose copies come near mu1 = mu2 (``b`` above ``AMBIGUOUS_SHARE``) but whose chains do not cross it
is ``between_chains`` or ``none``, with ``b`` reported beside the verdict.

Calibrated because a chain confined to one copy keeps the sign of ``D`` in every draw, whatever the
posterior's shape (no normal approximation): it cannot produce a minority draw, so ``within_chain``
is never a false alarm on a posterior that cannot switch (an ordered one), and when draws are
swapped their share is counted exactly (the swap flips the sign of ``D`` and keeps ``|D|``).

Evidence: rank-normalised split R-hat (Vehtari et al. 2021, Bayesian Analysis 16:667-718) from
``arviz.rhat`` of pi1, mu1, mu2, sigma as sampled, and of label-invariant quantities (sigma,
min(mu), max(mu), the log-likelihood): switching between chains drives the first far above 1.01
while the second stay near 1. How the chains were started is read from the posterior's attributes
(``init``, ``start``) when the sampler recorded them.

Everything is computed on the draws standardised as the data were for EM (:mod:`labels.inputs`), so
the verdict, every share and every R-hat are the same for data ``x`` and ``a x + b`` (``a > 0``) at any
scale float64 holds; ``typical_gap`` is mapped back to the data's units.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from ..models.draws import Draws, order_perm, posterior_dataset
from ..models.thresholds import AMBIGUOUS_SHARE, BAND, CROSSING_SHARE, RHAT_FLAG, RHAT_MODES
from .inputs import LabelInputs, label_coordinates, prepare, recorded_attrs

VERDICTS = ("none", "between_chains", "within_chain", "ambiguous", "chains_disagree")
_LABELLING = {False: "as_em", True: "swapped"}  # a two-component draw's labelling: is mu1 > mu2?


@dataclass(frozen=True)
class ChainLabels:
    """One chain: its majority labelling, the share of its draws in the other one(s), and how it started.

    ``labelling`` is "as_em" (mu1 < mu2, EM's convention) or "swapped" (K components: 1-based, label k <-
    sampled component ``labelling[k - 1]``); ``deep_other`` says whether a minority draw lies deep in the
    other copy (away from every boundary); ``switches`` is the verdict's reading of that (False
    when labels are ambiguous); ``start_labelling`` is the labelling of the chain's start point, or
    None when the posterior does not record it.
    """

    chain: object
    labelling: str
    share_other: float
    switches: bool
    deep_other: bool = False
    start_labelling: str | None = None


@dataclass(frozen=True)
class LabelDiagnosis:
    """The label-switching diagnosis of one posterior.

    Attributes
    ----------
    verdict : one of :data:`VERDICTS`
    chains : per chain, :class:`ChainLabels`
    rhat_raw : R-hat of pi1, mu1, mu2, sigma as sampled
    rhat_invariant : R-hat of sigma, mu_min, mu_max and, when the data are available, loglik
    typical_gap : median over all draws of ``|mu2 - mu1|``
    separation : ``typical_gap`` in units of the spread of ``|mu2 - mu1|`` (IQR / 1.349)
    boundary_share : share of draws with ``|mu2 - mu1| < BAND * typical_gap``
    crossing_share : share of all draws on the minority side of their own chain (mean of ``share_other``
        weighted by the chains' lengths)
    share_swapped : share of all draws with ``mu1 > mu2``
    component_gap : median over draws of ``|mu2 - mu1| / sigma``; below 2 the mixture density is
        unimodal (for equal weights) and the components overlap in the data
    init : how the chains were started (the sampler's ``init`` attribute), or None
    loglik_bound : error bound (nats) of the binned per-draw log-likelihood (0 when exact)
    """

    verdict: str
    chains: tuple[ChainLabels, ...]
    rhat_raw: dict
    rhat_invariant: dict
    typical_gap: float
    separation: float
    boundary_share: float
    share_swapped: float
    component_gap: float
    init: str | None = None
    loglik_bound: float = 0.0
    crossing_share: float = 0.0

    @property
    def joined(self) -> bool:
        """True when the two copies are joined in the draws: more than :data:`AMBIGUOUS_SHARE` of them near
        mu1 = mu2 and more than :data:`CROSSING_SHARE` on the minority side of their own chain."""
        return copies_joined(self.boundary_share, self.crossing_share)

    @property
    def rhat_blind(self) -> bool:
        """True when every chain switches (has draws deep in both copies) and the raw R-hats of pi1, mu1, mu2
        stay below :data:`RHAT_FLAG`: then R-hat misses the switching because the chains agree with one another.
        A low R-hat beside switching in some chains only is not that (a single swapped draw barely moves R-hat)."""
        return (bool(self.chains) and all(c.switches for c in self.chains)
                and max(self.rhat_raw[k] for k in ("pi1", "mu1", "mu2")) < RHAT_FLAG)

    def explain(self) -> str:
        """A plain-words paragraph: what was found, how the chains started, the evidence, what to do."""
        from .wording import explain

        return explain(self)


def rhat(a) -> float:
    """``arviz.rhat`` of a ``(chain, draw)`` array. A quantity whose draws in a chain are all one value (a
    stuck chain) has no within-chain variance: R-hat is then inf or nan, which is what it should say,
    without numpy's division warning."""
    import arviz as az

    with np.errstate(divide="ignore", invalid="ignore"):
        return float(az.rhat(a))


def _rhat(draws: Draws) -> tuple[dict, dict]:
    """R-hat of the parameters as sampled and of the label-invariant sigma, min(mu), max(mu). Rank-normalised
    R-hat depends on the draws only through their ranks, so standardised draws give the data's values."""
    raw = {"pi1": rhat(draws.pi1), "mu1": rhat(draws.mu1), "mu2": rhat(draws.mu2), "sigma": rhat(draws.sigma)}
    invariant = {"sigma": raw["sigma"], "mu_min": rhat(np.minimum(draws.mu1, draws.mu2)),
                 "mu_max": rhat(np.maximum(draws.mu1, draws.mu2))}
    return raw, invariant


def _loglik_draws(posterior, inputs: LabelInputs | None):
    """Per-draw log-likelihood (and its error bound) from the data, else from a ``log_likelihood``
    group, else None."""
    if inputs is not None:
        return inputs.loglik, inputs.loglik_bound
    if hasattr(posterior, "children") and "log_likelihood" in posterior.children:
        ll = posterior["log_likelihood"].to_dataset()
        if len(ll.data_vars) == 1:
            var = next(iter(ll.data_vars.values()))
            other = [d for d in var.dims if d not in ("chain", "draw")]
            return var.sum(other).transpose("chain", "draw").values, 0.0
    return None, 0.0


def recorded_starts(posterior) -> tuple[str | None, list[str] | None]:
    """``(init, labelling of each chain's start)`` from the sampler's attributes, or ``(None, None)``."""
    attrs = recorded_attrs(posterior)
    init = attrs.get("init")
    try:
        starts = json.loads(attrs["start"])
        labels = ["swapped" if float(s["mu"][0]) > float(s["mu"][1]) else "as_em" for s in starts]
    except (KeyError, TypeError, ValueError, IndexError):
        labels = None
    return (str(init) if init is not None else None), labels


def chain_labels(codes: np.ndarray, deep: np.ndarray, coords, undecided: bool, name,
                 starts=None) -> tuple[ChainLabels, ...]:
    """Per chain of ``codes (chain, draw)`` (each draw's labelling as one integer): its majority labelling
    ``name(code)`` (ties: the smallest code, the sorted labelling), the share of its draws in any other and
    whether one of those is deep (``deep (chain, draw)``, away from every boundary); ``switches`` unless
    the verdict is ``undecided``; each chain's start labelling from ``starts`` (one per chain) if given."""
    out = []
    for c, coord in enumerate(coords):
        values, counts = np.unique(codes[c], return_counts=True)
        major = values[np.argmax(counts)]
        minority = codes[c] != major
        deep_other = bool(np.any(minority & deep[c]))
        start = starts[c] if starts is not None and len(starts) == len(coords) else None
        out.append(ChainLabels(coord.item() if hasattr(coord, "item") else coord, name(major),
                               float(minority.mean()), deep_other and not undecided, deep_other, start))
    return tuple(out)


def copies_joined(boundary_share: float, crossing_share: float) -> bool:
    """The copies are joined: draws fill the boundary region and the chains pass through it (module note)."""
    return bool(boundary_share > AMBIGUOUS_SHARE and crossing_share > CROSSING_SHARE)


def verdict_of(disagree: bool, ambiguous: bool, chains) -> str:
    """The verdict, first that applies: the chains sit in different modes; the copies are joined; some chain
    switches; the chains end in different labellings; none. ``chains`` have ``switches`` and ``labelling``
    (two components or K: :mod:`labels.kdiagnose` uses the same rule)."""
    if disagree:
        return "chains_disagree"
    if ambiguous:
        return "ambiguous"
    if any(c.switches for c in chains):
        return "within_chain"
    if len({c.labelling for c in chains}) > 1:
        return "between_chains"
    return "none"


def crossing(swapped: np.ndarray) -> float:
    """Share of the ``(chain, draw)`` labellings ``swapped`` that differ from their chain's majority."""
    per_chain = swapped.mean(axis=1)
    return float(np.minimum(per_chain, 1 - per_chain).mean()) if swapped.size else 0.0


def boundary(mu: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """``(near (chain, draw) bool, typical gaps (K - 1,), separation)`` from the gaps between adjacent sorted
    means ``mu (chain, draw, K)``: a draw is near a boundary when some gap is below ``BAND`` x its median, and
    the separation is the smallest median gap in units of its spread (IQR / 1.349). With K = 2 the gap is
    ``|mu2 - mu1|`` (module note)."""
    gaps = np.diff(np.sort(mu, axis=-1), axis=-1)  # (chain, draw, K - 1)
    flat = gaps.reshape(-1, gaps.shape[-1])
    typical = np.median(flat, axis=0)
    q1, q3 = np.percentile(flat, [25, 75], axis=0)
    spread = (q3 - q1) / 1.349
    near = np.any(gaps < BAND * typical, axis=-1) if np.all(typical > 0) else np.ones(mu.shape[:2], bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        sep = np.where(spread > 0, typical / np.where(spread > 0, spread, 1.0), np.inf)
    return near, typical, float(np.min(sep))


def gap_facts(draws: Draws) -> tuple[np.ndarray, float, float, float]:
    """``(near (chain, draw) bool, typical_gap, separation, boundary_share)`` (module note, :func:`boundary`);
    ``typical_gap`` in the units of ``draws``, the rest unit-free."""
    near, typical, separation = boundary(np.stack([draws.mu1, draws.mu2], axis=-1))
    return near, float(typical[0]), separation, float(near.mean())


def diagnose_labels(posterior, em_result=None, *, data=None, bins: int | None = None,
                    inputs: LabelInputs | None = None) -> LabelDiagnosis:
    """Diagnose label switching in ``posterior`` (module note).

    Parameters
    ----------
    posterior : DataTree with pi1, mu (2 components), sigma; at least 2 chains for R-hat
    em_result : the EM fit, optional: its data fingerprint (data of another fit are refused) and its
        standardisation, the coordinates of every computation here (:func:`labels.inputs.label_scaling`)
    data : the observed data, for the log-likelihood's R-hat (else the tree's ``observed_data`` or
        ``log_likelihood`` group is used; without any of them loglik is left out)
    bins : bins of the per-draw log-likelihood (:mod:`labels.binned`)
    inputs : :func:`labels.inputs.prepare` of this posterior, when already computed (then ``data`` and
        ``bins`` are not used)

    Returns
    -------
    LabelDiagnosis
    """
    if inputs is None:
        inputs = prepare(posterior, data=data, em_result=em_result, bins=bins)
    scaling, draws = label_coordinates(posterior, em_result, inputs)
    ds = posterior_dataset(posterior)
    near, typical, separation, b = gap_facts(draws)
    rhat_raw, invariant = _rhat(draws)
    ll, bound = _loglik_draws(posterior, inputs)
    if ll is not None:
        invariant["loglik"] = rhat(ll)
    disagree = any(v > RHAT_MODES for v in invariant.values())  # NaN (one chain) compares False
    swapped = order_perm(draws)
    x = crossing(swapped)
    ambiguous = copies_joined(b, x)
    coords = ds["chain"].values if "chain" in ds.coords else np.arange(draws.shape[0])
    init, starts = recorded_starts(posterior)
    chains = chain_labels(swapped, ~near, coords, ambiguous or disagree, _LABELLING.__getitem__, starts)
    verdict = verdict_of(disagree, ambiguous, chains)
    return LabelDiagnosis(verdict=verdict, chains=chains, rhat_raw=rhat_raw, rhat_invariant=invariant,
                          typical_gap=scaling.scale * typical, separation=separation, boundary_share=b,
                          share_swapped=float(swapped.mean()),
                          component_gap=float(np.median(np.abs(draws.mu2 - draws.mu1) / draws.sigma)),
                          init=init, loglik_bound=float(bound), crossing_share=x)
