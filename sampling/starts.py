"""Where each chain starts.

``init`` (one of :data:`sampling.options.INITS`; docs/methods.md §7.2):

- ``"prior"`` (the default): chain ``c`` starts at an independent draw from the prior (chain by
  chain from one stream seeded by ``seed`` and :data:`PRIOR_STREAM`; sorted ``mu`` for the ordered
  model). The prior is much wider than the posterior, so the starts are over-dispersed in the sense
  of Gelman & Rubin (1992), and by the symmetry of the prior each start is in either labelling with
  probability 1/2, independently: the starts do not decide the label-switching verdict, and the
  report says which labelling each chain began and ended in. Needs proper priors.
- ``"dispersed"``: a teaching device. For the **unordered** model, chains 0, 2, 4, ... start at
  ``start`` and chains 1, 3, 5, ... at its label swap ``start.swapped()``, so the tool itself places
  chains in both labellings (label switching between chains is then shown every time, and the
  report says the tool put it there). The **ordered** model does not allow the swapped labelling
  (``mu1 < mu2``), so all its chains start at ``start.ordered()``.
- ``"em"``: every chain starts at the given estimate (normally EM's; ``start``).

``start=None`` falls back to :func:`crude_start` (a median split); this package does not import the
EM, so callers pass the EM estimate.

Start points are exact (no jitter): PyMC's default U(-1, 1) jitter on the unconstrained scale is not
scale-free and could move a chain of ``"dispersed"`` into the other labelling for data on a scale
of about 1.
"""

from __future__ import annotations

import numpy as np

from ..models.params import MixtureParams
from ..models.priors import Priors

#: Stream tag of the prior start points, so they do not depend on the sampler's use of the seed.
PRIOR_STREAM = 0x5EED


def crude_start(x) -> MixtureParams:
    """A start point from a median split: ``pi1 = 1/2``, the two halves' means, pooled within-half sd.

    Only a fallback when no EM estimate is given; NUTS warm-up moves away from it quickly.
    """
    x = np.sort(np.asarray(x, dtype=float))
    lo, hi = x[: x.size // 2], x[x.size // 2:]
    sd = np.sqrt((np.sum((lo - lo.mean()) ** 2) + np.sum((hi - hi.mean()) ** 2)) / x.size)
    return MixtureParams(0.5, float(lo.mean()), float(hi.mean()), float(max(sd, 1e-3 * np.std(x))))


def point(p: MixtureParams) -> dict[str, np.ndarray]:
    """``MixtureParams`` -> PyMC initial values (untransformed, keyed by variable name)."""
    return {"pi1": np.float64(p.pi1), "mu": np.array([p.mu1, p.mu2]), "sigma": np.float64(p.sigma)}


def chain_starts(*, chains: int, init: str, ordered: bool, start: MixtureParams, priors: Priors,
                 seed: int) -> list[dict[str, np.ndarray]]:
    """One start point per chain (see the module note for the rules); ``seed`` seeds the prior draws."""
    if init == "em" or (init == "dispersed" and ordered):  # the ordered model has one labelling
        return [point(start.ordered() if ordered else start) for _ in range(chains)]
    if init == "dispersed":
        return [point(start if c % 2 == 0 else start.swapped()) for c in range(chains)]
    rng = np.random.default_rng([int(seed), PRIOR_STREAM])
    return [priors.draw(rng, ordered=ordered) for _ in range(chains)]
