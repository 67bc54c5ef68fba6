"""The notebooks' figures (teaching/plots.py): projectable sizes, labelled y axes, a legend naming the chains."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

import emvb.teaching  # noqa: E402
from emvb.teaching import plots  # noqa: E402


def _tree(chains=3, draws=50, seed=0):
    rng = np.random.default_rng(seed)
    post = xr.Dataset({"pi1": (("chain", "draw"), rng.uniform(0.2, 0.4, (chains, draws))),
                       "mu": (("chain", "draw", "component"), rng.normal([5, 15], 0.1, (chains, draws, 2))),
                       "sigma": (("chain", "draw"), rng.normal(2, 0.05, (chains, draws)))},
                      coords={"chain": np.arange(chains), "draw": np.arange(draws), "component": [1, 2]})
    return xr.DataTree.from_dict({"posterior": post})


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_chain_traces_label_every_axis_and_name_every_chain():
    fig = plots.chain_traces(_tree(chains=3), "t")
    axes = fig.axes
    assert len(axes) == 8 and all(ax.get_ylabel() for ax in axes)
    assert [ax.get_ylabel() for ax in axes[::2]] == ["pi1", "mu1", "mu2", "sigma"]
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["chain 0", "chain 1", "chain 2"]


def test_figures_fit_a_1280_pixel_screen():
    """At the notebooks' dpi every figure is at most 1,240 pixels wide, and the style's fonts are >= 12 pt."""
    x = emvb.simulate(n=200, seed=1)
    figs = [plots.chain_traces(_tree(), "t"), plots.data_histograms([x], emvb.teaching.DEFAULT_TRUTH),
            plots.trace_changes({"a": [0.0, 1.0, 0.5]}, "t", marks={"a": [2]})]
    for fig in figs:
        assert fig.get_figwidth() * plots.DPI <= 1240
    assert min(v for k, v in plots.STYLE.items() if k != "figure.dpi") >= 12


def test_trace_changes_marks_each_decrease():
    fig = plots.trace_changes({"a": [0.0, 1.0, 0.5, 0.7, 0.2]}, "t", marks={"a": np.array([2, 4])})
    (ax,) = fig.axes
    marked = [line for line in ax.get_lines() if line.get_marker() == "v"]
    assert len(marked) == 1 and list(marked[0].get_xdata()) == [2, 4]
    np.testing.assert_allclose(marked[0].get_ydata(), [0.5, 0.2])


def test_mean_pairs_labels_both_axes_and_names_every_chain_and_the_diagonal():
    fig = plots.mean_pairs({"a": _tree(chains=2), "b": _tree(chains=2, seed=1)}, chains=2)
    assert len(fig.axes) == 2 and all(ax.get_xlabel() == "mu[1]" and ax.get_ylabel() == "mu[2]" for ax in fig.axes)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["chain 0", "chain 1", "mu[1] = mu[2]"]
    assert fig.get_figwidth() * plots.DPI <= 1240
    # every draw is drawn: 2 chains x 50 draws per panel
    assert sum(len(line.get_xdata()) for line in fig.axes[0].get_lines()[:2]) == 100


def test_bvm_and_bug_hunt_figures_are_lettered_to_be_projected():
    """The figures notebooks 2 and 4 take from the reports' modules: fonts >= 12 pt (legends >= 11),
    widest at most 1,280 pixels at the dpi they are drawn with."""
    from emvb.report import bvm_figures
    from emvb.teaching import figures

    assert min(bvm_figures.LABEL_FONT, bvm_figures.TITLE_FONT, figures.RC["font.size"]) >= 12
    assert figures.LEGEND_FONT >= 11 and 15 * figures.RC["figure.dpi"] <= 1280
