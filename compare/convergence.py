"""Have the chains converged? One check per PyMC model, read by the report's convergence table and its prose.

What counts, decided by the thresholds of :mod:`compare.thresholds`:

- **ordered model**: the R-hat and bulk ESS of pi1, mu1, mu2, sigma (its rows of the comparison table);
- **unordered model**: those of label-invariant quantities only: the R-hat of sigma, min(mu1, mu2),
  max(mu1, mu2) and the log-likelihood (the label diagnosis, :mod:`labels.diagnose`), and the bulk
  ESS of the first three. Its chains are started in both labellings, so the R-hat of pi1, mu1 and
  mu2 *as sampled* is far above 1.01 by design: that is label switching, not a failure to converge.

When a check fails, :meth:`ChainCheck.advice` says what to raise: ``--tune`` and ``--draws`` for R-hat
(the warm-up and the chains are too short to forget their starts), and ``--draws`` to about
``draws * ess_min(chains) / ESS`` for a small ESS (ESS grows in proportion to the draws kept).
:func:`posterior_check` makes the same check of one sampled posterior alone (``emvb sample``), adding
its divergences (:meth:`ChainCheck.failures`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .table import ORDERED, RAW
from .thresholds import MAX_DIVERGENT_SHARE, RHAT_MAX, divergences_ok, ess_min, ess_ok, rhat_ok, shown

INVARIANT = "label-invariant quantities (sigma, min and max of mu, log-likelihood)"
INVARIANT_NO_LOGLIK = "label-invariant quantities (sigma, min and max of mu)"
PER_PARAMETER = "pi1, mu1, mu2, sigma"


@dataclass(frozen=True)
class ChainCheck:
    """The convergence facts of one model's chains and the verdict the thresholds give them."""

    model: str
    quantities: str         # what the R-hat and ESS are of
    rhat: float             # the largest R-hat that counts
    ess: float              # the smallest bulk ESS that counts
    n_divergent: int
    chains: int
    draws: int
    tune: int

    @property
    def rhat_ok(self) -> bool:
        return rhat_ok(self.rhat)

    @property
    def ess_ok(self) -> bool:
        return ess_ok(self.ess, self.chains)

    @property
    def divergences_ok(self) -> bool:
        return divergences_ok(self.n_divergent, self.chains * self.draws)

    @property
    def converged(self) -> bool:
        return self.rhat_ok and self.ess_ok

    def problems(self) -> list[str]:
        """The failed checks, each with its number printed on the right side of its threshold."""
        out = []
        if not self.rhat_ok:
            out.append(f"R-hat up to {shown(self.rhat, RHAT_MAX)} (above {RHAT_MAX:g})")
        if not self.ess_ok:
            need = ess_min(self.chains)
            out.append(f"bulk ESS down to {shown(self.ess, need, 3)} (below {need})")
        return out

    def failures(self) -> list[str]:
        """:meth:`problems` and, when over :data:`MAX_DIVERGENT_SHARE` of the kept draws, the divergences."""
        kept = self.chains * self.draws
        return self.problems() + ([] if self.divergences_ok else [
            f"{self.n_divergent} divergent transitions of {kept} draws (above {MAX_DIVERGENT_SHARE:.0%}, "
            f"{MAX_DIVERGENT_SHARE * kept:g})"])

    def advice(self) -> str:
        """What to raise (empty when converged)."""
        if self.converged:
            return ""
        to = _round_up(self.draws * ess_min(self.chains) / self.ess) if not self.ess_ok and self.ess > 0 else 0
        draws = f"--draws to about {to} per chain (now {self.draws})" if to else f"--draws (now {self.draws})"
        return "raise " + (f"--tune (now {self.tune}) and " if not self.rhat_ok else "") + draws


def _round_up(v: float) -> int:
    """``v`` rounded up to two significant digits (a number to type)."""
    if not math.isfinite(v):
        return 0
    e = 10 ** max(math.floor(math.log10(max(v, 1.0))) - 1, 0)
    return int(math.ceil(v / e) * e)


def invariant_ess(posterior) -> float:
    """Smallest bulk ESS of sigma, min(mu1, mu2) and max(mu1, mu2)."""
    import arviz as az
    import xarray as xr

    from ..models.draws import draws_of

    d = draws_of(posterior)
    ds = xr.Dataset({"sigma": (("chain", "draw"), d.sigma), "mu_min": (("chain", "draw"), np.minimum(d.mu1, d.mu2)),
                     "mu_max": (("chain", "draw"), np.maximum(d.mu1, d.mu2))})
    ess = az.ess(ds, method="bulk")
    return float(min(ess[v] for v in ess.data_vars))


def chain_checks(settings, table, diagnosis, unordered, ordered) -> dict[str, ChainCheck]:
    """``{RAW: ..., ORDERED: ...}`` of one comparison (see the module note), computed once by
    :func:`compare.pipeline.run_comparison`."""
    o = table[table.variant == ORDERED]
    common = {"chains": settings.chains, "draws": settings.draws, "tune": settings.tune}
    return {
        RAW: ChainCheck(RAW, INVARIANT, max(diagnosis.rhat_invariant.values()), invariant_ess(unordered),
                        int(unordered.attrs.get("n_divergent", 0)), **common),
        ORDERED: ChainCheck(ORDERED, PER_PARAMETER, float(o.r_hat.max()), float(o.ess_bulk.min()),
                            int(ordered.attrs.get("n_divergent", 0)), **common),
    }


def posterior_check(posterior, ordered: bool, data=None) -> ChainCheck:
    """The :class:`ChainCheck` of one sampled posterior (``sampling.sample.sample``'s DataTree), as
    :func:`chain_checks` makes it for a comparison: per parameter for the ordered model; for the unordered
    model on label-invariant quantities only (R-hat of :class:`labels.diagnose.LabelDiagnosis`'s
    ``rhat_invariant``, with the log-likelihood when ``data`` or the tree's observed data are there), so
    that label switching between chains, expected there, is not called a failure."""
    import arviz as az

    a = posterior.attrs
    post = posterior["posterior"].to_dataset()[["pi1", "mu", "sigma"]]
    common = {"n_divergent": int(a.get("n_divergent", 0)), "chains": int(post.sizes["chain"]),
              "draws": int(post.sizes["draw"]), "tune": int(a.get("tune", 0))}
    if ordered:
        rhat = az.rhat(post)
        ess = az.ess(post, method="bulk")
        return ChainCheck(ORDERED, PER_PARAMETER, float(max(rhat[v].max() for v in rhat.data_vars)),
                          float(min(ess[v].min() for v in ess.data_vars)), **common)
    from ..labels.diagnose import diagnose_labels

    d = diagnose_labels(posterior, data=data)
    return ChainCheck(RAW, INVARIANT if "loglik" in d.rhat_invariant else INVARIANT_NO_LOGLIK,
                      max(d.rhat_invariant.values()), invariant_ess(posterior), **common)
