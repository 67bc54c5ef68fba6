"""The four PNG figures of the teaching report, one per mistake, faulty in red beside correct in blue.

Each ``fig_*`` function takes the :class:`teaching.pitfalls.Pitfalls` record and a path, draws from the
numbers in the record (nothing here fits or samples) and writes one PNG. The style is set with
:func:`matplotlib.rc_context` around each figure, so no matplotlib setting leaks into the process.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from ..models.density import pdf

FIGURES = {
    "density_values": "pitfall1_density_values.png",
    "randn_labels": "pitfall2_randn_labels.png",
    "one_component_sigma": "pitfall3_one_component_sigma.png",
    "precedence": "pitfall4_precedence.png",
}
FAULTY_COLOR, CORRECT_COLOR, TRUTH_COLOR = "#d62728", "#1f77b4", "black"
DATA_COLOR = "#bbbbbb"
#: Style of every figure, applied only while it is drawn and saved (the PNG's dpi is ``figure.dpi``).
RC = {"font.size": 12, "axes.titlesize": 13, "figure.dpi": 85}  # widest figure 15 in = 1,275 px: fits a 1,280-px screen
LEGEND_FONT = 11
#: Heights drawn as points in pitfall 1 (a) (more hide the curve they sit on).
SCATTER_POINTS = 400
#: Clip of the log-likelihood gap in pitfall 3 (b): a converged correct run's gap reaches rounding level.
GAP_FLOOR = 1e-8


def _draw(path: Path, record, panels: tuple[Callable, ...], **subplots) -> None:
    """One figure, one column per panel, in the report style: ``panel(ax, record)`` draws each; then save.

    ``subplots`` go to :func:`matplotlib.pyplot.subplots` (``figsize``, ``width_ratios``).
    """
    with matplotlib.rc_context(RC):
        fig, axes = plt.subplots(1, len(panels), squeeze=False, constrained_layout=True, **subplots)
        try:
            for ax, panel in zip(axes[0], panels, strict=True):
                panel(ax, record)
            fig.savefig(path)
        finally:
            plt.close(fig)


# -- pitfall 1 ----------------------------------------------------------------------------------


def _heights_at_positions(ax, dv) -> None:
    """(a) The density and the heights computed at uniform positions: what the faulty program fed EM."""
    grid = np.linspace(*dv.positions, 800)
    k = min(dv.u.size, SCATTER_POINTS)
    ax.plot(grid, pdf(grid, dv.truth), color=TRUTH_COLOR, lw=1.5, label="mixture density p(u)")
    ax.scatter(dv.u[:k], dv.heights[:k], s=6, color=FAULTY_COLOR, label="heights h = p(u), u uniform")
    ax.set(xlabel="position u", ylabel="density height", title="(a) what was computed: heights at uniform u")
    ax.legend(loc="upper left", fontsize=LEGEND_FONT)


def _em_on_heights(ax, dv) -> None:
    """(b) The heights as if they were data, the real EM's fit to them and the original run's estimate."""
    h = dv.heights
    hg = np.linspace(h.min() - 0.02, h.max() + 0.02, 600)  # a margin of 0.02 around the heights' range
    ax.hist(h, bins=80, density=True, color=DATA_COLOR, label="the 'data': heights")
    ax.plot(hg, pdf(hg, dv.on_heights.params), color=FAULTY_COLOR, lw=1.8,
            label=f"EM fit after {dv.on_heights.n_iter} iterations")
    ax.plot(hg, pdf(hg, dv.reported), color="#555555", lw=1.4, ls="--",
            label="estimate reported by the original run")
    ax.set(xlabel="value of the 'data' (a density height)", ylabel="density",
           title="(b) faulty: real EM on the heights")
    ax.set_xlim(hg[0], hg[-1])
    ax.legend(loc="upper right", fontsize=LEGEND_FONT)


def _em_on_draws(ax, dv) -> None:
    """(c) Draws from the mixture with the truth and ``em.fit``: the right way."""
    x = dv.x
    xg = np.linspace(x.min(), x.max(), 600)
    ax.hist(x, bins=80, density=True, color=DATA_COLOR, label="draws x ~ mixture")
    ax.plot(xg, pdf(xg, dv.truth), color=TRUTH_COLOR, lw=1.2, ls="--", label="truth")
    ax.plot(xg, pdf(xg, dv.correct.params), color=CORRECT_COLOR, lw=1.8, label="em.fit")
    ax.set(xlabel="x", ylabel="density", title="(c) correct: real EM on draws")
    ax.legend(loc="upper left", fontsize=LEGEND_FONT)


def fig_density_values(r, path: Path) -> None:
    """Pitfall 1: (a) heights at uniform positions, (b) EM on the heights, (c) EM on draws."""
    _draw(path, r.density_values, (_heights_at_positions, _em_on_heights, _em_on_draws), figsize=(15, 4.6))


# -- pitfall 2 ----------------------------------------------------------------------------------


def _two_samplers(ax, rl) -> None:
    """(a) Histograms of both samplers' data against the intended mixture."""
    both = np.concatenate([rl.x_randn, rl.x_correct])
    bins = np.linspace(both.min(), both.max(), 80)
    for x, color, name in ((rl.x_randn, FAULTY_COLOR, "labels randn() < pi1 (faulty)"),
                           (rl.x_correct, CORRECT_COLOR, "labels rand() < pi1 (correct)")):
        ax.hist(x, bins=bins, density=True, histtype="step", lw=1.6, color=color, label=name)
    ax.plot(bins, pdf(bins, rl.truth), color=TRUTH_COLOR, ls="--", lw=1.2,
            label=f"intended: pi1 = {rl.truth.pi1:g}")
    ax.set(xlabel="x", ylabel="density", title="(a) the two samplers' data, same seed")
    ax.legend(loc="upper left", fontsize=LEGEND_FONT)


def _recovered_weights(ax, rl) -> None:
    """(b) ``em.fit``'s pi1 +- 2 SE on each data set against pi1 and Phi(pi1)."""
    est = [rl.fit_randn.params.pi1, rl.fit_correct.params.pi1]
    se = [rl.fit_randn.se[0], rl.fit_correct.se[0]]
    ax.errorbar(est, [1, 0], xerr=[2 * s for s in se], fmt="o", color="black", capsize=5,
                label="em.fit pi1 +- 2 SE")
    ax.axvline(rl.truth.pi1, color=CORRECT_COLOR, ls="--", label=f"pi1 = {rl.truth.pi1:g}")
    ax.axvline(rl.phi_pi1, color=FAULTY_COLOR, ls="--", label=f"Phi(pi1) = {rl.phi_pi1:.3f}")
    ax.set_yticks([1, 0], ["faulty sampler", "correct sampler"])
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlim(0.2, 0.72)  # both pi1 = 0.3 and Phi(0.3) = 0.618 of the default truth, with room
    ax.set(xlabel="estimated weight of component 1", title="(b) what the real EM recovers")
    ax.legend(loc="center", fontsize=LEGEND_FONT)


def fig_randn_labels(r, path: Path) -> None:
    """Pitfall 2: (a) the data of both samplers, (b) the weight the real EM recovers from each."""
    _draw(path, r.randn_labels, (_two_samplers, _recovered_weights), figsize=(12, 4.6), width_ratios=[1.6, 1])


# -- pitfall 3 ----------------------------------------------------------------------------------


def _fixed_points(ax, oc) -> None:
    """(a) The unequal-spread data with the MLE's density and the faulty fixed point's."""
    x = oc.x
    xg = np.linspace(x.min(), x.max(), 800)
    ax.hist(x, bins=100, density=True, color=DATA_COLOR,
            label=f"data: component sds {oc.sigmas[0]:g} and {oc.sigmas[1]:g}")
    ax.plot(xg, pdf(xg, oc.mle.params), color=CORRECT_COLOR, lw=1.8,
            label=f"MLE (em.fit): sigma = {oc.mle.params.sigma:.3f}")
    ax.plot(xg, pdf(xg, oc.faulty.params), color=FAULTY_COLOR, lw=1.8,
            label=f"faulty fixed point: sigma = {oc.faulty.params.sigma:.3f}")
    ax.set(xlabel="x", ylabel="density", title="(a) where each M-step's iteration ends")
    ax.set_ylim(top=1.3 * ax.get_ylim()[1])  # room for the legend above the curves
    ax.legend(loc="upper right", fontsize=LEGEND_FONT)


def _gap_per_iteration(ax, oc) -> None:
    """(b) ``l(MLE) - l(iterate)`` per iteration for both maps, decreases marked."""
    for run, color, name in ((oc.correct, CORRECT_COLOR, "real M-step (pooled sigma)"),
                             (oc.faulty, FAULTY_COLOR, "faulty M-step (component 1's sigma)")):
        gap = np.maximum(oc.mle.loglik - run.trace, GAP_FLOOR)  # the log axis cannot show 0
        it = np.arange(run.n_iter + 1)  # 0 is the start
        ax.plot(it, gap, color=color, lw=1.5, label=name)
        d = run.decreases
        if d.size:
            ax.plot(it[d], gap[d], "v", color=color, ms=5, ls="none",
                    label=f"log-likelihood went down ({d.size} steps)")
    ax.set_yscale("log")
    ax.set_ylim(top=10 * ax.get_ylim()[1])  # keep the faulty plateau off the frame
    ax.set(xlabel="iteration (0 = the common start)",
           ylabel="l(MLE) - l(iterate)   (log scale, floor 1e-8)",
           title="(b) log-likelihood below the maximum, per iteration")
    ax.legend(loc="lower left", fontsize=LEGEND_FONT)


def fig_one_component_sigma(r, path: Path) -> None:
    """Pitfall 3: (a) the MLE and the faulty fixed point on the data, (b) the log-likelihood gap per step."""
    _draw(path, r.one_component_sigma, (_fixed_points, _gap_per_iteration), figsize=(13, 4.8))


# -- pitfall 4 ----------------------------------------------------------------------------------


def _bells(ax, pr) -> None:
    """The real and the faulty mixture density over the real bells' extent."""
    p = pr.params
    lo, hi = min(p.mu1, p.mu2) - 4 * p.sigma, max(p.mu1, p.mu2) + 4 * p.sigma  # 4 sd: the real bells' extent
    m = (pr.grid >= lo) & (pr.grid <= hi)
    ax.plot(pr.grid[m], pr.true_pdf[m], color=CORRECT_COLOR, lw=2,
            label=f"correct  exp(-(x-mu)**2 / (2*sigma**2)): area {pr.area_true:.4f}")
    ax.plot(pr.grid[m], pr.faulty_pdf[m], color=FAULTY_COLOR, lw=2,
            label=f"faulty   exp(-(x-mu)**2 / 2*sigma**2): area {pr.area_faulty:.4f} = 1/sigma^2")
    ax.set(xlabel="x", ylabel="density",
           title=f"The mixture at {p}\nfaulty bells: same peaks, "
           f"sd 1/sigma = {pr.faulty_sd:g} instead of sigma = {p.sigma:g}")
    ax.set_ylim(top=1.25 * ax.get_ylim()[1])  # room for the legend
    ax.legend(loc="upper left", fontsize=LEGEND_FONT)


def fig_precedence(r, path: Path) -> None:
    """Pitfall 4: the real and the precedence-bug mixture density, with their areas."""
    _draw(path, r.precedence, (_bells,), figsize=(9, 4.6))
