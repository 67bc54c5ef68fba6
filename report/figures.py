"""Figures of one comparison (PNG). ArviZ draws the posterior densities and predictive checks (the trace
figure's densities are ArviZ's KDEs, drawn here with matplotlib); matplotlib the rest.

Each function takes arrays or fitted objects and returns a matplotlib ``Figure``; nothing here
fits or samples. :func:`report.folder.figure_makers` draws the set that ``emvb run`` puts in a report from the
comparison's tree of facts. Only public ArviZ API is used (``PlotCollection.get_viz``/``get_target``).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from scipy import stats

from ..models.density import pdf
from ..models.draws import draws_of, posterior_dataset
from ..models.params import PARAM_NAMES, MixtureParams

COLORS = {"truth": "black", "em": "C3", "posterior": "C0", "normal": "C1"}
DPI = 100
#: Data whose largest magnitude lies outside [1 / DISPLAY_LIMIT, DISPLAY_LIMIT] are drawn in a power-of-ten
#: unit: the squares inside matplotlib's and ArviZ's histograms and KDEs overflow beyond about 1e154
#: (and underflow to zero below 1e-154), so the limit leaves a wide margin.
DISPLAY_LIMIT = 1e100
#: :func:`trace_plot` draws each chain's ECDF instead of its KDE below this many draws, as ArviZ's
#: ``plot_trace_dist`` does (arviz_plots' "auto" density kind: a KDE of so few draws is too rough).
ECDF_BELOW = 100


def display_unit(x) -> float:
    r"""The unit in which the figures draw data-scale quantities (x, mu, sigma): 1, or a power of ten.

    .. math:: u = 10^{\operatorname{round}(\log_{10} \max_i |x_i|)}
       \quad \text{if} \quad \max_i |x_i| \notin [10^{-100}, 10^{100}], \qquad u = 1 \text{ otherwise.}

    The figures of data near 1e200 then show values near 1 and say "in units of 1e+200".
    """
    top = float(np.max(np.abs(np.asarray(x, dtype=float))))
    if top == 0.0 or 1.0 / DISPLAY_LIMIT <= top <= DISPLAY_LIMIT:
        return 1.0
    return float(10.0 ** round(np.log10(top)))


def unit_note(unit: float) -> str:
    """`` (x, mu and sigma in units of 1e+200)``, or nothing for the unit 1."""
    return "" if unit == 1.0 else f" (x, mu and sigma in units of {unit:.0e})"


def in_unit(posterior, unit: float):
    """The posterior with ``mu`` and ``sigma`` divided by ``unit`` (the posterior itself for the unit 1)."""
    if unit == 1.0:
        return posterior
    import xarray as xr

    ds = posterior_dataset(posterior)
    return xr.DataTree.from_dict({"posterior": ds.assign(mu=ds["mu"] / unit, sigma=ds["sigma"] / unit)})


def params_in_unit(p: MixtureParams, unit: float) -> MixtureParams:
    """``(pi1, mu1 / unit, mu2 / unit, sigma / unit)``."""
    return p if unit == 1.0 else MixtureParams(p.pi1, p.mu1 / unit, p.mu2 / unit, p.sigma / unit)


def _thin(a: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """At most ``k`` rows of ``a``, chosen evenly (deterministic)."""
    if a.shape[0] <= k:
        return a
    return a[np.linspace(0, a.shape[0] - 1, k).round().astype(int)]


def data_fit(x, em_params: MixtureParams, posterior=None, truth: MixtureParams | None = None,
             band: float = 0.95, max_draws: int = 400, title: str = "") -> plt.Figure:
    """Histogram of the data with the true, EM and posterior-mean densities and a posterior band.

    The band is the pointwise central ``band`` interval of the mixture density ``p(x | theta)``
    over (thinned) posterior draws: the uncertainty of the fitted density, label-invariant. Drawn in
    :func:`display_unit` of the data.
    """
    x = np.asarray(x, dtype=float)
    unit = display_unit(x)
    x, em_params = x / unit, params_in_unit(em_params, unit)
    truth = None if truth is None else params_in_unit(truth, unit)
    posterior = None if posterior is None else in_unit(posterior, unit)
    lo, hi = np.quantile(x, [0.0005, 0.9995])
    pad = 0.08 * (hi - lo)
    grid = np.linspace(lo - pad, hi + pad, 400)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    bins = int(np.clip(np.sqrt(x.size), 20, 120))
    ax.hist(x, bins=bins, range=(grid[0], grid[-1]), density=True, color="0.85", edgecolor="0.7",
            lw=0.4, label=f"data (n={x.size})")
    if posterior is not None:
        d = draws_of(posterior).stack().reshape(-1, 4)
        d = _thin(d, max_draws)
        dens = np.array([pdf(grid, MixtureParams(*row)) for row in d])
        q = np.quantile(dens, [(1 - band) / 2, (1 + band) / 2], axis=0)
        ax.fill_between(grid, q[0], q[1], color=COLORS["posterior"], alpha=0.3, lw=0,
                        label=f"posterior {int(band * 100)}% band of the density")
        ax.plot(grid, dens.mean(axis=0), color=COLORS["posterior"], lw=1.5, label="posterior mean density")
    ax.plot(grid, pdf(grid, em_params), color=COLORS["em"], lw=1.5, ls="--", label="EM (MLE) density")
    if truth is not None:
        ax.plot(grid, pdf(grid, truth), color=COLORS["truth"], lw=1, ls=":", label="true density")
    ax.set_xlabel("x" if unit == 1.0 else f"x / {unit:.0e}")
    ax.set_ylabel("density")
    ax.set_title((title or "Data and fitted mixture densities") + unit_note(unit))
    ax.legend(fontsize=8, loc="best", frameon=False)
    fig.tight_layout()
    return fig


def em_trace(plain: tuple, accelerated: tuple, title: str = "") -> plt.Figure:
    """Log-likelihood gap to the optimum along plain EM and SQUAREM, against EM-map evaluations.

    ``plain``/``accelerated``: ``(loglik, loglik trace, iterations, map evaluations)`` of two EM runs from the
    same start (a comparison's ``/em`` group and ``/figure_data``, :mod:`compare.facts`). Plain EM evaluates
    the map once per iteration; a SQUAREM iteration evaluates it three times.
    """
    best = max(plain[0], accelerated[0], np.max(plain[1]), np.max(accelerated[1]))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for (_, ll, n_iter, n_map_evals), label, color in ((plain, "plain EM", "C0"), (accelerated, "SQUAREM", "C3")):
        ll = np.asarray(ll)
        evals = np.linspace(0, n_map_evals, ll.size)
        gap = np.maximum(best - ll, 1e-12)
        axes[0].plot(np.arange(ll.size), ll, color=color, marker=".", ms=3, lw=1,
                     label=f"{label}: {n_iter} iterations")
        axes[1].semilogy(evals, gap, color=color, marker=".", ms=3, lw=1,
                         label=f"{label}: {n_map_evals} map evaluations")
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel("log-likelihood")
    axes[0].set_title("Log-likelihood (never decreases)", fontsize=10)
    axes[1].set_xlabel("EM-map evaluations (passes over the data)")
    axes[1].set_ylabel("gap to the optimum")
    axes[1].set_title("Distance to the optimum (log scale)", fontsize=10)
    for ax in axes:
        ax.legend(fontsize=8, frameon=False)
    fig.suptitle(title or "EM convergence from the same start", fontsize=11)
    fig.tight_layout()
    return fig


def stuck_chains(posterior) -> list[tuple[str, dict, float]]:
    """Every ``(variable, selection, value)`` of pi1, mu, sigma whose draws in one chain are all one value.

    ``selection`` holds the chain (and the component of mu) as coordinates of the posterior. A chain
    that never moved (the sampler rejected every proposal after warm-up) has no density: ArviZ's
    KDE of it is empty. The convergence table flags such a chain by its R-hat and ESS.
    """
    ds = posterior_dataset(posterior)
    out = []
    for var in ("pi1", "mu", "sigma"):
        da = ds[var].transpose("chain", "draw", ...)
        other = [d for d in da.dims if d != "draw"]  # chain, then the component of mu
        a = da.values
        for idx in np.argwhere(np.all(a == a[:, :1], axis=1)):
            sel = {d: da[d].values[i].item() for d, i in zip(other, idx, strict=True)}
            out.append((var, sel, float(a[(idx[0], 0, *idx[1:])])))
    return out


def trace_plot(posterior, title: str, unit: float = 1.0):
    """Density + trace plot of pi1, mu1, mu2, sigma, one colour per chain (mu, sigma in ``unit``).

    ArviZ's ``plot_trace_dist`` layout drawn with plain matplotlib (a quarter less time per figure,
    ``benchmarks/figures_speed.py``): left, each chain's KDE as ArviZ computes it for that plot
    (``arviz_stats``, same grid and bandwidth), or its ECDF for chains of fewer than :data:`ECDF_BELOW`
    draws as ArviZ draws them, on an axis without y ticks; right, each chain's draws against the draw index.

    A stuck chain (:func:`stuck_chains`) has no density: ArviZ's KDE of one value is empty (its warning
    about it is expected here and silenced), so a dashed vertical line in the chain's colour marks the
    value in the density panel and the title names the chain.
    """
    from arviz_stats.base import array_stats

    from ..sampling.known_warnings import silenced

    posterior = in_unit(posterior, unit)
    title += unit_note(unit)
    stuck = stuck_chains(posterior)
    ds = posterior_dataset(posterior)
    ids = ds["chain"].values.tolist()
    colour = {c: f"C{i % 10}" for i, c in enumerate(ids)}  # matplotlib's cycle, as ArviZ colours chains
    rows = [("pi1", ds["pi1"]), *((f"mu{k}", ds["mu"].sel(component=k)) for k in ds["component"].values.tolist()),
            ("sigma", ds["sigma"])]
    fig, axes = plt.subplots(len(rows), 2, figsize=(10, 7.5), squeeze=False)
    with silenced(*(["kde_single_value"] if stuck else [])):
        for (name, da), (dist, trace) in zip(rows, axes, strict=True):
            a = da.transpose("chain", "draw").values
            if a.shape[1] < ECDF_BELOW:
                (grid, density), style = array_stats.ecdf(a, axis=-1), "steps-pre"
            else:
                (grid, density, _), style = array_stats.kde(a, axis=-1), "default"
            for i, c in enumerate(ids):
                dist.plot(grid[i], density[i], color=colour[c], lw=1.5, drawstyle=style)
                trace.plot(ds["draw"].values, a[i], color=colour[c], lw=1.5)
            dist.set_yticks([])
            for side in ("left", "right", "top"):
                dist.spines[side].set_visible(False)
            dist.set_xlabel(name)
            trace.set_xlabel("Draw")
            trace.set_ylabel(name)
    panel = {name: dist for (name, _), (dist, _) in zip(rows, axes, strict=True)}
    for var, sel, value in stuck:
        name = var if var != "mu" else f"mu{sel['component']}"
        panel[name].axvline(value, color=colour[sel["chain"]], lw=1.5, ls="--")
    chains = sorted({sel["chain"] for _, sel, _ in stuck})
    if chains:
        title += (f"\nchain{'s' if len(chains) > 1 else ''} {', '.join(map(str, chains))}: every draw the same "
                  "value (stuck; no density, a dashed line marks the value)")
    handles = [Line2D([], [], color=colour[c], lw=2) for c in ids]
    return legend_below(fig, handles, [f"chain {c}" for c in ids], title, bottom=0.05,
                        top=0.94 if chains else 0.96, fontsize=11)


def one_line_labels(fig) -> plt.Figure:
    """ArviZ writes a variable with a coordinate as ``"mu\n1"`` (two lines) in titles and axis labels:
    write it as ``mu1``, the name the EM table and the text use."""
    import re

    for ax in fig.axes:
        for get, set_ in ((ax.get_title, ax.set_title), (ax.get_xlabel, ax.set_xlabel), (ax.get_ylabel, ax.set_ylabel)):
            text = get()
            if "\n" in text:
                set_(re.sub(r"\s*\n\s*", "", text))
    return fig


def param_densities(posterior, estimate: MixtureParams, se: dict, truth: MixtureParams | None = None,
                    ci_prob: float = 0.95, title: str = "", unit: float = 1.0) -> plt.Figure:
    """Each parameter's posterior density (ArviZ ``plot_dist``) with the EM ``estimate``, its normal
    approximation ``N(MLE, SE^2)`` (``se``: {parameter: SE}) and the truth drawn on the same axes (mu, sigma
    in ``unit``)."""
    import arviz as az

    posterior = in_unit(posterior, unit)
    pc = az.plot_dist(posterior, var_names=["pi1", "mu", "sigma"], ci_prob=ci_prob,
                      figure_kwargs={"figsize": (12, 3.4)})
    em = params_in_unit(estimate, unit).to_dict()
    se = {k: v if k == "pi1" else v / unit for k, v in se.items()}
    truth_d = params_in_unit(truth, unit).to_dict() if truth is not None else None
    for name in PARAM_NAMES:
        var, sel = ("mu", {"component": int(name[-1])}) if name.startswith("mu") else (name, {})
        ax = pc.get_target(var, sel)
        m, s = em[name], se[name]
        xl = ax.get_xlim()
        grid = np.linspace(min(xl[0], m - 4 * s), max(xl[1], m + 4 * s), 300)
        top = ax.get_ylim()[1]
        ax.plot(grid, stats.norm.pdf(grid, m, s), color=COLORS["normal"], lw=1.2, ls="--",
                label="N(MLE, SE²)")
        ax.axvline(m, color=COLORS["em"], lw=1.2, label="EM estimate")
        if truth_d is not None:
            ax.axvline(truth_d[name], color=COLORS["truth"], lw=1, ls=":", label="truth")
        ax.set_ylim(0, max(top, 1.05 * stats.norm.pdf(m, m, s)))
        ax.set_xlim(xl)
    first = pc.get_target("pi1", {})
    handles, labels = first.get_legend_handles_labels()
    post_line = pc.get_viz("dist", "pi1")  # ArviZ's own KDE line: reuse its colour in the legend
    handles.insert(0, Line2D([], [], color=post_line.get_color(), lw=1.5))
    labels.insert(0, "posterior (ArviZ KDE)")
    return legend_below(one_line_labels(pc.get_viz("figure")), handles, labels,
                        (title or "Posterior (ArviZ) with the EM estimate, its normal approximation and the truth")
                        + unit_note(unit),
                        bottom=0.08, top=0.93, fontsize=11)


def legend_below(fig, handles, labels, title: str, *, bottom: float, top: float, ncol: int | None = None,
                 fontsize: int = 12) -> plt.Figure:
    """One legend for the whole figure in a strip of height ``bottom`` (figure fraction) under the
    panels, a title above ``top``, and the panels laid out in between (so nothing overlaps)."""
    fig.legend(handles, labels, loc="lower center", ncol=ncol or len(labels), fontsize=9, frameon=False)
    fig.suptitle(title, fontsize=fontsize)
    fig.tight_layout(rect=(0, bottom, 1, top))
    return fig


def save(fig, path: Path) -> Path:
    """Save and close (figures are many and large; closing keeps memory flat)."""
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
