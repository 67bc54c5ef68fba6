"""report.figures: a stuck chain (every draw the same value) is drawn without a warning, and named.

`emvb run --truth 0.5,0,0.5,1 --n 500 --seed 2026` once gave an ordered-model chain that never moved
after warm-up; ArviZ's KDE of it warned "Your data appears to have a single value", which the CLI
turned into a traceback. The figure now marks the value with a line and the title names the chain.
"""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np

matplotlib.use("Agg")

from emvb.report.figures import stuck_chains, trace_plot  # noqa: E402

#: chain 0 stuck at this point (pi1, mu1, mu2, sigma); the other chains move.
STUCK_AT = np.array([0.142, -0.78, 0.35, 0.948])


def posterior_with_a_stuck_chain(chains: int = 3, draws: int = 200, stuck: bool = True):
    """A posterior DataTree laid out like the sampler's: chain 0 at :data:`STUCK_AT` throughout (if ``stuck``)."""
    import arviz as az

    rng = np.random.default_rng(5)
    theta = STUCK_AT + rng.normal(scale=[0.05, 0.1, 0.1, 0.05], size=(chains, draws, 4))
    if stuck:
        theta[0] = STUCK_AT
    return az.from_dict({"posterior": {"pi1": theta[..., 0], "mu": theta[..., 1:3], "sigma": theta[..., 3]}},
                        dims={"mu": ["component"]}, coords={"component": [1, 2]})


def test_stuck_chains_names_each_stuck_chain_and_value_and_nothing_else():
    post = posterior_with_a_stuck_chain()
    found = stuck_chains(post)
    assert [(var, sel) for var, sel, _ in found] == [
        ("pi1", {"chain": 0}), ("mu", {"chain": 0, "component": 1}), ("mu", {"chain": 0, "component": 2}),
        ("sigma", {"chain": 0})]
    assert [v for *_, v in found] == STUCK_AT.tolist()
    post["posterior"]["pi1"][0, 7] += 1e-9  # one draw off: that chain moved in pi1
    assert [var for var, *_ in stuck_chains(post)] == ["mu", "mu", "sigma"]


def test_trace_plot_of_a_stuck_chain_warns_nothing_and_marks_the_chain():
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = trace_plot(posterior_with_a_stuck_chain(), "Ordered model")
    try:
        assert "chain 0: every draw the same value" in fig.get_suptitle()
        marked = {round(line.get_xdata()[0], 6) for ax in fig.axes for line in ax.get_lines()
                  if line.get_linestyle() == "--" and len(set(line.get_xdata())) == 1}
        assert marked == set(STUCK_AT.round(6).tolist())  # one dashed line at each stuck value
    finally:
        plt.close(fig)


def test_trace_plot_of_moving_chains_has_the_plain_title():
    import matplotlib.pyplot as plt

    post = posterior_with_a_stuck_chain(stuck=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = trace_plot(post, "Ordered model")
    assert fig.get_suptitle() == "Ordered model" and stuck_chains(post) == []
    plt.close(fig)
