"""ECR relabelling (equivalence classes representatives), in blocks of draws.

Papastamoulis, P. & Iliopoulos, G. (2010) "An artificial allocations based solution to the label
switching problem in Bayesian analysis of mixtures of distributions", JCGS 19:313-331; R package
label.switching (Papastamoulis 2016, JSS 69(c01)), function ``ecr``.

The sampler integrates the allocations out, so they are drawn afterwards from the marginalised
posterior: ``z^(t)_i = 1`` with probability ``r1(x_i; theta_t)``. The pivot allocation is the EM
estimate's most probable labels, ``z*_i = 1`` if ``r1(x_i; theta_hat) > 1/2``. Per draw, the
permutation with the fewest mismatches against the pivot is chosen; for K = 2

    mismatches(identity) = #{i : z_i != z*_i},     mismatches(swap) = N - mismatches(identity)

so a draw is swapped exactly when more than half of its allocations disagree with the pivot
(ties keep the sampler's labels). Uniforms are drawn block by block from one generator in
chain-major order, so the result does not depend on the block size.
"""

from __future__ import annotations

import numpy as np

from ..models.density import responsibilities
from ..models.params import MixtureParams
from .draws import DEFAULT_BLOCK_BYTES, Draws, block_rows, iter_blocks


def ecr_perm(x, draws: Draws, pivot: MixtureParams, *, seed: int = 0,
             block_bytes: int = DEFAULT_BLOCK_BYTES) -> tuple[np.ndarray, dict]:
    """ECR labels for K = 2.

    Parameters
    ----------
    x : data (N,)
    draws : the posterior draws
    pivot : parameters whose most probable allocations are the pivot (the EM estimate)
    seed : seed of the allocation draws
    block_bytes : memory budget for one ``draws x points`` block

    Returns
    -------
    perm : (chain, draw) bool, True where the draw's labels are swapped
    info : ``mismatch_share`` (chain, draw): share of allocations disagreeing with the pivot after
        relabelling (0 = perfectly separated, near 1/2 = the draw carries no label information),
        ``block_rows``, ``seed``
    """
    x = np.asarray(x, dtype=float)
    z_star = responsibilities(x, pivot) > 0.5
    total = int(np.prod(draws.shape))
    rng = np.random.default_rng(seed)
    mismatches = np.empty(total, dtype=np.int64)
    rows = block_rows(x.size, block_bytes)
    for start, stop in iter_blocks(total, rows):
        r1 = responsibilities(x, draws.flat_block(start, stop))
        z = rng.random(r1.shape) < r1
        mismatches[start:stop] = np.count_nonzero(z != z_star, axis=1)
    perm = 2 * mismatches > x.size
    best = np.where(perm, x.size - mismatches, mismatches) / x.size
    info = {"mismatch_share": best.reshape(draws.shape), "block_rows": rows, "seed": seed}
    return perm.reshape(draws.shape), info
