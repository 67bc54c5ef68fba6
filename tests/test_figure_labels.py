"""Figures say what their colours are and keep labels on one line, apart from their neighbours'."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

from emvb.adequacy.result import PosteriorPredictive, PPCStatistic  # noqa: E402
from emvb.report.adequacy_section import ppc_statistics_figure  # noqa: E402
from emvb.report.figures import ECDF_BELOW, trace_plot  # noqa: E402


def _posterior(chains: int = 3, draws: int = 60) -> xr.DataTree:
    rng = np.random.default_rng(1)
    shape = (chains, draws)
    mu = np.stack([5 + 0.05 * rng.standard_normal(shape), 15 + 0.05 * rng.standard_normal(shape)], -1)
    post = xr.Dataset({"pi1": (("chain", "draw"), 0.3 + 0.01 * rng.standard_normal((chains, draws))),
                       "mu": (("chain", "draw", "component"), mu),
                       "sigma": (("chain", "draw"), 2 + 0.02 * rng.standard_normal((chains, draws)))},
                      coords={"chain": np.arange(chains), "draw": np.arange(draws), "component": [1, 2]})
    return xr.DataTree.from_dict({"posterior": post})


def _texts(fig) -> list[str]:
    return [t for ax in fig.axes for t in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel())]


def test_trace_plot_names_each_chains_colour_and_writes_mu1_on_one_line():
    fig = trace_plot(_posterior(), "trace")
    try:
        (legend,) = fig.legends
        names = [t.get_text() for t in legend.get_texts()]
        assert names == ["chain 0", "chain 1", "chain 2"]
        legend_colours = [h.get_color() for h in legend.legend_handles]
        sigma_trace = next(ax for ax in fig.axes if ax.get_ylabel() == "sigma")
        assert legend_colours == [line.get_color() for line in sigma_trace.get_lines()[:3]]
        texts = _texts(fig)
        assert not any("\n" in t for t in texts) and "mu1" in texts and "mu2" in texts, texts
    finally:
        plt.close(fig)


def test_ppc_statistics_tick_labels_do_not_reach_the_next_panel():
    rng = np.random.default_rng(2)  # the committed default report's ranges: long tick labels at both edges
    stats = (PPCStatistic("skewness", -0.692, -0.69 + 0.025 * rng.standard_normal(400)),
             PPCStatistic("excess_kurtosis", -0.837, np.clip(-0.82 + 0.05 * rng.standard_normal(400), -0.975, -0.66)),
             PPCStatistic("share_beyond_3sd", 0.0, rng.choice([0.0, 0.0001, 0.0002], 400, p=[0.9, 0.09, 0.01])))
    ppc = PosteriorPredictive(stats, 400, 12.0, 4.8, np.zeros((2, 10)), 0)
    fig = ppc_statistics_figure(ppc)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = []
        for ax in fig.axes:
            lo, hi = ax.get_xlim()  # the locator also places ticks beyond the view, which are not drawn
            labels = [t for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)
                      if t.get_text() and lo <= x <= hi]
            extents = [t.get_window_extent(renderer) for t in labels]
            boxes.append((min(b.x0 for b in extents), max(b.x1 for b in extents)))
        gap = 2 * 10 * fig.dpi / 72  # two characters of the 10-point tick font, in pixels
        for (_, right), (left, _) in zip(boxes[:-1], boxes[1:], strict=True):
            assert left - right >= gap, boxes
    finally:
        plt.close(fig)


@pytest.mark.parametrize("draws", [60, 120])  # below ECDF_BELOW ArviZ draws each chain's ECDF, from it on its KDE
def test_trace_plot_draws_arviz_plot_trace_dist_lines(draws):
    """trace_plot draws with matplotlib what ArviZ's plot_trace_dist draws: per chain the same KDE (or
    ECDF) in the density panel (no y ticks) and the same draws in the trace panel, in the same colour."""
    import arviz as az

    assert (draws < ECDF_BELOW) == (draws == 60)
    post = _posterior(draws=draws)
    fig = trace_plot(post, "trace")
    pc = az.plot_trace_dist(post, var_names=["pi1", "mu", "sigma"], compact=False)
    try:
        dist = {ax.get_xlabel(): ax for ax in fig.axes if ax.get_xlabel() != "Draw"}
        trace = {ax.get_ylabel(): ax for ax in fig.axes if ax.get_xlabel() == "Draw"}
        assert list(dist) == list(trace) == ["pi1", "mu1", "mu2", "sigma"]
        assert all(len(ax.get_yticks()) == 0 for ax in dist.values())
        for name in dist:
            var, sel = ("mu", {"component": int(name[-1])}) if name.startswith("mu") else (name, {})
            for chain, ours, drawn in zip((0, 1, 2), dist[name].get_lines(), trace[name].get_lines(), strict=True):
                kde = pc.get_viz("dist", var, {**sel, "chain": chain})
                np.testing.assert_array_equal(ours.get_xydata(), kde.get_xydata())
                assert ours.get_drawstyle() == kde.get_drawstyle()
                assert matplotlib.colors.same_color(ours.get_color(), kde.get_color())
                assert matplotlib.colors.same_color(drawn.get_color(), kde.get_color())
                np.testing.assert_array_equal(drawn.get_ydata(), post["posterior"][var].sel(chain=chain, **sel).values)
    finally:
        plt.close(fig)
        plt.close(pc.get_viz("figure"))
