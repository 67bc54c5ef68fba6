"""Undo label switching: five relabelling methods behind one call, and how often they agree.

``relabel(posterior, method, em_result=..., data=...)`` returns a :class:`Relabelled`: the
posterior with the same DataTree layout, labels swapped draw by draw, and the ``(chain, draw)``
choice made. Methods (docs/methods.md §4; Jasra, Holmes & Stephens 2005, Stat. Sci. 20:50-67):

``order``     sort each draw by mu (post hoc identifiability constraint)
``pivot``     nearer labelling of the EM estimate, distance scaled by the EM covariance (PRA)
``stephens``  Stephens' (2000) KL algorithm on the classification probabilities (needs data)
``ecr``       ECR with allocations drawn from the responsibilities, EM's labels as pivot (needs data)
``em``        the EM optimum each draw leads to (Yao & Lindsay 2009), on a thinned set (needs data)

Every method reports labels in the EM estimate's labelling (component 1 = the smaller mu), so
relabelled summaries line up with the EM table.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..models.data import checked_values, recorded_sha256, require_same_data
from ..models.errors import EmvbError, SettingError
from .draws import DEFAULT_BLOCK_BYTES, Relabelled, draws_of, posterior_dataset, relabelled_tree
from .ecr import ecr_perm
from .em_mode import em_perm
from .pivot import order_perm, pivot_perm
from .stephens import stephens_perm

METHODS = ("order", "pivot", "stephens", "ecr", "em")
NEEDS_DATA = ("stephens", "ecr", "em")


def data_values(data, posterior=None, em_result=None) -> np.ndarray | None:
    """The observed data as float64: from ``data`` (array or Dataset) or the tree's ``observed_data``.

    Refuses data whose sha256 differs from the one the EM fit recorded (one-line DataError).
    """
    if data is None and posterior is not None and hasattr(posterior, "children") \
            and "observed_data" in posterior.children:
        obs = posterior["observed_data"].to_dataset()
        if len(obs.data_vars) == 1:
            data = next(iter(obs.data_vars.values())).values
    if data is None:
        return None
    values, sha = checked_values(data)
    require_same_data(recorded_sha256(em_result), sha, "the data", require=False)
    return values


def align_to_em(draws, perm) -> tuple[np.ndarray, bool]:
    """Flip all labels at once if, after relabelling, the posterior mean of mu1 exceeds that of mu2.

    Stephens' objective is invariant under a global swap, so its solution's overall labelling is
    arbitrary; this fixes it to EM's convention (component 1 = the smaller mu) without changing
    which draws share a labelling. The means, not a distance to the EM estimate, decide: when the
    components overlap the EM covariance is nearly singular and such a distance is dominated by one
    poorly determined direction.
    """
    relabelled = draws.swapped_where(perm)
    flip = bool(np.mean(relabelled.mu1) > np.mean(relabelled.mu2))
    return (~perm if flip else perm), flip


def relabel(posterior, method: str, *, em_result, data=None, seed: int = 0,
            block_bytes: int = DEFAULT_BLOCK_BYTES, stephens_init: str = "identity",
            max_fits: int = 1000, tol: float = 1e-6) -> Relabelled:
    """Relabel every draw of ``posterior`` with one of :data:`METHODS`.

    Parameters
    ----------
    posterior : DataTree (from ``sampling.sample.sample`` or ``az.from_dict``) with pi1, mu, sigma
    method : "order", "pivot", "stephens", "ecr" or "em"
    em_result : the EM fit (``params``, ``cov``, ``loglik``, ``sha256``)
    data : the observed data (array or :class:`models.Dataset`); taken from the tree's
        ``observed_data`` when omitted. Needed for stephens, ecr and em.
    seed : seed of ECR's allocation draws
    block_bytes : memory budget of one ``draws x points`` block (stephens, ecr)
    stephens_init : "identity" (the sampler's labels) or "order" as Stephens' starting labels
    max_fits : EM runs for method "em" (draws thinned evenly within chains)
    tol : Stephens' relative convergence tolerance on the KL objective

    Returns
    -------
    Relabelled
    """
    if method not in METHODS:
        raise SettingError(f"unknown relabelling method {method!r}; choose from {', '.join(METHODS)}")
    draws = draws_of(posterior)
    x = data_values(data, posterior, em_result)
    if method in NEEDS_DATA and x is None:
        raise EmvbError(f"relabelling method {method!r} needs the observed data")
    n_chains, n_draws = draws.shape
    index = np.arange(n_draws)
    info: dict = {}
    if method == "order":
        perm = order_perm(draws)
    elif method == "pivot":
        perm = pivot_perm(draws, em_result.params, em_result.cov)
    elif method == "stephens":
        if stephens_init not in ("identity", "order"):
            raise SettingError(f"stephens_init must be 'identity' or 'order', got {stephens_init!r}")
        init = order_perm(draws) if stephens_init == "order" else None
        perm, info = stephens_perm(x, draws, init_perm=init, tol=tol, block_bytes=block_bytes)
        perm, info["global_flip"] = align_to_em(draws, perm)
    elif method == "ecr":
        perm, info = ecr_perm(x, draws, em_result.params, seed=seed, block_bytes=block_bytes)
    else:
        perm, info = em_perm(x, draws, em_result, max_fits=max_fits)
        index = info["draw_index"]
    tree = relabelled_tree(posterior, perm, method, draw_index=None if index.size == n_draws else index)
    return Relabelled(posterior=tree, perm=np.asarray(perm, bool), method=method, draw_index=index, info=info)


def agreement(relabelled: dict[str, Relabelled]) -> pd.DataFrame:
    """Share of draws on which each pair of methods chose the same labels (square, symmetric).

    Draws are matched by (chain, draw position); a thinned method is compared on its own draws.
    Since every method reports labels in EM's labelling, 1 means identical relabelled posteriors.
    """
    names = list(relabelled)
    out = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for a, b in itertools.combinations(names, 2):
        ra, rb = relabelled[a], relabelled[b]
        common, ia, ib = np.intersect1d(ra.draw_index, rb.draw_index, return_indices=True)
        if ra.perm.shape[0] != rb.perm.shape[0] or common.size == 0:
            raise EmvbError(f"relabellings {a!r} and {b!r} are of different posteriors")
        share = float(np.mean(ra.perm[:, ia] == rb.perm[:, ib]))
        out.loc[a, b] = out.loc[b, a] = share
    out.index.name = "method"
    return out


def relabel_all(posterior, *, em_result, data=None, methods=METHODS, **kwargs) -> dict[str, Relabelled]:
    """:func:`relabel` with each of ``methods`` (data-free methods only when no data is available)."""
    x = data_values(data, posterior, em_result)
    chosen = [m for m in methods if x is not None or m not in NEEDS_DATA]
    return {m: relabel(posterior, m, em_result=em_result, data=x, **kwargs) for m in chosen}


__all__ = ["METHODS", "Relabelled", "agreement", "posterior_dataset", "relabel", "relabel_all"]
