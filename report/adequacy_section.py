"""The report's "Is the model adequate?" section, its two posterior predictive figures, and the sentence
the lessons use when the model itself is rejected.

The text reads the ``/adequacy`` group of the comparison's tree (:func:`compare.facts.adequacy_facts`: every
verdict as :class:`adequacy.result.Adequacy` decided it, by :data:`adequacy.levels.ALPHA` and
:data:`adequacy.levels.PPP_TAIL`); the figures draw the checks themselves. This module only words and draws.
"""

from __future__ import annotations

import numpy as np

from ..adequacy.levels import ALPHA, PPP_TAIL
from ..adequacy.result import PosteriorPredictive
from ..files.tables import fmt_number as _g
from ..files.tables import md_table as _table

#: The section's figures: file name -> caption.
ADEQUACY_FIGURES = {
    "ppc_density.png": "posterior predictive check: the data's density against data sets simulated from the posterior",
    "ppc_statistics.png": "posterior predictive check: test statistics of the simulated data sets and of the data",
}
_LABELS = {"skewness": "skewness", "excess_kurtosis": "excess kurtosis", "share_beyond_3sd": "share beyond 3 sd"}


def _p(t: dict) -> str:
    return f"{t['p_value']:.3g} ± {t['mc_error']:.2g}"


#: The bootstrap tests whose rejection reads as misfit (the fit and the shared sigma); each has level
#: ALPHA, so a correct model draws at least one rejection in at most N_MISFIT_TESTS * ALPHA of data sets.
N_MISFIT_TESTS = 2


def false_alarm_text() -> str:
    """Why a model that generated the data can be rejected, with the rates the levels imply."""
    return (f"each test rejects a correct model in {100 * ALPHA:g}% of data sets, so at most "
            f"{100 * N_MISFIT_TESTS * ALPHA:g}% of data sets simulated from it ({N_MISFIT_TESTS} tests x "
            f"{100 * ALPHA:g}%) draw a rejection of the fit or of the shared sigma")


def _rejection_parts(a: dict) -> list[str]:
    """What each rejecting misfit test found, with its numbers."""
    shared, fit = a["shared_sigma"], a["fit"]
    parts = []
    if fit["rejects"]:
        reached = (f"is larger than in every one of the {fit['n_boot']}" if fit["n_exceed"] == 0 else
                   f"is reached in only {fit['n_exceed']} of the {fit['n_boot']}")
        parts.append(f"the Anderson-Darling distance from the data to the fitted mixture (A² = "
                     f"{fit['statistic']:.4g}) {reached} data sets simulated from the fit (p = {_p(fit)})"
                     + (f": {fit['why']}" if fit["why"] else ""))
    if shared["rejects"]:
        u = shared["unequal"]
        gain = shared["loglik_unequal"] - shared["loglik_shared"]
        parts.append(f"letting each component have its own sd ({u['sigma1']:.4g} and {u['sigma2']:.4g}) raises the "
                     f"log-likelihood by {gain:.4g} (p = {_p(shared)})")
    return parts


def verdict_sentence(a: dict, simulated: bool = False) -> str:
    """The section's bold conclusion, from the three bootstrap answers (:func:`compare.facts.adequacy_facts`).

    ``simulated``: the data were simulated from this model (the truth is known), so a rejection is
    a false alarm and is worded as one.
    """
    comp, shared, fit = a["components"], a["shared_sigma"], a["fit"]
    lvl = f"{100 * ALPHA:g}%"
    if fit["rejects"] or shared["rejects"]:
        parts = _rejection_parts(a)
        if simulated:
            return ("**The model is rejected at the " + lvl + " level although these data were simulated from it** "
                    "(the truth in the scenario above): " + "; and ".join(parts) + ". This is a false alarm: "
                    + false_alarm_text() + ". On data of unknown origin the same numbers would say that the model "
                    "does not fit.")
        return ("**The model does not fit these data.** At the " + lvl + " level, " + "; and ".join(parts) + ". "
                "EM's estimate below is, at best, the closest two-normal shared-sd approximation to these data (the "
                "maximum of a likelihood the data contradict), not a process that generated them; its standard "
                "errors and the posterior intervals assume the model holds, so they do not have their nominal "
                "meaning here.")
    if not comp["rejects"]:
        return (f"**A second component is not supported.** One normal fits about as well: the two-component "
                f"log-likelihood is only {comp['loglik_2'] - comp['loglik_1']:.3g} higher (2 log LR = "
                f"{comp['statistic']:.3g}, reached in {comp['n_exceed']} of {comp['n_boot']} data sets "
                f"simulated from one normal, p = {_p(comp)}) and BIC is "
                f"{'lower' if comp['bic_1'] < comp['bic_2'] else 'higher'} for one normal ({comp['bic_1']:.1f} vs "
                f"{comp['bic_2']:.1f}). The per-component parameters below (pi1, mu1, mu2) then describe "
                "an arbitrary split of one normal: their intervals are not evidence of two groups.")
    return (f"**The two-component shared-sigma mixture is adequate for these data at the {lvl} level**: two "
            f"components are supported (p = {_p(comp)}), a shared sigma is not rejected (p = {_p(shared)}) "
            f"and the fitted mixture reproduces the data (Anderson-Darling p = {_p(fit)}). Not rejected is "
            "not proven: these tests see misfit of the size n can resolve.")


def _tests_table(a: dict) -> str:
    comp, shared, fit = a["components"], a["shared_sigma"], a["fit"]
    rows = [["one or two components?", "LRT, 1 vs 2 normals (McLachlan 1987)",
             f"2 log LR = {_g(comp['statistic'], 5)}", _p(comp), comp["verdict"].replace("_", " ")],
            ["shared sigma?", f"LRT, shared vs unequal sds (sd ratio >= {shared['sigma_ratio_min']:g}, Hathaway 1985)",
             f"2 log LR = {_g(shared['statistic'], 4)}", _p(shared), shared["verdict"].replace("_", " ")],
            ["does the MLE reproduce the data?", "Anderson-Darling, refitted in every replicate",
             f"A² = {_g(fit['statistic'], 4)}", _p(fit), fit["verdict"].replace("_", " ")]]
    return _table(["question", "parametric-bootstrap test", "statistic", "p-value ± MC error", "verdict"], rows)


def _ppc_text(ppc: dict) -> str:
    stats = ppc["statistics"]
    rows = [[_LABELS.get(k, k), _g(s["observed"], 4), f"[{_g(s['replicated_low'], 4)}, {_g(s['replicated_high'], 4)}]",
             f"{s['ppp']:.3f}", s["verdict"].replace("_", " ")] for k, s in stats.items()]
    level = int(round(100 * (1 - 2 * PPP_TAIL)))
    extreme = [_LABELS.get(k, k) for k, s in stats.items() if s["verdict"] == "extreme"]
    text = (f"\n**Posterior predictive check** (ordered model): {ppc['draws']} posterior draws, each simulating a data "
            f"set of n points; ppp = share of simulated data sets whose statistic exceeds the data's (extreme when "
            f"below {PPP_TAIL:g} or above {1 - PPP_TAIL:g}; ppp-values are conservative, so an extreme one is strong "
            f"evidence). The share beyond 3 sd uses the fitted mixture's mean {ppc['center']:.4g} and sd "
            f"{ppc['scale']:.4g}.\n\n")
    text += _table(["statistic", "data", f"simulated, central {level}%", "ppp", "verdict"], rows)
    text += ("\n" + (f"The posterior does not reproduce the data's {', '.join(extreme)}." if extreme else
                     "Every statistic of the data lies within the range of the data simulated from the posterior.")
             + "\n")
    return text + "\n" + "\n".join(f"![{desc}]({name})\n" for name, desc in ADEQUACY_FIGURES.items())


def adequacy_section(a: dict, simulated: bool) -> str:
    """The section's markdown from :func:`compare.facts.adequacy_facts`; ``simulated``: the data were simulated
    from this model (a known truth), so a rejection is a false alarm."""
    comp, shared = a["components"], a["shared_sigma"]
    text = "## Is the model adequate?\n\n"
    text += (f"Three questions about the maximum-likelihood fit, each answered by a parametric bootstrap with "
             f"B = {a['n_boot']} simulated data sets (seed {a['seed']}); a test rejects when p <= {ALPHA:g}. p = (1 + "
             "number of simulated statistics >= the data's) / (B + 1); its Monte-Carlo error is sqrt(p (1 - p) / B)."
             "\n\n")
    text += _tests_table(a)
    text += (f"\nBIC (lower is better): one normal {comp['bic_1']:.1f}, two normals with a shared sd "
             f"{comp['bic_2']:.1f}, two normals with their own sds {shared['bic_unequal']:.1f}.\n\n")
    text += verdict_sentence(a, simulated=simulated) + "\n"
    return text + (_ppc_text(a["ppc"]) if "ppc" in a else "")


def misfit_reason(a: dict, simulated: bool) -> str | None:
    """Why EM and the posterior may part ways when the model itself is at fault (None if it is not)."""
    if a["adequate"]:
        return None
    if a["rejected_fit"]:
        if simulated:
            return None  # a false alarm (the data came from the model): the reason lies elsewhere
        return ("This is not a matter of overlap or small n: the model itself is rejected (\"Is the model "
                "adequate?\"), so both fits aim at the closest two-normal approximation to data that are not a "
                "two-normal mixture, and neither interval has its nominal meaning.")
    return (f"One normal fits about as well (bootstrap p = {a['components']['p_value']:.3g} for a second component): "
            "the components are not identified by the data, the likelihood is far from quadratic in pi1, mu1 and "
            "mu2, and Wald and posterior intervals part ways for that reason.")


def adequacy_lessons(a: dict, simulated: bool, unconverged: tuple[str, ...] = ()) -> list[str]:
    """A lesson when the model is rejected or one component suffices (none when it is adequate).
    ``unconverged``: the posterior models whose chains have not converged (section 4), said beside the
    posterior in the misfit lesson, whose intervals then describe nothing yet."""
    if a["adequate"]:
        return []
    if a["rejected_fit"]:
        what = ("the fitted mixture does not reproduce the data" if a["fit"]["rejects"] else
                "the two components need their own sds")
        p = min(a["fit"]["p_value"], a["shared_sigma"]["p_value"])
        if simulated:
            return [f"- **A rejection is evidence, not proof.** These data were simulated from the model, yet a "
                    f"bootstrap test says {what} (p = {p:.3g}): "
                    f"{false_alarm_text()}. On real data, one such rejection is a reason to look closer (the "
                    "figures, more data), not a proof that the model is wrong."]
        return [f"- **Check the model before the estimates.** Here {what} (bootstrap p = "
                f"{p:.3g}): EM found the maximum of a likelihood "
                "the data contradict, and the posterior is computed under that same model"
                + (f" (whose chains have not even converged here: {', '.join(unconverged)}, section 4, so its "
                   "intervals describe nothing yet)" if unconverged else "")
                + ". Agreement between EM and the posterior says nothing about whether the model is right."]
    m, s = a["components"]["normal"]
    return [f"- **A second component is not supported** (bootstrap p = {a['components']['p_value']:.3g}): an interval "
            "for mu1 or mu2 may be an interval for one arbitrary split of one normal. One normal "
            f"(mean {m:.4g}, sd {s:.4g}) is not rejected against two, which does not show that the data are one "
            "normal: two components closer than this test can resolve at this n would give the same answer."]


def adequacy_figures(ppc: PosteriorPredictive | None, x) -> dict:
    """``{"ppc_density.png": () -> Figure, "ppc_statistics.png": ...}`` of the posterior predictive check ``ppc``
    of data ``x``; empty without one."""
    if ppc is None:
        return {}
    return {"ppc_density.png": lambda: ppc_density_figure(x, ppc),
            "ppc_statistics.png": lambda: ppc_statistics_figure(ppc)}


def ppc_density_figure(x, ppc):
    """ArviZ ``plot_ppc_dist``: the data's density over those of the kept simulated data sets (in the
    data's :func:`report.figures.display_unit`)."""
    import arviz as az

    from .figures import display_unit, unit_note

    unit = display_unit(x)
    x = np.asarray(x, dtype=float) / unit
    dt = az.from_dict({"posterior_predictive": {"x": ppc.examples[None] / unit}, "observed_data": {"x": x}})
    lo, hi = np.quantile(x, [0.001, 0.999])
    pc = az.plot_ppc_dist(dt, num_samples=ppc.examples.shape[0], figure_kwargs={"figsize": (8, 4)})
    ax = pc.get_target("x", {})
    ax.set_xlim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    ax.set_title(f"Data (black) and {ppc.examples.shape[0]} data sets simulated from the posterior"
                 + unit_note(unit), fontsize=10)
    fig = pc.get_viz("figure")
    fig.tight_layout()
    return fig


def ppc_statistics_figure(ppc):
    """Histogram of each statistic over the simulated data sets, its central ``1 - 2 PPP_TAIL`` interval
    shaded and the data's value dashed.

    Drawn with matplotlib: a statistic can take one value in every simulated data set (the share beyond
    3 sd is 0 in all of them for small, well-separated data), which ArviZ's histogram bins cannot take.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig, axes = plt.subplots(1, len(ppc.statistics), figsize=(12, 3.4), squeeze=False)
    level = int(round(100 * (1 - 2 * PPP_TAIL)))
    for ax, s in zip(axes[0], ppc.statistics, strict=True):
        r = np.asarray(s.replicated, dtype=float)
        lo, hi = np.quantile(r, [PPP_TAIL, 1.0 - PPP_TAIL])
        left, right = min(r.min(), s.observed), max(r.max(), s.observed)
        pad = 0.05 * (right - left) or 0.5 * max(abs(right), 1e-3)  # one value everywhere: a visible width
        ax.hist(r, bins=min(40, max(10, int(np.sqrt(r.size)))), range=(left - pad, right + pad), color="C0",
                alpha=0.7, label="simulated data sets")
        ax.axvspan(lo, hi, color="C0", alpha=0.12, lw=0, label=f"central {level}%")
        ax.axvline(s.observed, color="black", lw=1.5, ls="--", label="data")
        ax.set_title(f"{_LABELS.get(s.name, s.name)}: data {s.observed:.3g}, ppp {s.ppp:.3f}", fontsize=10)
        ax.set_yticks([])
        # Few, short tick labels: long ones (0.00015, -0.650) ran into the neighbouring panel's.
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
    axes[0][0].legend(fontsize=8, frameon=False)
    fig.suptitle("Test statistics of data simulated from the posterior (histogram) and of the data (dashed)",
                 fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig
