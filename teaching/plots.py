"""The teaching notebooks' figures, one function per kind, each returning its matplotlib figure.

Sized to be projected: :func:`use_projector_style` sets the fonts, and every figure is at most
:data:`MAX_WIDTH` inches wide, which at the notebooks' 80 dpi is 1,240 pixels: readable at 100% on a
1,280-pixel-wide screen. Every axis with a y scale is labelled, and a figure with several chains or
several models carries a legend naming them. The notebooks keep the short plotting cells; whatever
took more than about ten lines of matplotlib is here, under a name the notebook calls.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from ..em import e_step
from ..models import pdf

#: Widest figure (inches); at :data:`DPI` dots per inch, 1,240 pixels.
MAX_WIDTH = 15.5
DPI = 80
#: Font sizes in points; at 80 dpi a 14-point label is about 15 pixels high.
STYLE = {"figure.dpi": DPI, "font.size": 14, "axes.titlesize": 15, "axes.labelsize": 14, "legend.fontsize": 12,
         "xtick.labelsize": 12, "ytick.labelsize": 12, "figure.titlesize": 15}
#: The ArviZ density visuals the notebooks switch off: no interval or point estimate drawn on the curve.
BARE = {"credible_interval": False, "point_estimate": False, "point_estimate_text": False}


def use_projector_style() -> None:
    """Set matplotlib's fonts and resolution for every later figure of the session (:data:`STYLE`)."""
    plt.rcParams.update(STYLE)


def data_histograms(datasets, truth):
    """One panel per data set: its histogram beside the true density ``pdf(x | truth)``."""
    fig, axes = plt.subplots(1, len(datasets), figsize=(MAX_WIDTH, 4.2))
    grid = np.linspace(-2, 22, 400)
    for ax, d in zip(np.atleast_1d(axes), datasets, strict=True):
        ax.hist(d.values, bins=int(np.clip(np.sqrt(d.n), 8, 60)), range=(-2, 22), density=True, color="0.8",
                edgecolor="0.6", label="data")
        ax.plot(grid, pdf(grid, truth), color="black", lw=1.5, label="true density")
        ax.set(title=f"n = {d.n:,}", xlabel="x", ylabel="density")
    np.atleast_1d(axes)[0].legend(loc="upper left")
    fig.tight_layout()
    return fig


def _components(ax, x, theta, title):
    g = np.linspace(x.min() - 2, x.max() + 2, 400)
    ax.hist(x, bins=25, density=True, color="0.85", edgecolor="0.65", label=f"data (n = {x.size:,})")
    ax.plot(g, theta.pi1 * stats.norm.pdf(g, theta.mu1, theta.sigma), color="C0", lw=2, label="pi1 N(mu1, sigma²)")
    ax.plot(g, (1 - theta.pi1) * stats.norm.pdf(g, theta.mu2, theta.sigma), color="C1", lw=2,
            label="(1 - pi1) N(mu2, sigma²)")
    ax.set(xlabel="x", ylabel="density", title=title)
    ax.legend(loc="upper left")


def components_and_responsibilities(x, theta, title: str, curves: dict, points=None):
    """Left: the histogram of ``x`` with the two weighted component densities of ``theta``. Right: the
    responsibility curve ``r(x) = P(component 1 | x)`` of each parameter value in ``curves``
    (``{label: MixtureParams}``, the first drawn dashed grey when there are two), and, if ``points`` is
    given, the responsibilities of the data points themselves."""
    x = np.asarray(x, dtype=float)
    fig, axes = plt.subplots(1, 2, figsize=(MAX_WIDTH, 4.8))
    _components(axes[0], x, theta, title)
    g = np.linspace(x.min() - 2, x.max() + 2, 400)
    for k, (label, params) in enumerate(curves.items()):
        faded = len(curves) > 1 and k == 0
        axes[1].plot(g, e_step(g, params), color="0.6" if faded else "C0", lw=2, ls="--" if faded else "-",
                     label=label)
    if points is not None:
        axes[1].plot(x, points, "o", color="C0", ms=4, alpha=0.6, label="responsibility of each data point")
    axes[1].set(xlabel="x", ylabel="P(component 1 | x)", title="Responsibilities")
    axes[1].legend(loc="upper right")
    fig.tight_layout()
    return fig


def em_path(ll, path, shown: int = 40):
    """The first ``shown`` EM iterations: the log-likelihood, the two means, the weight and sigma / 10."""
    fig, axes = plt.subplots(1, 3, figsize=(MAX_WIDTH, 4.6))
    axes[0].plot(range(shown + 1), ll[: shown + 1], "o-", ms=3, color="C3")
    axes[0].set(xlabel="iteration", ylabel="log-likelihood", title="The log-likelihood never decreases")
    params = np.array([p.to_array() for p in path[: shown + 1]])
    for k, (name, c) in enumerate(zip(("mu1", "mu2"), ("C0", "C1"), strict=True)):
        axes[1].plot(params[:, k + 1], "o-", ms=3, color=c, label=name)
    axes[1].set(xlabel="iteration", ylabel="mean", title="The means move apart")
    axes[1].legend()
    axes[2].plot(params[:, 0], "o-", ms=3, color="C2", label="pi1")
    axes[2].plot(params[:, 3] / 10, "o-", ms=3, color="C4", label="sigma / 10")
    axes[2].set(xlabel="iteration", ylabel="value", title="Weight and (scaled) sigma")
    axes[2].legend()
    fig.tight_layout()
    return fig


def _flat(post, name):
    """``pi1``, ``sigma``, ``mu1`` or ``mu2`` of a posterior group as a (chain, draw) array."""
    if name.startswith("mu"):
        return post["mu"].sel(component=int(name[-1])).values
    return post[name].values


def chain_traces(tree, title: str, names=("pi1", "mu1", "mu2", "sigma")):
    """Each chain's draws of each parameter in order (one row per parameter, one colour per chain, a
    legend naming the chains), beside its histogram pooled over the chains."""
    post = tree["posterior"]
    fig, axes = plt.subplots(len(names), 2, figsize=(MAX_WIDTH, 2.6 * len(names)), width_ratios=[3, 1],
                             squeeze=False)
    for row, name in zip(axes, names, strict=True):
        values = _flat(post, name)
        for c, chain in enumerate(values):
            row[0].plot(chain, lw=0.6, alpha=0.8, color=f"C{c}", label=f"chain {c}")
            row[1].hist(chain, bins=40, density=True, histtype="step", color=f"C{c}", lw=1.5)
        row[0].set(ylabel=name, xlabel="draw")
        row[1].set(xlabel=name, ylabel="density")
    axes[0, 0].set_title("draws in sampling order")
    axes[0, 1].set_title("histogram per chain")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="lower center", ncol=len(values), frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05, 1, 0.98))
    return fig


def densities_by_model(trees: dict, title: str, *, names=("pi1", "mu1", "mu2", "sigma"), marks=None,
                       mark_label: str = "MLE", group: str = "posterior"):
    """One panel per parameter with ArviZ's density estimate of each model in ``trees``
    (``{label: DataTree}``), a vertical line at ``marks[name]`` if given, and one legend for all."""
    import arviz as az

    var_names = list(dict.fromkeys("mu" if n.startswith("mu") else n for n in names))
    pc = az.plot_dist(trees, group=group, var_names=var_names, kind="kde", visuals=BARE,
                      figure_kwargs={"figsize": (min(MAX_WIDTH, 4 * len(names)), 4.6)})
    for name in names:
        var, sel = ("mu", {"component": int(name[-1])}) if name.startswith("mu") else (name, {})
        ax = pc.get_target(var, sel)
        ax.set(title=name, xlabel=name, ylabel="density")
        if marks is not None:
            ax.axvline(marks[name], color="black", lw=1.2, ls="--")
    first = names[0]
    var, sel = ("mu", {"component": int(first[-1])}) if first.startswith("mu") else (first, {})
    handles = [plt.Line2D([], [], color=pc.get_viz("dist", var, {"model": m, **sel}).get_color(), lw=2)
               for m in trees]
    labels = list(trees)
    if marks is not None:
        handles.append(plt.Line2D([], [], color="black", ls="--", lw=1.2))
        labels.append(mark_label)
    fig = pc.get_viz("figure")
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.12, 1, 0.94))
    return fig


def boundary_intervals(boundary: dict, interval_labels: dict):
    """For each n of ``boundary`` (``{n: {"data", "mle", "posterior", "pi1"}}``, ``"pi1"`` a table of
    intervals indexed by kind with ``lb``/``ub``): the posterior of pi1, EM's normal approximation with
    its mass below 0 shaded, and each interval of ``interval_labels`` (``{kind: label}``) as a bar."""
    import arviz as az

    pc = az.plot_dist({f"n = {n}": b["posterior"] for n, b in boundary.items()}, var_names=["pi1"], cols=["model"],
                      kind="kde", visuals=BARE,
                      figure_kwargs={"figsize": (MAX_WIDTH, 5.6), "sharex": False, "sharey": False})
    for n, b in boundary.items():
        ax = pc.get_target("pi1", {"model": f"n = {n}"})
        m, s = b["mle"].params.pi1, b["mle"].se.pi1
        g = np.linspace(m - 4 * s, m + 4.5 * s, 400)
        ax.plot(g, stats.norm.pdf(g, m, s), color="black", ls="--", lw=1.5, label="N(MLE, SE²)")
        neg = g[g < 0]
        ax.fill_between(neg, stats.norm.pdf(neg, m, s), color="C3", alpha=0.3, label="N(MLE, SE²) below 0")
        ax.axvline(0, color="0.3", lw=1)
        top = ax.get_ylim()[1]
        for k, (kind, label) in enumerate(interval_labels.items()):
            y = -0.07 * top * (k + 1)
            ax.plot([b["pi1"].loc[kind, "lb"], b["pi1"].loc[kind, "ub"]], [y, y], lw=3, color=f"C{k + 3}",
                    label=label)
        ax.set_ylim(-0.33 * top, top)
        ax.set(xlabel="pi1", ylabel="density", title=f"n = {n}: {int((b['data'].values < 10).sum())} points below 10")
    handles, labels = ax.get_legend_handles_labels()
    for n in reversed(list(boundary)):
        color = pc.get_viz("dist", "pi1", {"model": f"n = {n}"}).get_color()
        handles.insert(0, plt.Line2D([], [], color=color, lw=2))
        labels.insert(0, f"posterior, n = {n} (ArviZ KDE)")
    fig = pc.get_viz("figure")
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
    fig.suptitle("pi1 near the boundary (truth 0.05): posterior, EM's normal approximation, four 95% intervals")
    fig.tight_layout(rect=(0, 0.17, 1, 0.94))
    return fig


def trace_changes(traces: dict, title: str, *, marks=None):
    """Each log-likelihood trace of ``traces`` (``{label: values}``) as its change since iteration 0, one
    panel each, every decrease marked (``marks[label]``: the decreasing steps) and the flat line a correct
    EM started at a maximum would draw."""
    fig, axes = plt.subplots(1, len(traces), figsize=(MAX_WIDTH, 4.6), squeeze=False)
    for ax, (label, tr) in zip(axes[0], traces.items(), strict=True):
        tr = np.asarray(tr, dtype=float) - tr[0]
        ax.plot(tr, "o-", ms=3, color="C3", label="log-likelihood after each iteration")
        down = np.asarray([] if marks is None else marks[label], dtype=int)
        if down.size:
            ax.plot(down, tr[down], "v", color="black", ms=7, ls="none", label=f"went down ({down.size} iterations)")
        ax.axhline(0, color="0.5", lw=1, ls="--", label="a correct EM started at a maximum")
        ax.set(xlabel="iteration", ylabel="change since iteration 0", title=label)
        ax.legend(fontsize=11)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def mean_pairs(posteriors: dict, chains: int):
    """One panel per posterior (``{title: DataTree}``): every draw's ``(mu[1], mu[2])``, one colour per
    chain, and the diagonal ``mu[1] = mu[2]`` that separates the two labellings; one legend below."""
    fig, axes = plt.subplots(1, len(posteriors), figsize=(MAX_WIDTH, 6.8), squeeze=False)
    for ax, (title, post) in zip(axes[0], posteriors.items(), strict=True):
        q = post["posterior"]
        for c in q["chain"].values:
            ax.plot(q["mu"].sel(chain=c, component=1), q["mu"].sel(chain=c, component=2), ".", ms=2, alpha=0.4,
                    label=f"chain {c}")
        lo, hi = float(q["mu"].min()), float(q["mu"].max())
        ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls="--", label="mu[1] = mu[2]")
        ax.set(xlabel="mu[1]", ylabel="mu[2]", title=f"Posterior draws, {title}")
        ax.set_aspect("equal", adjustable="datalim")
    # One legend under the panels: inside either it would hide draws.
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="lower center", ncol=chains + 1, markerscale=4,
               frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
