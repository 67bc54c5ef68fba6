"""Relabelling passes over the binned data: the loop shared by Stephens' algorithm and ECR.

A pass takes per-bin weights ``lam`` and swaps draw ``t`` where ``A_t = sum_g n_g (r1 - r2) lam_g < 0``
(docs/methods.md §4.3, §4.7), then sums the relabelled responsibilities per bin for the next
weights. The responsibilities ``r1, r2`` of every draw at every bin do not change between passes,
so when ``draws x bins`` is small (:data:`HELD_CELLS`) they are computed once
(:func:`hold_responsibilities`) and each pass is two matrix-vector products; otherwise each pass
recomputes them in one compiled loop (:mod:`labels.binned`). Both give the same labels (to
rounding of the sums).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.draws import Draws
from .binned import BinnedData, _fill_compiled, _flat, _pass_compiled, _sums_compiled

#: Largest ``draws x bins`` whose responsibilities are held (three float64 arrays of this size).
HELD_CELLS = 2**21


@dataclass(frozen=True)
class Held:
    """Every draw's responsibilities at every bin, ``(draws, bins)``, and ``d = r1 - r2``."""

    r1: np.ndarray
    r2: np.ndarray
    d: np.ndarray
    neg_entropy: float


def hold_responsibilities(binned: BinnedData, draws: Draws) -> tuple[Held | None, np.ndarray | None]:
    """``(Held, loglik (chain, draw))`` from one compiled pass, or ``(None, None)`` when there are more than
    :data:`HELD_CELLS` responsibilities (the passes then recompute them)."""
    pi1, mu1, mu2, sigma = _flat(draws)
    if pi1.size * binned.n_bins > HELD_CELLS:
        return None, None
    r1 = np.empty((pi1.size, binned.n_bins))
    r2 = np.empty_like(r1)
    loglik = np.empty(pi1.size)
    neg = _fill_compiled(binned.means, binned.counts, binned.var_sums, pi1, mu1, mu2, sigma, r1, r2, loglik, True)
    return Held(r1, r2, r1 - r2, float(neg)), loglik.reshape(draws.shape)


def _relabelled_sums(held: Held, perm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = (~perm).astype(float)
    flip = perm.astype(float)
    return held.r1.T @ keep + held.r2.T @ flip, held.r2.T @ keep + held.r1.T @ flip


def label_sums(binned: BinnedData, draws: Draws, perm, held: Held | None = None):
    """Per-bin sums over draws of the responsibilities under labels ``perm`` and the label-free
    ``sum_t sum_i sum_k r log r`` (the constant part of Stephens' objective)."""
    perm = np.ascontiguousarray(np.asarray(perm, bool).reshape(-1))
    if held is not None:
        return *_relabelled_sums(held, perm), held.neg_entropy
    pi1, mu1, mu2, sigma = _flat(draws)
    s1 = np.zeros(binned.n_bins)
    s2 = np.zeros(binned.n_bins)
    neg = _sums_compiled(binned.means, binned.counts, pi1, mu1, mu2, sigma, perm, s1, s2)
    return s1, s2, float(neg)


def relabel_pass(binned: BinnedData, draws: Draws, lam, log_q2=None, held: Held | None = None):
    """One pass (module note). Returns ``(perm (flat), s1, s2, cross, margin)``: the new labels, the
    per-bin sums of the relabelled responsibilities, Stephens' cross term
    ``sum_t sum_g n_g (p1 lam_g + (p1 + p2) log_q2_g)`` and ``|A_t|`` per draw."""
    g = binned.n_bins
    lam = np.ascontiguousarray(lam, dtype=float)
    log_q2 = np.zeros(g) if log_q2 is None else np.ascontiguousarray(log_q2, dtype=float)
    if held is not None:
        a = held.d @ (binned.counts * lam)
        perm = a < 0.0
        s1, s2 = _relabelled_sums(held, perm)
        cross = float((binned.counts * lam) @ s1 + (binned.counts * log_q2) @ (s1 + s2))
        return perm, s1, s2, cross, np.abs(a)
    pi1, mu1, mu2, sigma = _flat(draws)
    perm = np.empty(pi1.size, dtype=np.bool_)
    margin = np.empty(pi1.size)
    s1, s2 = np.zeros(g), np.zeros(g)
    cross = _pass_compiled(binned.means, binned.counts, pi1, mu1, mu2, sigma, lam, log_q2, perm, s1, s2, margin)
    return perm, s1, s2, float(cross), margin


def iterate_passes(binned: BinnedData, draws: Draws, perm, sums, weights, objective, *, tol: float,
                   max_iter: int, held: Held | None = None) -> tuple[np.ndarray, dict]:
    """Alternate per-bin weights and relabelling passes until the labels are a fixed point.

    ``weights(s1, s2) -> (lam, log_q2 or None)`` turns the current per-bin sums into the pass's
    weights; ``objective(cross, margin) -> float`` scores the labels a pass chose. Stops when no label
    changes or the objective changes by at most ``tol * max(1, |objective|)``.

    Returns ``(perm (flat), info)`` with ``iterations``, ``converged``, ``trace`` (the objective after
    each pass) and ``margin`` (``|A_t|`` of the last pass).
    """
    perm = np.asarray(perm, bool).reshape(-1).copy()
    s1, s2 = sums[0], sums[1]
    trace: list[float] = []
    converged = False
    margin = np.zeros(perm.size)
    while len(trace) < max_iter:
        lam, log_q2 = weights(s1, s2)
        new_perm, s1, s2, cross, margin = relabel_pass(binned, draws, lam, log_q2, held)
        value = float(objective(cross, margin))
        changed = int(np.count_nonzero(new_perm != perm))
        perm = new_perm
        converged = bool(trace) and (changed == 0 or abs(trace[-1] - value) <= tol * max(1.0, abs(value)))
        trace.append(value)
        if converged:
            break
    return perm, {"iterations": len(trace), "converged": converged, "trace": trace, "margin": margin}
