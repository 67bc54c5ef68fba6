"""The component means ``mu`` of the PyMC model, sampled through the weighted centre and the gap.

Why: on overlapping components the posterior of the plain parametrisations is a curved, multi-scale
ridge. PyMC's ``ordered`` transform samples ``(mu1, log(mu2 - mu1))``: when the weight of component 1
is small its mean is barely determined and moves with the gap, when the weight is large the same
holds for ``mu2``, and NUTS's single step size cannot follow both (docs/methods.md §7.4 has the
measurements). The mixture's mean ``m = pi1 mu1 + (1 - pi1) mu2`` is determined by the data in every
one of those corners (it is the data mean, to ``sd / sqrt(n)``), so the sampler moves in::

    m = pi1 mu1 + (1 - pi1) mu2,   g = log(mu2 - mu1)   (ordered)   or   g = mu2 - mu1   (unordered)
    mu1 = m - (1 - pi1) d,   mu2 = m + pi1 d,   d = exp(g) (ordered) or g (unordered)

For fixed ``pi1`` the map ``(m, d) -> (mu1, mu2)`` has determinant ``pi1 + (1 - pi1) = 1``, and
``pi1`` itself is not transformed, so the Jacobian of ``(pi1, m, g) -> (pi1, mu1, mu2)`` is
``exp(g) = mu2 - mu1`` for the ordered model and 1 for the unordered one. PyMC adds its logarithm
to the log density (``log_jac_det``), so the target -- the posterior of ``(pi1, mu1, mu2, sigma)``
-- is exactly the one of the plain parametrisations (tested point by point).

The transform depends on ``pi1``, so ``pi1`` is a parameter of ``mu``'s distribution: ``mu`` is a
``pm.CustomDist`` whose density is the ``Normal(mean, sd)`` (or flat) prior of each mean and ignores
``pi1``; its draws are those of ``pm.Normal``. PyMC hands a transform the inputs of its variable, so
the transform reads ``pi1`` there (:data:`PI1_INPUT`).
"""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt
from pymc.logprob.transforms import Transform

#: Position of ``pi1`` among the inputs of ``mu``'s CustomDist node (size, pi1, mean, sd, rng).
PI1_INPUT = 1


class CentreGapTransform(Transform):
    """``(mu1, mu2) <-> (m, g)`` given ``pi1`` (module note); ``log_gap`` selects ``g = log(mu2 - mu1)``."""

    name = "centre_gap"

    def __init__(self, log_gap: bool):
        self.log_gap = bool(log_gap)

    def forward(self, value, *inputs):
        w = inputs[PI1_INPUT]
        m = w * value[..., 0] + (1.0 - w) * value[..., 1]
        d = value[..., 1] - value[..., 0]
        return pt.stack([m, pt.log(d) if self.log_gap else d], axis=-1)

    def backward(self, value, *inputs):
        w = inputs[PI1_INPUT]
        d = pt.exp(value[..., 1]) if self.log_gap else value[..., 1]
        return pt.stack([value[..., 0] - (1.0 - w) * d, value[..., 0] + w * d], axis=-1)

    def log_jac_det(self, value, *inputs):
        # |d(mu1, mu2)/d(m, g)| = exp(g) for the log gap, 1 for the gap itself (module note).
        return value[..., 1] if self.log_gap else pt.zeros_like(value[..., 1])


def _normal_draws(pi1, mean, sd, size):
    return pm.Normal.dist(mean, sd, size=size)


def _normal_logp(value, pi1, mean, sd):
    return pm.logp(pm.Normal.dist(mean, sd), value)


def _flat_draws(pi1, size):
    return pm.Flat.dist(size=size)


def _flat_logp(value, pi1):
    return pt.zeros_like(value)


def component_means(name: str, pi1, mean=None, sd=None, *, ordered: bool, **kwargs):
    """``mu`` (two means) with the iid ``Normal(mean, sd)`` prior (flat when ``sd`` is None), sampled as
    ``(m, g)`` (module note); ``ordered`` restricts it to ``mu1 < mu2`` (``g = log(mu2 - mu1)``).
    ``kwargs`` go to ``pm.CustomDist`` (``dims``)."""
    transform = CentreGapTransform(log_gap=ordered)
    if sd is None:
        return pm.CustomDist(name, pi1, dist=_flat_draws, logp=_flat_logp, transform=transform, **kwargs)
    return pm.CustomDist(name, pi1, mean, sd, dist=_normal_draws, logp=_normal_logp, transform=transform,
                         **kwargs)
