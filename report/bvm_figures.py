"""Figures of the Bernstein-von Mises study (:mod:`compare.bvm`): the posterior against N(MLE, SE²) as n grows.

Each function takes a :class:`compare.bvm.BvMStudy` and returns a matplotlib ``Figure``; nothing here
fits or samples. ArviZ (``plot_dist``) draws every posterior density; only public ArviZ API is used
(``PlotCollection.get_viz`` / ``get_target``). One colour per n, light to dark as n grows.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from scipy import stats

from ..compare.bvm import standardized
from ..compare.intervals import KIND_LABELS, draws_dataset
from ..models.params import PARAM_NAMES
from .figures import COLORS, legend_below

#: Standardised x range drawn: the normal's +-4 SE, widened to the draws' 0.5%-99.5% quantiles, at most +-8.
Z_VIEW = (4.0, 8.0)
#: Half-width of the intervals figure's view, in SEs; longer intervals end in an arrow.
Z_CLIP = 6.0
INTERVAL_STYLE = {"wald_plain": ("C3", "-"), "wald": ("C1", "-"), "hdi": ("C0", "-"), "eti": ("C2", "-")}


#: Font sizes (points) of axis labels and panel titles: large enough to be read when projected.
LABEL_FONT, TITLE_FONT = 12, 13

def n_colors(n_grid) -> list[str]:
    """One colour per n: a sequential palette, light for the smallest n, dark for the largest."""
    cmap = plt.get_cmap("viridis")
    return [to_hex(cmap(v)) for v in np.linspace(0.85, 0.0, len(n_grid))]


def _label(n: int) -> str:
    return f"n = {n:,}"


def _tree(ds: xr.Dataset) -> xr.DataTree:
    return xr.DataTree.from_dict({"posterior": ds})


def _z_limits(values: list[np.ndarray]) -> tuple[float, float]:
    lo = min(float(np.quantile(v, 0.005)) for v in values)
    hi = max(float(np.quantile(v, 0.995)) for v in values)
    return max(min(lo, -Z_VIEW[0]), -Z_VIEW[1]), min(max(hi, Z_VIEW[0]), Z_VIEW[1])


def _dist(models: dict, colors: list[str], figsize, **pc_kwargs):
    """ArviZ KDEs of every variable, one colour per model; no interval or point-estimate marks."""
    import arviz as az

    off = {"credible_interval": False, "point_estimate": False, "point_estimate_text": False}
    return az.plot_dist(models, kind="kde", visuals=off, figure_kwargs={"figsize": figsize}, color=colors,
                        **pc_kwargs)


def standardized_figure(study, title: str = "") -> plt.Figure:
    """One panel per parameter: the posterior of ``(theta - MLE) / SE`` at every n against ``N(0, 1)``.

    Bernstein-von Mises predicts that every curve approaches the dashed standard normal as n grows.
    """
    colors = n_colors(study.n_grid)
    z = {p.n: standardized(p.posterior, p.em) for p in study.points}
    models = {_label(n): _tree(xr.Dataset({k: (("chain", "draw"), v) for k, v in zn.items()}))
              for n, zn in z.items()}
    pc = _dist(models, colors, (13, 4.2), col_wrap=4)
    for name in PARAM_NAMES:
        ax = pc.get_target(name, {})
        lo, hi = _z_limits([zn[name] for zn in z.values()])
        grid = np.linspace(lo, hi, 400)
        ax.plot(grid, stats.norm.pdf(grid), color="black", ls="--", lw=1.6)
        ax.set_xlim(lo, hi)
        ax.set_ylim(bottom=0)
        ax.set_xlabel(f"({name} - MLE) / SE", fontsize=LABEL_FONT)
        ax.set_ylabel("density" if name == PARAM_NAMES[0] else "", fontsize=LABEL_FONT)
        ax.set_title(name, fontsize=TITLE_FONT)
    drawn = [pc.get_viz("dist", PARAM_NAMES[0], {"model": _label(n)}).get_color() for n in study.n_grid]
    handles = [Line2D([], [], color=c, lw=2) for c in drawn] + [Line2D([], [], color="black", ls="--", lw=1.6)]
    labels = [f"posterior, {_label(n)}" for n in study.n_grid] + ["N(0, 1): EM's normal approximation"]
    return legend_below(pc.get_viz("figure"), handles, labels,
                        title or "Posterior in standard-error units, (theta - MLE) / SE, against N(0, 1) as n grows",
                        bottom=0.08, top=0.95)


def grid_figure(study, title: str = "") -> plt.Figure:
    """Rows = n, columns = parameters, in the parameters' own units: the posterior (ArviZ KDE), N(MLE, SE²),
    the MLE and the truth. Each panel has its own x axis: the posterior narrows like 1/sqrt(n)."""
    from arviz_plots import PlotCollection

    colors = n_colors(study.n_grid)
    models = {_label(p.n): _tree(draws_dataset(p.posterior)) for p in study.points}
    data = {k: v["posterior"].to_dataset() for k, v in models.items()}
    pc = PlotCollection.grid(data, cols=["__variable__"], rows=["model"], aes={"color": ["model"]},
                             color=colors,
                             figure_kwargs={"figsize": (13, 2.3 * len(models)), "sharex": False, "sharey": False})
    _dist(models, colors, None, plot_collection=pc)
    truth = study.truth.to_dict() if study.truth is not None else None
    for p in study.points:
        est, se = p.em.params.to_dict(), p.em.se.to_dict()
        for name in PARAM_NAMES:
            ax = pc.get_target(name, {"model": _label(p.n)})
            grid = np.linspace(est[name] - 4.5 * se[name], est[name] + 4.5 * se[name], 300)
            ax.plot(grid, stats.norm.pdf(grid, est[name], se[name]), color="black", ls="--", lw=1.3)
            ax.axvline(est[name], color=COLORS["em"], lw=1.2)
            if truth is not None:
                ax.axvline(truth[name], color="0.4", lw=1.2, ls=":")
            ax.set_ylim(bottom=0)
            ax.set_ylabel("density" if name == PARAM_NAMES[0] else "", fontsize=LABEL_FONT)
            ax.set_title(f"{name}, {_label(p.n)}", fontsize=LABEL_FONT)
    drawn = pc.get_viz("dist", PARAM_NAMES[0], {"model": _label(study.n_grid[-1])}).get_color()
    handles = [Line2D([], [], color=drawn, lw=2), Line2D([], [], color="black", ls="--", lw=1.3),
               Line2D([], [], color=COLORS["em"], lw=1.2), Line2D([], [], color="0.4", ls=":", lw=1.2)]
    labels = ["posterior (ArviZ KDE; colour = n)", "N(MLE, SE²)", "MLE (EM)", "truth"]
    keep = 4 if truth else 3
    return legend_below(pc.get_viz("figure"), handles[:keep], labels[:keep],
                        title or "Posterior and N(MLE, SE²) at each n (each panel in its parameter's units and scale)",
                        bottom=0.04, top=0.97)


def intervals_figure(study, title: str = "") -> plt.Figure:
    """One panel per parameter: at each n, the four intervals of :mod:`compare.intervals` in SE units
    ``(bound - MLE) / SE``; the plain Wald interval is always ``+-z``. Where the parameter space ends
    (pi1 = 0 or 1, sigma = 0) inside the view, a grey bar marks it."""
    t = study.table
    z = _z_of(study)
    kinds = list(INTERVAL_STYLE)
    fig, axes = plt.subplots(1, 4, figsize=(14, 1.1 + 0.9 * len(study.n_grid)), sharey=True)
    for ax, name in zip(axes, PARAM_NAMES, strict=True):
        for row, n in enumerate(study.n_grid):
            r = t[(t["n"] == n) & (t["parameter"] == name)].iloc[0]
            for k, kind in enumerate(kinds):
                y = row - 0.3 + 0.2 * k
                lo, hi = ((r[f"{kind}_lb"] - r["mle"]) / r["se"], (r[f"{kind}_ub"] - r["mle"]) / r["se"])
                color, ls = INTERVAL_STYLE[kind]
                ax.plot([lo, hi], [y, y], color=color, ls=ls, lw=3, solid_capstyle="butt")
                for end, marker in ((lo, "<"), (hi, ">")):  # an interval running off the view: arrow at the edge
                    if abs(end) > Z_CLIP:
                        ax.plot(np.sign(end) * Z_CLIP, y, marker=marker, color=color, ms=6)
            for edge in _edges(name):
                ze = (edge - r["mle"]) / r["se"]
                if abs(ze) < Z_CLIP:
                    ax.plot([ze, ze], [row - 0.45, row + 0.45], color="0.5", lw=4, alpha=0.6)
        for v in (-z, z):
            ax.axvline(v, color="0.75", lw=1, ls="--", zorder=0)
        ax.axvline(0, color="black", lw=1, zorder=0)
        ax.set_xlim(-Z_CLIP - 0.3, Z_CLIP + 0.3)
        ax.set_xlabel("(bound - MLE) / SE", fontsize=LABEL_FONT)
        ax.set_title(name, fontsize=TITLE_FONT)
    axes[0].set_yticks(range(len(study.n_grid)), [_label(n) for n in study.n_grid])
    axes[0].set_ylabel("sample size", fontsize=LABEL_FONT)
    axes[0].set_ylim(len(study.n_grid) - 0.4, -0.6)  # smallest n on top
    handles = [Line2D([], [], color=INTERVAL_STYLE[k][0], lw=3) for k in kinds]
    handles += [Line2D([], [], color="0.5", lw=4, alpha=0.6), Line2D([], [], color="black", lw=1),
                Line2D([], [], color="0.75", lw=1, ls="--")]
    labels = [KIND_LABELS[k] for k in kinds] + ["edge of the parameter space", "MLE", f"± {z:.2f} SE"]
    level = int(round(100 * t.attrs.get("ci_prob", 0.95)))
    return legend_below(fig, handles, labels, title or f"{level}% intervals in standard-error units at each n",
                        bottom=0.18, top=0.95, ncol=3)


def _z_of(study) -> float:
    return float(stats.norm.ppf(0.5 * (1 + study.table.attrs.get("ci_prob", 0.95))))


def _edges(name: str) -> tuple[float, ...]:
    return {"pi1": (0.0, 1.0), "sigma": (0.0,)}.get(name, ())
