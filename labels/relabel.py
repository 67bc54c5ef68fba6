"""Undo label switching: relabelling methods behind one call, and how often they agree.

``relabel(posterior, method, em_result=..., data=...)`` returns a :class:`Relabelled`: the
posterior with the same DataTree layout, labels swapped draw by draw, and the ``(chain, draw)``
choice made. Each method is a published algorithm (docs/methods.md §4; review: Jasra, Holmes &
Stephens 2005, Stat. Sci. 20:50-67); :data:`METHOD_INFO` says what each does and when it can
differ from sorting. With K = 2 and a shared sigma every sane rule agrees with sorting on draws far
from ``mu1 = mu2``, so agreement between methods is evidence only about the draws near that boundary
(:func:`agreement`, docs/methods.md §4.8).

Every method reports labels in EM's convention (component 1 = the smaller mu: Stephens and ECR
flip all labels at once if their solution has it the other way), so relabelled summaries line up
with the EM table.

Every method decides in the standardised coordinates of the data (:mod:`labels.inputs`): its labels
are the same for data ``x`` and ``a x + b`` (``a > 0``) at any scale float64 holds. The labels are
then applied to the draws as sampled, in the data's units.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from ..models.draws import Relabelled, draws_of, order_perm
from ..models.errors import EmvbError, SettingError
from .ecr import ecr_perm
from .foreign import EMVB_NAMES, layout, relabel_layout, swap_perm
from .inputs import LabelInputs, label_coordinates, prepare, recorded_attrs
from .kdraws import agreement_k
from .methods import METHOD_INFO, METHODS
from .nearest_mode import nearest_mode_perm, standardized_mode
from .pra import pivot_draw, pra_perm
from .stephens import stephens_perm

NEEDS_DATA = ("stephens", "pra", "ecr")
NEEDS_EM = ("nearest_mode",)


def recorded_priors(posterior):
    """The :class:`~models.priors.Priors` a posterior records in its ``priors`` attribute, or None."""
    from ..models.priors import Priors

    text = recorded_attrs(posterior).get("priors")
    try:
        return Priors.from_dict(json.loads(text)) if text else None
    except (ValueError, TypeError, EmvbError):
        return None


def align_to_em(draws, perm) -> tuple[np.ndarray, bool]:
    """Flip all labels at once if, after relabelling, the posterior mean of mu1 exceeds that of mu2.

    Stephens' and ECR's objectives are invariant under a global swap, so their solution's overall
    labelling is arbitrary; this fixes it to EM's convention (component 1 = the smaller mu) without
    changing which draws share a labelling.
    """
    relabelled = draws.swapped_where(perm)
    flip = bool(np.mean(relabelled.mu1) > np.mean(relabelled.mu2))
    return (~perm if flip else perm), flip


def _pra(posterior, scaling, draws, inputs: LabelInputs):
    """PRA in the standardised coordinates: the pivot by log-likelihood plus log prior there (both differ
    from the data's by constants, so the same draw), reported in the data's units."""
    priors = recorded_priors(posterior)
    ll = inputs.loglik
    if priors is not None:
        ll = ll + scaling.priors_to_std(priors).logpdf(draws.pi1, draws.mu1, draws.mu2, draws.sigma)
    (c, d), pivot = pivot_draw(draws, ll)
    by = "log-likelihood (no priors recorded: flat prior)" if priors is None else "log-likelihood + log prior"
    info = {"pivot": draws_of(posterior).point(c, d).ordered().to_dict(), "pivot_position": (c, d), "pivot_by": by}
    return pra_perm(draws, pivot), info


def relabel(posterior, method: str, *, em_result=None, data=None, inputs: LabelInputs | None = None,
            bins: int | None = None, stephens_init: str = "identity", tol: float = 1e-6) -> Relabelled:
    """Relabel every draw of ``posterior`` with one of :data:`METHODS`.

    Parameters
    ----------
    posterior : DataTree (from ``sampling.sample.sample`` or ``az.from_dict``) with pi1, mu, sigma
    method : "order", "stephens", "pra", "ecr" or "nearest_mode"
    em_result : the EM fit (``params``, ``cov_std``, ``scaling``, ``sha256``); needed by nearest_mode, and its
        standardisation is the coordinates every method decides in
    data : the observed data (array or :class:`models.Dataset`); taken from the tree's
        ``observed_data`` when omitted. Needed by stephens, pra and ecr.
    inputs : :func:`labels.inputs.prepare` of this posterior, when already computed (else computed
        here from ``data`` for the methods that need the data)
    bins : number of bins of :func:`labels.binned.bin_data` (default: ``default_bins(N)``; exact when
        the data have at most this many points)
    stephens_init : "identity" (the sampler's labels) or "order" as Stephens' starting labels
    tol : relative convergence tolerance of Stephens and ECR

    Returns
    -------
    Relabelled
    """
    if method not in METHODS:
        raise SettingError(f"unknown relabelling method {method!r}; choose from {', '.join(METHODS)}")
    if stephens_init not in ("identity", "order"):
        raise SettingError(f"stephens_init must be 'identity' or 'order', got {stephens_init!r}")
    if method in NEEDS_DATA and inputs is None:
        inputs = prepare(posterior, data=data, em_result=em_result, bins=bins)
        if inputs is None:
            raise EmvbError(f"relabelling method {method!r} needs the observed data")
    if method in NEEDS_EM and em_result is None:
        raise EmvbError(f"relabelling method {method!r} needs the EM fit")
    scaling, draws = label_coordinates(posterior, em_result, inputs)
    info: dict = {}
    if method == "order":
        perm = order_perm(draws)
    elif method == "nearest_mode":
        perm = nearest_mode_perm(draws, *standardized_mode(em_result, scaling))
    elif method == "pra":
        perm, info = _pra(posterior, scaling, draws, inputs)
    elif method == "stephens":
        init = order_perm(draws) if stephens_init == "order" else None
        perm, info = stephens_perm(inputs.binned, draws, init_perm=init, tol=tol, held=inputs.held,
                                   sums=None if init is not None else inputs.sums)
        perm, info["global_flip"] = align_to_em(draws, perm)
    else:
        perm, info = ecr_perm(inputs.binned, draws, tol=tol, sums=inputs.sums, held=inputs.held)
        perm, info["global_flip"] = align_to_em(draws, perm)
    if method in NEEDS_DATA:
        info["bin_width"] = inputs.bin_width
    tree = xr.DataTree(dataset=posterior) if isinstance(posterior, xr.Dataset) else posterior
    tree = relabel_layout(tree, layout(tree, EMVB_NAMES), swap_perm(perm), method)
    n_draws = draws.shape[1]
    return Relabelled(posterior=tree, perm=np.asarray(perm, bool), method=method, draw_index=np.arange(n_draws),
                      info=info)


def agreement(relabelled: dict[str, Relabelled]) -> pd.DataFrame:
    """Share of draws on which each pair of methods chose the same labels (square, symmetric;
    :func:`labels.kdraws.agreement_k` of the swaps).

    Draws are matched by (chain, draw position). Since every method reports labels in EM's
    labelling, 1 means identical relabelled posteriors. What agreement means depends on how many
    draws lie near ``mu1 = mu2`` (docs/methods.md §4.8): far from it every rule agrees.
    """
    perms = {m: np.asarray(r.perm)[..., None] for m, r in relabelled.items()}
    if len({p.shape for p in perms.values()}) > 1:
        raise EmvbError(f"relabellings {', '.join(map(repr, perms))} are of different posteriors")
    out = pd.DataFrame(agreement_k(perms), index=list(perms), columns=list(perms))
    out.index.name = "method"
    return out


def disagreement(relabelled: dict[str, Relabelled]) -> np.ndarray:
    """``(chain, draw)`` bool: draws on which at least two methods chose different labels."""
    perms = np.stack([r.perm for r in relabelled.values()])
    return perms.any(axis=0) & ~perms.all(axis=0)


def relabel_all(posterior, *, em_result=None, data=None, methods=METHODS, inputs: LabelInputs | None = None,
                bins: int | None = None, **kwargs) -> dict[str, Relabelled]:
    """:func:`relabel` with each of ``methods`` that the inputs allow (methods needing data only with
    data, nearest_mode only with an EM fit); the data-dependent inputs (bins, log-likelihoods,
    responsibilities) are computed once for all of them, or taken from ``inputs``
    (:func:`labels.inputs.prepare`, e.g. shared with the diagnosis)."""
    if inputs is None:
        inputs = prepare(posterior, data=data, em_result=em_result, bins=bins)
    chosen = [m for m in methods if (inputs is not None or m not in NEEDS_DATA) and (em_result is not None
                                                                                       or m not in NEEDS_EM)]
    return {m: relabel(posterior, m, em_result=em_result, inputs=inputs, **kwargs) for m in chosen}


__all__ = ["METHODS", "METHOD_INFO", "Relabelled", "agreement", "disagreement", "relabel", "relabel_all"]
