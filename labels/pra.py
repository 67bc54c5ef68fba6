"""Pivotal reordering (PRA) as published: the pivot is the highest-posterior draw (docs/methods.md §4.6).

Marin, J.-M., Mengersen, K. & Robert, C. P. (2005) "Bayesian modelling and inference on mixtures
of distributions", Handbook of Statistics 25:459-507; R package label.switching, function ``pra``.
The pivot ``theta*`` is the draw with the largest posterior density (log-likelihood plus log prior),
and each draw gets the permutation that maximises the canonical scalar product with the pivot,
``<tau(theta_t), theta*>`` over the component parameters ``(w_k, mu_k)`` (equivalently, minimises
the Euclidean distance, since permuting does not change a draw's norm). With K = 2 and a shared
sigma (sigma is the same under both labels and cancels)::

    keep  iff  (w1 - w2)(w1* - w2*) + (mu1 - mu2)(mu1* - mu2*) >= 0       (w1 = pi1, w2 = 1 - pi1)

The product adds weights to means, so it depends on the units of the means: the published algorithm
takes them as recorded, which would label the draws of ``x`` and of ``1000 x`` differently. emvb
takes the means in the standardised units of the data (:mod:`models.scaling`: median 0, interquartile
range 1), as every label computation here, so the rule is the same for ``x`` and ``a x + b``.

Ties keep the sampler's labels (``pra`` swaps only on a strictly larger product). The pivot is
reported in EM's convention (``mu1* <= mu2*``, its mirror image if needed), so the relabelled draws
line up with the EM table. Differs from sorting only on draws with
``|mu2 - mu1| |mu2* - mu1*| < |(2 pi1 - 1)(2 pi1* - 1)|`` (means standardised): means closer, in
interquartile ranges of the data, than the weights.
"""

from __future__ import annotations

import numpy as np

from ..models.draws import Draws
from ..models.params import MixtureParams


def pivot_position(log_post: np.ndarray) -> tuple[int, int]:
    """``(chain, draw)`` of the highest ``log_post`` (log-likelihood, plus the log prior when there is one;
    K components too, :mod:`labels.kmethods`)."""
    lp = np.where(np.isfinite(log_post), log_post, -np.inf)
    c, d = np.unravel_index(int(np.argmax(lp)), lp.shape)
    return int(c), int(d)


def pivot_draw(draws: Draws, log_post: np.ndarray) -> tuple[tuple[int, int], MixtureParams]:
    """Position ``(chain, draw)`` of the highest ``log_post`` and that draw, with ``mu1 <= mu2``."""
    c, d = pivot_position(log_post)
    return (c, d), draws.point(c, d).ordered()


def pra_perm(draws: Draws, pivot: MixtureParams) -> np.ndarray:
    """``(chain, draw)`` bool: True where the swap has the larger scalar product with ``pivot``."""
    w_diff = 2.0 * draws.pi1 - 1.0
    score = w_diff * (2.0 * pivot.pi1 - 1.0) + (draws.mu1 - draws.mu2) * (pivot.mu1 - pivot.mu2)
    return score < 0.0
