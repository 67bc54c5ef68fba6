"""The teaching report of ``emvb pitfalls``: markdown with the numbers, code side by side, PNG figures.

Input is a :class:`compare.pitfalls.Pitfalls` record; output is a folder holding ``README.md``,
``pitfalls.json`` (the numbers, machine-readable) and one figure per mistake. The code shown is read
from the functions themselves with :mod:`inspect`, so the report can never show a line the program
does not run: faulty lines carry a ``# FAULTY`` marker, correct lines are found in the real source.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import json
import re
import textwrap
from pathlib import Path

import numpy as np
from scipy.special import ndtr

import em
from em import faulty
from models.density import component_logpdf, pdf
from models.params import PARAM_NAMES, MixtureParams
from models.simulate import draw

from .pitfalls import ORIGINAL_ITERATIONS, Pitfalls, Run

FIGURES = {
    "density_values": "pitfall1_density_values.png",
    "randn_labels": "pitfall2_randn_labels.png",
    "one_component_sigma": "pitfall3_one_component_sigma.png",
    "precedence": "pitfall4_precedence.png",
}
FAULTY_COLOR, CORRECT_COLOR, TRUTH_COLOR = "#d62728", "#1f77b4", "black"


# -- code extraction ----------------------------------------------------------------------------


def code_lines(func, *needles: str) -> list[str]:
    """The stripped source lines of ``func`` containing each needle (one line per needle, in order).

    Raises ``LookupError`` if a needle is missing, so a change in the real code breaks the report
    loudly instead of showing a stale line.
    """
    src = inspect.getsource(func).splitlines()
    out = []
    for needle in needles:
        hits = [ln.strip() for ln in src if needle in ln]
        if not hits:
            raise LookupError(f"{func.__module__}.{func.__qualname__}: no line contains {needle!r}")
        out.append(hits[0])
    return out


def code_body(func) -> list[str]:
    """Source lines of ``func`` without its docstring and with the def line's name made neutral."""
    src = textwrap.dedent(inspect.getsource(func))
    fn = ast.parse(src).body[0]
    lines = src.splitlines()
    doc = ast.get_docstring(fn, clean=False)
    first = fn.body[1].lineno if doc is not None and len(fn.body) > 1 else fn.body[0].lineno
    return ["def m_step(x, r1) -> MixtureParams:"] + lines[first - 1:]


def m_step_diff() -> str:
    """Unified diff of the real :func:`em.m_step` and :func:`em.faulty.m_step_one_component` bodies."""
    real, bad = code_body(em.m_step), code_body(faulty.m_step_one_component)
    return "\n".join(difflib.unified_diff(real, bad, "em.m_step (real)", "em.faulty.m_step_one_component",
                                          n=1, lineterm=""))


def side_by_side(faulty_lines: list[str], correct_lines: list[str], faulty_src: str, correct_src: str) -> str:
    """A two-column markdown table, faulty left, correct right, one source line per row."""
    rows = [f"| faulty (`{faulty_src}`) | correct (`{correct_src}`) |", "|---|---|"]
    for i in range(max(len(faulty_lines), len(correct_lines))):
        a = faulty_lines[i] if i < len(faulty_lines) else ""
        b = correct_lines[i] if i < len(correct_lines) else ""
        rows.append(f"| {'`' + a + '`' if a else ''} | {'`' + b + '`' if b else ''} |")
    return "\n".join(rows)


# -- small formatting helpers -------------------------------------------------------------------


def fmt_params(p: MixtureParams, digits: int = 4) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in p.to_array())


def params_table(rows: list[tuple[str, MixtureParams, str]], extra: str = "log-likelihood") -> str:
    head = "| | " + " | ".join(PARAM_NAMES) + f" | {extra} |"
    out = [head, "|---" * (len(PARAM_NAMES) + 2) + "|"]
    for name, p, last in rows:
        out.append(f"| {name} | " + " | ".join(f"{v:.4f}" for v in p.to_array()) + f" | {last} |")
    return "\n".join(out)


def fit_monotone_text(fit) -> str:
    if fit.decreases == 0:
        return f"never decreases in {fit.n_iter} iterations"
    return f"decreases at {fit.decreases} of {fit.n_iter} iterations"


def monotone_text(run: Run) -> str:
    d = run.decreases
    if d.size == 0:
        return f"never decreases in {run.n_iter} iterations"
    return (f"decreases at {d.size} of {run.n_iter} iterations (first at iteration {d[0]}, "
            f"largest drop {run.largest_drop:.3g})")


# -- figures ------------------------------------------------------------------------------------


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 10, "axes.titlesize": 11, "figure.dpi": 110})
    return plt


def fig_density_values(r, path: Path) -> None:
    plt = _plt()
    dv = r.density_values
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.6), constrained_layout=True)
    grid = np.linspace(*dv.positions, 800)
    k = min(dv.u.size, 400)  # a readable subset of the points
    ax[0].plot(grid, pdf(grid, dv.truth), color=TRUTH_COLOR, lw=1.5, label="mixture density p(u)")
    ax[0].scatter(dv.u[:k], dv.heights[:k], s=6, color=FAULTY_COLOR, label="heights h = p(u), u uniform")
    ax[0].set(xlabel="position u", ylabel="density height",
              title="(a) what was computed: heights at uniform u")
    ax[0].legend(loc="upper left", fontsize=9)

    h = dv.heights
    ax[1].hist(h, bins=80, density=True, color="#bbbbbb", label="the 'data': heights")
    hg = np.linspace(h.min() - 0.02, h.max() + 0.02, 600)
    ax[1].plot(hg, pdf(hg, dv.on_heights.params), color=FAULTY_COLOR, lw=1.8,
               label=f"EM fit after {dv.on_heights.n_iter} iterations")
    ax[1].plot(hg, pdf(hg, dv.reported), color="#555555", lw=1.4, ls="--",
               label="estimate reported by the original run")
    ax[1].set(xlabel="value of the 'data' (a density height)", ylabel="density",
              title="(b) faulty: real EM on the heights")
    ax[1].set_xlim(hg[0], hg[-1])
    ax[1].legend(loc="upper right", fontsize=9)

    x = dv.x
    ax[2].hist(x, bins=80, density=True, color="#bbbbbb", label="draws x ~ mixture")
    xg = np.linspace(x.min(), x.max(), 600)
    ax[2].plot(xg, pdf(xg, dv.truth), color=TRUTH_COLOR, lw=1.2, ls="--", label="truth")
    ax[2].plot(xg, pdf(xg, dv.correct.params), color=CORRECT_COLOR, lw=1.8, label="em.fit")
    ax[2].set(xlabel="x", ylabel="density", title="(c) correct: real EM on draws")
    ax[2].legend(loc="upper left", fontsize=9)
    fig.savefig(path)
    plt.close(fig)


def fig_randn_labels(r, path: Path) -> None:
    plt = _plt()
    rl = r.randn_labels
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True, width_ratios=[1.6, 1])
    both = np.concatenate([rl.x_randn, rl.x_correct])
    bins = np.linspace(both.min(), both.max(), 80)
    ax[0].hist(rl.x_randn, bins=bins, density=True, histtype="step", lw=1.6, color=FAULTY_COLOR,
               label="labels randn() < pi1 (faulty)")
    ax[0].hist(rl.x_correct, bins=bins, density=True, histtype="step", lw=1.6, color=CORRECT_COLOR,
               label="labels rand() < pi1 (correct)")
    ax[0].plot(bins, pdf(bins, rl.truth), color=TRUTH_COLOR, ls="--", lw=1.2,
               label=f"intended: pi1 = {rl.truth.pi1:g}")
    ax[0].set(xlabel="x", ylabel="density", title="(a) the two samplers' data, same seed")
    ax[0].legend(loc="upper left", fontsize=9)

    names = ["faulty sampler", "correct sampler"]
    est = [rl.fit_randn.params.pi1, rl.fit_correct.params.pi1]
    se = [rl.fit_randn.se[0], rl.fit_correct.se[0]]
    ax[1].errorbar(est, [1, 0], xerr=[2 * s for s in se], fmt="o", color="black", capsize=5,
                   label="em.fit pi1 +- 2 SE")
    ax[1].axvline(rl.truth.pi1, color=CORRECT_COLOR, ls="--", label=f"pi1 = {rl.truth.pi1:g}")
    ax[1].axvline(rl.phi_pi1, color=FAULTY_COLOR, ls="--", label=f"Phi(pi1) = {rl.phi_pi1:.3f}")
    ax[1].set_yticks([1, 0], names)
    ax[1].set_ylim(-0.6, 1.6)
    ax[1].set_xlim(0.2, 0.72)
    ax[1].set(xlabel="estimated weight of component 1", title="(b) what the real EM recovers")
    ax[1].legend(loc="center", fontsize=9)
    fig.savefig(path)
    plt.close(fig)


def fig_one_component_sigma(r, path: Path) -> None:
    plt = _plt()
    oc = r.one_component_sigma
    fig, ax = plt.subplots(1, 2, figsize=(13, 4.8), constrained_layout=True)
    x = oc.x
    xg = np.linspace(x.min(), x.max(), 800)
    ax[0].hist(x, bins=100, density=True, color="#bbbbbb",
               label=f"data: component sds {oc.sigmas[0]:g} and {oc.sigmas[1]:g}")
    ax[0].plot(xg, pdf(xg, oc.mle.params), color=CORRECT_COLOR, lw=1.8,
               label=f"MLE (em.fit): sigma = {oc.mle.params.sigma:.3f}")
    ax[0].plot(xg, pdf(xg, oc.faulty.params), color=FAULTY_COLOR, lw=1.8,
               label=f"faulty fixed point: sigma = {oc.faulty.params.sigma:.3f}")
    ax[0].set(xlabel="x", ylabel="density", title="(a) where each M-step's iteration ends")
    ax[0].set_ylim(top=1.3 * ax[0].get_ylim()[1])  # room for the legend above the curves
    ax[0].legend(loc="upper right", fontsize=9)

    floor = 1e-8  # the gap of a converged correct run reaches rounding level: clip for the log axis
    for run, color, name in ((oc.correct, CORRECT_COLOR, "real M-step (pooled sigma)"),
                             (oc.faulty, FAULTY_COLOR, "faulty M-step (component 1's sigma)")):
        gap = np.maximum(oc.mle.loglik - run.trace, floor)
        it = np.arange(run.n_iter + 1)  # 0 is the start
        ax[1].plot(it, gap, color=color, lw=1.5, label=name)
        d = run.decreases
        if d.size:
            ax[1].plot(it[d], gap[d], "v", color=color, ms=5, ls="none",
                       label=f"log-likelihood went down ({d.size} steps)")
    ax[1].set_yscale("log")
    ax[1].set_ylim(top=10 * ax[1].get_ylim()[1])  # keep the faulty plateau off the frame
    ax[1].set(xlabel="iteration (0 = the common start)",
              ylabel="l(MLE) - l(iterate)   (log scale, floor 1e-8)",
              title="(b) log-likelihood below the maximum, per iteration")
    ax[1].legend(loc="lower left", fontsize=9)
    fig.savefig(path)
    plt.close(fig)


def fig_precedence(r, path: Path) -> None:
    plt = _plt()
    pr = r.precedence
    p = pr.params
    fig, ax = plt.subplots(figsize=(9, 4.6), constrained_layout=True)
    lo, hi = min(p.mu1, p.mu2) - 4 * p.sigma, max(p.mu1, p.mu2) + 4 * p.sigma
    m = (pr.grid >= lo) & (pr.grid <= hi)
    ax.plot(pr.grid[m], pr.true_pdf[m], color=CORRECT_COLOR, lw=2,
            label=f"correct  exp(-(x-mu)**2 / (2*sigma**2)): area {pr.area_true:.4f}")
    ax.plot(pr.grid[m], pr.faulty_pdf[m], color=FAULTY_COLOR, lw=2,
            label=f"faulty   exp(-(x-mu)**2 / 2*sigma**2): area {pr.area_faulty:.4f} = 1/sigma^2")
    ax.set(xlabel="x", ylabel="density",
           title=f"The mixture at {p}\nfaulty bells: same peaks, "
           f"sd 1/sigma = {1 / p.sigma:g} instead of sigma = {p.sigma:g}")
    ax.set_ylim(top=1.25 * ax.get_ylim()[1])  # room for the legend
    ax.legend(loc="upper left", fontsize=9)
    fig.savefig(path)
    plt.close(fig)


# -- markdown -----------------------------------------------------------------------------------


def _section_density_values(r: Pitfalls) -> str:
    dv = r.density_values
    h, ho = dv.heights, dv.heights_original
    t = dv.truth
    peak1, peak2 = (w / (t.sigma * np.sqrt(2 * np.pi)) for w in (t.pi1, 1 - t.pi1))
    lo, hi = dv.positions
    width = hi - lo
    mass = float(np.sum([w * (ndtr((hi - m) / t.sigma) - ndtr((lo - m) / t.sigma))
                         for w, m in ((t.pi1, t.mu1), (1 - t.pi1, t.mu2))]))
    between = np.linspace(min(t.mu1, t.mu2), max(t.mu1, t.mu2), 2001)
    valley = float(pdf(between, t).min())
    code = side_by_side(
        code_lines(faulty.density_values_data, "rng.uniform(", "# FAULTY"),
        code_lines(draw, "rng.random(n)", "rng.normal("),
        "em/faulty.py: density_values_data", "models/simulate.py: draw",
    )
    rows = [
        ("reported by the original program (METHODS §6)", dv.reported, "not recorded"),
        (f"mistake 1 alone: real EM, {dv.on_heights.n_iter} iterations on the heights", dv.on_heights.params,
         f"{dv.on_heights.loglik:.1f} (of the heights)"),
        (f"all four mistakes: our reconstruction, {dv.original.n_iter} iterations", dv.original.params,
         f"{dv.original.loglik:.1f} (of its heights)"),
        ("correct: em.fit on draws from the mixture", dv.correct.params, f"{dv.correct.loglik:.1f}"),
        ("truth", dv.truth, ""),
    ]
    return f"""## 1. Fitting EM to density values instead of samples

**What went wrong.** The original program evaluated the mixture density at uniform positions,
`h = gauss_mix(u)` with `u ~ Uniform{dv.positions}`, and handed the *heights* `h` to EM as if they were
observations. EM then fits a two-component mixture to numbers that are density heights: here they lie in
[{h.min():.4f}, {h.max():.4f}] (the density peaks at pi1 / (sigma sqrt(2 pi)) = {peak1:.3f} over mu1 and
(1 - pi1) / (sigma sqrt(2 pi)) = {peak2:.3f} over mu2), their mean is {h.mean():.4f} (the density's mass
inside the interval divided by its width, {mass:.4f} / {width:g} = {mass / width:.4f}) and their sd is
{h.std():.4f}. Every estimate therefore comes out on the scale of a density height, a few hundredths,
never near mu1 = {dv.truth.mu1:g} or mu2 = {dv.truth.mu2:g}. The heights also pile up wherever the curve
is flat (the valley between the means at {valley:.4f} and the two peaks), because a height h is hit by
all positions where p(u) is close to h, about 1/|p'(u)| of them. So the histogram of `h` (panel b) has
spikes, and the fitted components sit on those piles, not on anything in x.

**The original numbers.** The run reported `[{fmt_params(dv.reported)}]` after {ORIGINAL_ITERATIONS}
iterations:
mu1 and mu2 almost equal, both on the scale of a density height, and a sigma
{dv.reported.sigma / (0.5 * (dv.reported.mu1 + dv.reported.mu2)):.1f} times the means. METHODS §6 records
neither the truth, the positions' interval, N, the start nor which of the
other mistakes were active in that run, so those exact numbers cannot be rerun; here are two
reconstructions with the default truth, each {ORIGINAL_ITERATIONS} iterations from the same start `(0.5,
q25, q75, sd)`
of its "data":

- *Mistake 1 alone* (the real EM map on heights of the real density): EM does its job on the wrong
  numbers and finds the piles of heights, {_describe(dv.on_heights.params)}.
- *All four mistakes* (heights of the precedence-bug density, the same density in the E-step, the
  one-component sigma): the E-step's bell has sd 1/sigma, about {1 / dv.original.params.sigma:.0f} here,
against
  "data" spread over a few hundredths, so every point gets the same responsibility. Then pi1 stays where
  it started, both means land on the mean height and sigma on the heights' sd:
  `[{fmt_params(dv.original.params)}]` against mean {ho.mean():.4f} and sd {ho.std():.4f}.

The reported run has the second pattern (mu1 ~ mu2, sigma several times the means). If that is the
mechanism, its "data" had mean about {0.5 * (dv.reported.mu1 + dv.reported.mu2):.3f} and sd about
{dv.reported.sigma:.3f}
(the collapse point), which a different truth, interval or density from ours would give. Either way no
estimate can come near
(pi1, mu1, mu2, sigma) = ({fmt_params(dv.truth, 1)}): EM was never shown a draw from the mixture.

{code}

![pitfall 1]({FIGURES["density_values"]})

{params_table(rows)}

Monotonicity of the log-likelihood (a step counts as a decrease when l[t] - l[t-1] < -1e-10 |l[t]|):
mistake 1 alone: {monotone_text(dv.on_heights)}; all four mistakes: {monotone_text(dv.original)};
em.fit on the draws: {fit_monotone_text(dv.correct)}.

Louis SEs of the correct fit:
{", ".join(f"{n} {s:.4f}" for n, s in zip(PARAM_NAMES, dv.correct.se, strict=True))}.
"""


def _describe(p: MixtureParams) -> str:
    return (f"pi1 = {p.pi1:.3f} of the weight on heights near {p.mu1:.3f} and the rest near {p.mu2:.3f}, "
            f"sigma = {p.sigma:.3f}")


def _section_randn(r: Pitfalls) -> str:
    rl = r.randn_labels
    fr, fc = rl.fit_randn, rl.fit_correct
    code = side_by_side(code_lines(faulty.draw_randn_labels, "# FAULTY"),
                        code_lines(draw, "rng.random(n)"),
                        "em/faulty.py: draw_randn_labels", "models/simulate.py: draw")
    phi, pi1 = rl.phi_pi1, rl.truth.pi1
    se_phi, se_pi = rl.binomial_se(phi), rl.binomial_se(pi1)
    rows = [
        ("EM on the randn-label data", fr.params, f"{fr.loglik:.1f}"),
        ("EM on the correct data", fc.params, f"{fc.loglik:.1f}"),
        ("truth as intended", rl.truth, ""),
    ]
    return f"""## 2. Labels drawn with `randn() < pi1`

**What went wrong.** `randn()` is a standard normal draw, so `P(randn() < pi1) = Phi(pi1)`:
for pi1 = {rl.truth.pi1:g} that is {rl.phi_pi1:.4f}, not {rl.truth.pi1:g}. The data really come from a
mixture with
weight {rl.phi_pi1:.3f} on component 1; a *correct* EM then estimates that weight and looks as if it
"misses" the truth. The bug is in the simulator, and the estimator is blamed.

{code}

![pitfall 2]({FIGURES["randn_labels"]})

| | faulty sampler | correct sampler |
|---|---|---|
| share of label 1 among the {rl.n} draws | {rl.weight_randn:.4f} | {rl.weight_correct:.4f} |
| expected share (binomial SE) | Phi(pi1) = {rl.phi_pi1:.4f} ({se_phi:.4f}) | pi1 = {pi1:.4f} ({se_pi:.4f}) |
| em.fit pi1 +- Louis SE | {fr.params.pi1:.4f} +- {fr.se[0]:.4f} | {fc.params.pi1:.4f} +- {fc.se[0]:.4f} |
| (pi1_hat - Phi) / SE | {(fr.params.pi1 - phi) / fr.se[0]:+.2f} | {(fc.params.pi1 - phi) / fc.se[0]:+.1f} |
| (pi1_hat - pi1) / SE | {(fr.params.pi1 - pi1) / fr.se[0]:+.1f} | {(fc.params.pi1 - pi1) / fc.se[0]:+.2f} |

{params_table(rows)}

Monotonicity: em.fit's log-likelihood trace on the faulty data {fit_monotone_text(fr)}, on the
correct data {fit_monotone_text(fc)}: the estimator works, the data are wrong.

The EM on the faulty data recovers Phi(pi1) ({abs(fr.params.pi1 - rl.phi_pi1) / fr.se[0]:.1f} SEs away) and is
{abs(fr.params.pi1 - rl.truth.pi1) / fr.se[0]:.0f} SEs away from pi1; the same EM on correctly drawn data
recovers
pi1 ({abs(fc.params.pi1 - rl.truth.pi1) / fc.se[0]:.1f} SEs away). mu1, mu2 and sigma are estimated well
by both: only the
weight was drawn wrongly.
"""


def _section_sigma(r: Pitfalls) -> str:
    oc = r.one_component_sigma
    z = oc.mle.z(oc.faulty.params)
    ze = oc.mle_equal.z(oc.faulty_equal_from_mle.params)
    rows = [
        ("MLE (em.fit, restarts)", oc.mle.params, f"{oc.mle.loglik:.2f}"),
        (f"real EM map from the quartile start ({oc.correct.n_iter} it.)", oc.correct.params,
         f"{oc.correct.loglik:.2f}"),
        (f"faulty EM map from the same start ({oc.faulty.n_iter} it.)", oc.faulty.params,
         f"{oc.faulty.loglik:.2f}"),
    ]
    eq_rows = [
        ("MLE (em.fit)", oc.mle_equal.params, f"{oc.mle_equal.loglik:.2f}"),
        ("faulty map started at the MLE", oc.faulty_equal_from_mle.params,
         f"{oc.faulty_equal_from_mle.loglik:.2f}"),
        ("faulty map from the quartile start", oc.faulty_equal_from_start.params,
         f"{oc.faulty_equal_from_start.loglik:.2f}"),
    ]
    s1, s2 = oc.sigmas
    t = oc.truth
    pooled = np.sqrt(t.pi1 * s1**2 + (1 - t.pi1) * s2**2)
    return f"""## 3. The shared-sigma M-step from component 1's responsibilities only

**What went wrong.** With a shared sigma the M-step must pool the residuals of *both* components,
`sigma^2 = [sum r1 (x - mu1)^2 + sum r2 (x - mu2)^2] / N`. The faulty update uses component 1's weighted
variance `sum r1 (x - mu1)^2 / N1`. That is not the maximiser of EM's Q function for this model, so the
iteration is no longer EM: its fixed point need not be the MLE, and the log-likelihood need not increase
(Dempster, Laird & Rubin 1977). The diff between the real and the faulty M-step is one line:

```diff
{m_step_diff()}
```

**The data.** If both components really have the same spread, component 1's weighted variance and the
pooled one estimate the same sigma^2, and started at the MLE the faulty map stays within sampling error
of it (control below): the bug can hide. So the demonstration data have components of unequal spread,
sds {s1:g} (component 1, weight {t.pi1:g}, mean {t.mu1:g}) and {s2:g} (component 2, mean {t.mu2:g}), N =
{oc.x.size}:
the shared-sigma MLE balances the two spreads (sigma = {oc.mle.params.sigma:.3f}; the pooled sd of the
truth is
sqrt({t.pi1:g} * {s1:g}^2 + {1 - t.pi1:g} * {s2:g}^2) = {pooled:.3f}), while the faulty update listens to
the narrow
component only and ends at sigma = {oc.faulty.params.sigma:.3f}: above {s1:g}, because with one shared
sigma the E-step
hands component 1 part of component 2's left tail, and far below the MLE in units of its SE.

![pitfall 3]({FIGURES["one_component_sigma"]})

{params_table(rows)}

- log-likelihood gap l(MLE) - l(faulty fixed point) = **{oc.loglik_gap:.2f}**
- faulty - MLE in Louis SEs: {", ".join(f"{n} {v:+.1f}" for n, v in zip(PARAM_NAMES, z, strict=True))};
  jointly (Mahalanobis, sqrt(d' Cov^-1 d)) {oc.mle.mahalanobis(oc.faulty.params):.1f} SEs
- monotonicity (a step counts as a decrease when l[t] - l[t-1] < -1e-10 |l[t]|):
  real EM map: {monotone_text(oc.correct)}; faulty map: {monotone_text(oc.faulty)}
- both iterations {"reached" if oc.correct.converged and oc.faulty.converged else "did NOT both reach"} a
fixed
  point (largest parameter change <= 1e-10 (1 + max|theta|))

**Control: equal spreads** (the default truth, {oc.truth}, same seed). Started at the MLE the faulty map
moves only {oc.mle_equal.mahalanobis(oc.faulty_equal_from_mle.params):.2f} SEs jointly (per parameter:
{", ".join(f"{n} {v:+.2f}" for n, v in zip(PARAM_NAMES, ze, strict=True))}), log-likelihood gap
{oc.mle_equal.loglik - oc.faulty_equal_from_mle.loglik:.3f}. From the quartile start, though, it
{_collapse_text(oc.faulty_equal_from_start)} (log-likelihood {oc.faulty_equal_from_start.loglik:.2f},
{oc.mle_equal.loglik - oc.faulty_equal_from_start.loglik:.1f} below the MLE;
{monotone_text(oc.faulty_equal_from_start)}).

{params_table(eq_rows)}
"""


def _collapse_text(run: Run) -> str:
    p = run.params
    where = "ends" if run.converged else f"is still creeping after {run.n_iter} iterations"
    if abs(p.mu1 - p.mu2) < 0.1 * p.sigma:
        return (f"{where} towards a single normal "
                f"(mu1 = {p.mu1:.4f}, mu2 = {p.mu2:.4f}, sigma = {p.sigma:.3f}): "
                "with mu1 = mu2 every r1 equals pi1 and the faulty sigma is the sd of all the data, "
                "so every such point is a fixed point of the faulty map, and here an attracting one")
    return f"{where} at [{fmt_params(p)}]"


def _section_precedence(r: Pitfalls) -> str:
    pr = r.precedence
    p = pr.params
    code = side_by_side(code_lines(faulty.normal_pdf_precedence, "# FAULTY"),
                        code_lines(component_logpdf, "z = (", "return -0.5"),
                        "em/faulty.py: normal_pdf_precedence", "models/density.py: component_logpdf")
    lo, hi, npts, exact = pr.grid[0], pr.grid[-1], pr.grid.size, pr.area_faulty_exact
    a_true, a_bad = pr.area_true, pr.area_faulty
    peak_t = float(pdf(np.array([p.mu2]), p)[0])
    peak_f = float(faulty.pdf_precedence(np.array([p.mu2]), p)[0])
    return f"""## 4. `/ 2*sigma**2`: operator precedence in the density

**What went wrong.** `a / 2*b` is `(a / 2) * b` in Python, so `exp(-(x - mu)**2 / 2*sigma**2)` is
`exp(-(x - mu)^2 sigma^2 / 2)`: a bell with sd 1/sigma = {1 / p.sigma:g} instead of sigma = {p.sigma:g}, still
divided by `sigma sqrt(2 pi)`. Its peaks have the right height (the exponent is 0 at mu either way), but it
is sigma^2 = {p.sigma**2:g} times too narrow and its area is 1/sigma^2 = {pr.area_faulty_exact:g}, so it
is not a density.
At sigma = 1 both versions are identical, which is why a test with unit variance never catches it.
The intended line is `np.exp(-(x - mu)**2 / (2*sigma**2))`; the project computes the log density instead:

{code}

![pitfall 4]({FIGURES["precedence"]})

| | real density | precedence bug |
|---|---|---|
| area (trapezoid, {npts} points on [{lo:g}, {hi:g}]) | {a_true:.6f} | {a_bad:.6f} (exact {exact:g}) |
| sd of each bell | {p.sigma:g} | {1 / p.sigma:g} |
| height at mu2 = {p.mu2:g} | {peak_t:.4f} | {peak_f:.4f} |
"""


def markdown(r: Pitfalls, command: str) -> str:
    """The whole report as markdown."""
    return f"""# The original bug hunt, reproduced: four EM pitfalls next to the right way

Generated by `{command}` (seed {r.seed}, N = {r.n} points per data set). This project grew from a
student's EM for exactly this model (a two-component normal mixture with a shared sigma) that returned
nonsense. It made four mistakes (METHODS.md §6 of the project notes). For each one, the faulty version
(kept runnable
in the teaching module `em/faulty.py`, which the real estimator never uses) is run next to the real code
(`models.simulate`, `models.density`, `em`) on the same seed. The code lines shown are read from the
functions that ran. Standard errors are Louis (1982) observed-information SEs from `em.fit`; the numbers are
also in `pitfalls.json`.

{_section_density_values(r)}
{_section_randn(r)}
{_section_sigma(r)}
{_section_precedence(r)}"""


_MARKUP_START = re.compile(r"^\s*([-+*]|\d+[.)]|#+|>|\|)(\s|$)")


def _no_accidental_markup(lines: list[str]) -> list[str]:
    """Move words so that no continuation line starts like a list item, heading, quote or table row."""
    lines = list(lines)
    for i in range(1, len(lines)):
        while _MARKUP_START.match(lines[i]) and " " in lines[i - 1].strip():
            head, word = lines[i - 1].rsplit(" ", 1)
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i - 1], lines[i] = head, f"{indent}{word} {lines[i].lstrip()}"
    return lines


def reflow(md: str, width: int = 100) -> str:
    """Re-wrap paragraphs and list items of ``md`` to ``width``; tables, code, headings and images stay.

    A line may exceed ``width`` by one word where a word was moved down so that the next line does not
    start like a list item (``- ``, ``15. ``), which would turn prose into markup.

    The templates break lines wherever the source code needs it; this makes the raw file read well too.
    """
    out: list[str] = []
    block: list[str] = []
    fenced = False

    def flush() -> None:
        if not block:
            return
        items: list[list[str]] = []
        for ln in block:
            if ln.startswith("- ") or not items:
                items.append([ln.strip()])
            else:
                items[-1].append(ln.strip())
        for item in items:
            text = " ".join(item)
            indent = "  " if text.startswith("- ") else ""
            lines = textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False,
                                  break_long_words=False)
            out.extend(_no_accidental_markup(lines))
        block.clear()

    for ln in md.splitlines():
        if ln.startswith("```"):
            flush()
            fenced = not fenced
            out.append(ln)
        elif fenced or not ln.strip() or ln.startswith(("|", "#", "![")):
            flush()
            out.append(ln)
        else:
            block.append(ln)
    flush()
    return "\n".join(out) + "\n"


def numbers(r: Pitfalls) -> dict:
    """The report's numbers as plain JSON-ready data."""
    dv, rl, oc, pr = r.density_values, r.randn_labels, r.one_component_sigma, r.precedence

    def run(x: Run) -> dict:
        return {"params": x.params.to_dict(), "loglik": x.loglik, "n_iter": x.n_iter,
                "converged": x.converged,
                "decreases": int(x.decreases.size), "largest_drop": x.largest_drop}

    def fit(f) -> dict:
        se = dict(zip(PARAM_NAMES, f.se.tolist(), strict=True))
        return {"params": f.params.to_dict(), "loglik": f.loglik, "se": se, "n_iter": f.n_iter,
                "decreases": f.decreases}

    return {
        "seed": r.seed, "n": r.n,
        "density_values": {
            "reported": dv.reported.to_dict(), "positions": list(dv.positions),
            "heights": {"min": float(dv.heights.min()), "max": float(dv.heights.max()),
                        "mean": float(dv.heights.mean()), "sd": float(dv.heights.std())},
            "mistake1_alone": run(dv.on_heights), "all_four": run(dv.original), "correct": fit(dv.correct),
        },
        "randn_labels": {
            "phi_pi1": rl.phi_pi1, "weight_randn": rl.weight_randn, "weight_correct": rl.weight_correct,
            "fit_randn": fit(rl.fit_randn), "fit_correct": fit(rl.fit_correct),
        },
        "one_component_sigma": {
            "sigmas": list(oc.sigmas), "mle": fit(oc.mle), "correct": run(oc.correct), "faulty":
run(oc.faulty),
            "loglik_gap": oc.loglik_gap, "z": dict(zip(PARAM_NAMES, oc.mle.z(oc.faulty.params).tolist(),
strict=True)),
            "mahalanobis": oc.mle.mahalanobis(oc.faulty.params),
            "control_equal_spread":
{"mle": fit(oc.mle_equal), "faulty_from_mle": run(oc.faulty_equal_from_mle),
                                     "faulty_from_start": run(oc.faulty_equal_from_start),
                                     "mahalanobis_from_mle":
oc.mle_equal.mahalanobis(oc.faulty_equal_from_mle.params)},
        },
        "precedence":
{"params": pr.params.to_dict(), "area_true": pr.area_true, "area_faulty": pr.area_faulty,
                       "area_faulty_exact": pr.area_faulty_exact},
    }


def write_report(r: Pitfalls, folder, command: str) -> list[Path]:
    """Write ``README.md``, ``pitfalls.json`` and the four figures into ``folder``; return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f for f in FIGURES.values()]
    drawers = (fig_density_values, fig_randn_labels, fig_one_component_sigma, fig_precedence)
    for draw_fig, path in zip(drawers, paths, strict=True):
        draw_fig(r, path)
    (folder / "README.md").write_text(reflow(markdown(r, command)))
    (folder / "pitfalls.json").write_text(json.dumps(numbers(r), indent=2) + "\n")
    return [folder / "README.md", folder / "pitfalls.json", *paths]
