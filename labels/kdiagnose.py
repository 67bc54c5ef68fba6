"""Label switching in a K-component posterior: the verdicts of :mod:`labels.diagnose` defined for K
(docs/methods.md §4.10).

The likelihood is unchanged by any of the K! permutations of the components, so the posterior has up
to K! copies. A draw's **labelling** is the permutation that sorts its means (the reference: labels in
ascending order of mu, as the ordering constraint and EM): draws in one copy share it, and it changes
exactly when two means cross. With K = 2 it is the sign of ``mu2 - mu1``, and everything below is
the two-component diagnosis:

- the gaps between adjacent sorted means ``g_j = mu_(j+1) - mu_(j)``, ``j = 1..K-1``, their medians
  ``m_j``; a draw is **near a boundary** (two means about to cross) when some ``g_j < BAND m_j``, and the
  **boundary share** is the share of such draws; the separation is ``min_j m_j / (IQR(g_j) / 1.349)``;
- per chain, its majority labelling, the share of its draws in any other labelling (``share_other``)
  and whether one of those is **deep** (not near a boundary);
- the **crossing share**: the share of all draws not in their own chain's majority labelling.

Verdicts and thresholds are those of the two-component diagnosis (:mod:`labels.diagnose`):
``chains_disagree`` (an R-hat of label-invariant quantities, the sorted means, the shared or sorted
sigmas and the log-likelihood, above ``RHAT_MODES``), else ``ambiguous`` (boundary share and crossing
share both above their thresholds), else ``within_chain`` (some chain has a deep draw in another
labelling), else ``between_chains`` (the chains' majority labellings differ), else ``none``. Calibrated
as for K = 2: a chain confined to one copy keeps one ordering of its means in every draw, so it cannot
produce a minority draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .diagnose import RHAT_MODES, ChainLabels, boundary, chain_labels, copies_joined, rhat, verdict_of
from .kdraws import MixDraws, order_perm_k, perm_codes, perm_of_code


@dataclass(frozen=True)
class KDiagnosis:
    """The label-switching diagnosis of a K-component posterior (module note)."""

    verdict: str
    k: int
    chains: tuple[ChainLabels, ...]
    rhat_raw: dict
    rhat_invariant: dict
    boundary_share: float
    crossing_share: float
    separation: float
    share_unordered: float

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "components": self.k,
                "chains": [{"chain": c.chain, "labelling": list(c.labelling), "share_other": c.share_other,
                            "deep_other": c.deep_other} for c in self.chains],
                "boundary_share": self.boundary_share, "crossing_share": self.crossing_share,
                "separation": None if self.separation == float("inf") else self.separation,
                "share_unordered": self.share_unordered, "rhat_raw": self.rhat_raw,
                "rhat_invariant": self.rhat_invariant}


def rhats(draws: MixDraws, loglik=None) -> tuple[dict, dict]:
    """R-hat of every parameter as sampled, and of the label-invariant sorted means, sigma(s), log-likelihood."""
    k = draws.k
    raw = {f"w{j + 1}": rhat(draws.w[..., j]) for j in range(k)} | {f"mu{j + 1}": rhat(draws.mu[..., j])
                                                                      for j in range(k)}
    mu_sorted = np.sort(draws.mu, axis=-1)
    inv = {f"mu_({j + 1})": rhat(mu_sorted[..., j]) for j in range(k)}
    if draws.shared:
        raw["sigma"] = inv["sigma"] = rhat(draws.sigma[..., 0])
    else:
        s_sorted = np.sort(draws.sigma, axis=-1)
        raw |= {f"sigma{j + 1}": rhat(draws.sigma[..., j]) for j in range(k)}
        inv |= {f"sigma_({j + 1})": rhat(s_sorted[..., j]) for j in range(k)}
    if loglik is not None:
        inv["loglik"] = rhat(loglik)
    return raw, inv


def diagnose_k(draws: MixDraws, loglik=None, coords=None) -> KDiagnosis:
    """The verdict and its evidence (module note) for ``draws`` (any coordinates: every quantity used is
    unchanged by an affine map of the data) and, optionally, their log-likelihood ``(chain, draw)``."""
    coords = np.arange(draws.shape[0]) if coords is None else np.asarray(coords)
    codes = perm_codes(order_perm_k(draws.mu))
    near, _, separation = boundary(draws.mu)
    raw, inv = rhats(draws, loglik)
    disagree = any(v > RHAT_MODES for v in inv.values())  # NaN (one chain) compares False
    identity_code = int(perm_codes(np.arange(draws.k)))
    per_chain = [codes[c] != np.bincount(codes[c]).argmax() for c in range(codes.shape[0])]
    crossing = float(np.mean([m.mean() for m in per_chain])) if codes.size else 0.0
    b = float(near.mean())
    ambiguous = copies_joined(b, crossing)
    chains = chain_labels(codes, ~near, coords, ambiguous or disagree,
                          lambda code: tuple(j + 1 for j in perm_of_code(int(code), draws.k)))
    verdict = verdict_of(disagree, ambiguous, chains)
    return KDiagnosis(verdict, draws.k, chains, raw, inv, b, crossing, separation,
                      float(np.mean(codes != identity_code)))
