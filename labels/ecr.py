"""ECR relabelling (equivalence classes representatives), deterministic given the draws (docs/methods.md §4.7).

Papastamoulis, P. & Iliopoulos, G. (2010) "An artificial allocations based solution to the label
switching problem in Bayesian analysis of mixtures of distributions", JCGS 19:313-331; R package
label.switching (Papastamoulis 2016, JSS 69(c01)), function ``ecr.iterative.2``.

ECR labels each draw by the permutation whose allocations disagree least with a pivot allocation
``z*``. ``ecr.iterative.2`` takes the pivot from the allocation probabilities: ``z*_i = argmax_k
q_ik`` with ``q`` the mean of the relabelled probabilities (as in Stephens' algorithm), relabels,
recomputes ``q`` and repeats until the total cost stops changing (start: the sampler's labels).
Its cost is the number of mismatches of *simulated* allocations ``z^(t)``; the sampler here
integrates the allocations out, and simulating them afterwards made the labels depend on a seed.
So the cost used is its expectation under the allocation probabilities ``r^(t)``, which needs no
simulation::

    E[#mismatches(identity)] = sum_i P(z_i != z*_i) = (N - A_t) / 2,   A_t = sum_i s_i (r1_i - r2_i)

with ``s_i = +1`` where ``z*_i = 1``, ``-1`` where ``z*_i = 2`` (0 on a tie). The swap costs
``(N + A_t) / 2``, so a draw is swapped exactly when ``A_t < 0``: Stephens' rule with ``logit(q_i1)``
replaced by its sign. Sums run over the bins of :mod:`labels.binned` (exact when every point is
its own bin).

Differs from sorting only on draws whose expected allocations agree better with the swapped
pivot although their means are in order: near ``mu1 = mu2``, where ``pi1`` decides the allocations.
"""

from __future__ import annotations

import numpy as np

from ..models.draws import Draws
from .binned import BinnedData
from .passes import Held, iterate_passes, label_sums


def ecr_perm(binned: BinnedData, draws: Draws, *, tol: float = 1e-6, max_iter: int = 100,
             sums=None, held: Held | None = None) -> tuple[np.ndarray, dict]:
    """ECR (iterative version 2, expected mismatches) for K = 2.

    Parameters
    ----------
    binned : the data, :func:`labels.binned.bin_data`
    draws : the posterior draws
    tol : stop when no label changes or the total expected cost changes by at most ``tol * max(1, cost)``
    max_iter : at most this many relabelling passes
    sums : :func:`labels.passes.label_sums` under the sampler's labels, when already computed
    held : the responsibilities held in memory (:func:`labels.passes.hold_responsibilities`), if any

    Returns
    -------
    perm : (chain, draw) bool, True where the draw's labels are swapped
    info : ``iterations``, ``converged``, ``cost_trace`` (total expected mismatches over all draws),
        ``mismatch_share`` (chain, draw): expected share of a draw's allocations disagreeing with the
        pivot after relabelling (0 = perfectly separated, 1/2 = the draw carries no label information)
    """
    total = int(np.prod(draws.shape))
    perm = np.zeros(total, bool)
    sums = label_sums(binned, draws, perm, held) if sums is None else sums

    def weights(s1, s2):
        return np.sign(s1 - s2), None  # z* = argmax_k q_ik, per bin

    perm, it = iterate_passes(binned, draws, perm, sums, weights,
                              lambda cross, margin: 0.5 * (total * binned.n - margin.sum()), tol=tol, max_iter=max_iter,
                              held=held)
    share = 0.5 * (binned.n - it["margin"]) / binned.n
    info = {"iterations": it["iterations"], "converged": it["converged"], "cost_trace": it["trace"],
            "mismatch_share": share.reshape(draws.shape)}
    return perm.reshape(draws.shape), info
