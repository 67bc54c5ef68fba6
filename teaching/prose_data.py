"""Sections 1 and 2 of the teaching report: the two mistakes in the data EM was given.

1. density heights at uniform positions used as observations;
2. labels drawn with ``randn() < pi1``, so component 1's weight is ``Phi(pi1)``.

Each section is built from named paragraphs; the numbers come from the records of
:mod:`teaching.pitfalls`, and the functions here only format them.
"""

from __future__ import annotations

from ..models.params import MixtureParams
from ..models.simulate import draw
from . import faulty
from .figures import FIGURES
from .phrases import DECREASE_RULE, fit_monotone_text, fmt_params, monotone_text, params_table, per_param
from .pitfalls import ORIGINAL_ITERATIONS, DensityValues, Pitfalls, RandnLabels
from .source import code_lines, side_by_side

# -- 1. density values instead of samples --------------------------------------------------------


def _heights_what_went_wrong(dv: DensityValues) -> str:
    h = dv.heights
    peak1, peak2 = dv.peak_heights
    return f"""**What went wrong.** The original program evaluated the mixture density at uniform positions,
`h = gauss_mix(u)` with `u ~ Uniform{dv.positions}`, and handed the *heights* `h` to EM as if they were
observations. EM then fits a two-component mixture to numbers that are density heights: here they lie in
[{h.min():.4f}, {h.max():.4f}] (the density peaks at pi1 / (sigma sqrt(2 pi)) = {peak1:.3f} over mu1 and
(1 - pi1) / (sigma sqrt(2 pi)) = {peak2:.3f} over mu2), their mean is {h.mean():.4f} (the density's mass
inside the interval divided by its width, {dv.mass_in_positions:.4f} / {dv.positions_width:g} =
{dv.expected_mean_height:.4f}) and their sd is {h.std():.4f}. Every estimate therefore comes out on the
scale of a density height, a few hundredths, never near mu1 = {dv.truth.mu1:g} or mu2 = {dv.truth.mu2:g}.
The heights also pile up wherever the curve is flat (the valley between the means at {dv.valley:.4f} and
the two peaks), because a height h is hit by all positions where p(u) is close to h, about 1/|p'(u)| of
them. So the histogram of `h` (panel b) has spikes, and the fitted components sit on those piles, not on
anything in x."""


def _heights_original_numbers(dv: DensityValues) -> str:
    return f"""**The original numbers.** The run reported `[{fmt_params(dv.reported)}]` after {ORIGINAL_ITERATIONS}
iterations: mu1 and mu2 almost equal, both on the scale of a density height, and a sigma
{dv.reported_sigma_ratio:.1f} times the means. docs/methods.md §6 records neither the truth, the
positions' interval, N, the start nor which of the other mistakes were active in that run, so those exact
numbers cannot be rerun; here are two reconstructions with the default truth, each {ORIGINAL_ITERATIONS}
iterations from the same start `(0.5, q25, q75, sd)` of its "data":"""


def _describe_heights_fit(p: MixtureParams) -> str:
    return (f"pi1 = {p.pi1:.3f} of the weight on heights near {p.mu1:.3f} and the rest near {p.mu2:.3f}, "
            f"sigma = {p.sigma:.3f}")


def _heights_reconstructions(dv: DensityValues) -> str:
    ho = dv.heights_original
    return f"""- *Mistake 1 alone* (the real EM map on heights of the real density): EM does its job on the wrong
  numbers and finds the piles of heights, {_describe_heights_fit(dv.on_heights.params)}.
- *All four mistakes* (heights of the precedence-bug density, the same density in the E-step, the
  one-component sigma): the E-step's bell has sd 1/sigma, about {dv.original_bell_sd:.0f} here, against
  "data" spread over a few hundredths, so every point gets the same responsibility. Then pi1 stays where
  it started, both means land on the mean height and sigma on the heights' sd:
  `[{fmt_params(dv.original.params)}]` against mean {ho.mean():.4f} and sd {ho.std():.4f}."""


def _heights_reported_pattern(dv: DensityValues) -> str:
    return f"""The reported run has the second pattern (mu1 ~ mu2, sigma several times the means). If that is the
mechanism, its "data" had mean about {dv.reported_mean:.3f} and sd about {dv.reported.sigma:.3f} (the
collapse point), which a different truth, interval or density from ours would give. Either way no
estimate can come near (pi1, mu1, mu2, sigma) = ({fmt_params(dv.truth, 1)}): EM was never shown a draw
from the mixture."""


def _heights_table(dv: DensityValues) -> str:
    on, orig, ok = dv.on_heights, dv.original, dv.correct
    return params_table([
        ("reported by the original program (docs/methods.md §6)", dv.reported, "not recorded"),
        (f"mistake 1 alone: real EM, {on.n_iter} iterations on the heights", on.params,
         f"{on.loglik:.1f} (of the heights)"),
        (f"all four mistakes: our reconstruction, {orig.n_iter} iterations", orig.params,
         f"{orig.loglik:.1f} (of its heights)"),
        ("correct: em.fit on draws from the mixture", ok.params, f"{ok.loglik:.1f}"),
        ("truth", dv.truth, ""),
    ])


def _heights_monotonicity(dv: DensityValues) -> str:
    return f"""Monotonicity of the log-likelihood ({DECREASE_RULE}):
mistake 1 alone: {monotone_text(dv.on_heights)}; all four mistakes: {monotone_text(dv.original)};
em.fit on the draws: {fit_monotone_text(dv.correct)}."""


def section_density_values(r: Pitfalls) -> str:
    """Section 1: EM fitted to density heights, with the original run's numbers and two reconstructions."""
    dv = r.density_values
    code = side_by_side(
        code_lines(faulty.density_values_data, "rng.uniform(", "# FAULTY"),
        code_lines(draw, "rng.random(n)", "rng.normal("),
        "teaching/faulty.py: density_values_data", "models/simulate.py: draw",
    )
    return "\n\n".join([
        "## 1. Fitting EM to density values instead of samples",
        _heights_what_went_wrong(dv),
        _heights_original_numbers(dv),
        _heights_reconstructions(dv),
        _heights_reported_pattern(dv),
        code,
        f"![pitfall 1]({FIGURES['density_values']})",
        _heights_table(dv),
        _heights_monotonicity(dv),
        f"Louis SEs of the correct fit: {per_param(dv.correct.se, '.4f')}.",
    ]) + "\n"


# -- 2. randn labels ----------------------------------------------------------------------------


def _randn_what_went_wrong(rl: RandnLabels) -> str:
    return f"""**What went wrong.** `randn()` is a standard normal draw, so `P(randn() < pi1) = Phi(pi1)`:
for pi1 = {rl.truth.pi1:g} that is {rl.phi_pi1:.4f}, not {rl.truth.pi1:g}. The data really come from a
mixture with weight {rl.phi_pi1:.3f} on component 1; a *correct* EM then estimates that weight and looks
as if it "misses" the truth. The bug is in the simulator, and the estimator is blamed."""


def _randn_share_table(rl: RandnLabels) -> str:
    fr, fc = rl.fit_randn, rl.fit_correct
    phi, pi1 = rl.phi_pi1, rl.truth.pi1
    # Decimals follow the size: a z near 1 gets two, a z in the tens one.
    return f"""| | faulty sampler | correct sampler |
|---|---|---|
| share of label 1 among the {rl.n} draws | {rl.weight_randn:.4f} | {rl.weight_correct:.4f} |
| expected share (binomial SE) | Phi(pi1) = {phi:.4f} ({rl.binomial_se(phi):.4f}) | pi1 = {pi1:.4f} \
({rl.binomial_se(pi1):.4f}) |
| em.fit pi1 +- Louis SE | {fr.params.pi1:.4f} +- {fr.se[0]:.4f} | {fc.params.pi1:.4f} +- {fc.se[0]:.4f} |
| (pi1_hat - Phi) / SE | {fr.z_pi1(phi):+.2f} | {fc.z_pi1(phi):+.1f} |
| (pi1_hat - pi1) / SE | {fr.z_pi1(pi1):+.1f} | {fc.z_pi1(pi1):+.2f} |"""


def _randn_verdict(rl: RandnLabels) -> str:
    fr, fc = rl.fit_randn, rl.fit_correct
    phi, pi1 = rl.phi_pi1, rl.truth.pi1
    return f"""Monotonicity: em.fit's log-likelihood trace on the faulty data {fit_monotone_text(fr)}, on the
correct data {fit_monotone_text(fc)}: the estimator works, the data are wrong.

The EM on the faulty data recovers Phi(pi1) ({abs(fr.z_pi1(phi)):.1f} SEs away) and is
{abs(fr.z_pi1(pi1)):.0f} SEs away from pi1; the same EM on correctly drawn data recovers pi1
({abs(fc.z_pi1(pi1)):.1f} SEs away). mu1, mu2 and sigma are estimated well by both: only the weight was
drawn wrongly."""


def section_randn_labels(r: Pitfalls) -> str:
    """Section 2: the ``randn()`` label sampler, and the real EM recovering ``Phi(pi1)`` from its data."""
    rl = r.randn_labels
    code = side_by_side(code_lines(faulty.draw_randn_labels, "# FAULTY"), code_lines(draw, "rng.random(n)"),
                        "teaching/faulty.py: draw_randn_labels", "models/simulate.py: draw")
    return "\n\n".join([
        "## 2. Labels drawn with `randn() < pi1`",
        _randn_what_went_wrong(rl),
        code,
        f"![pitfall 2]({FIGURES['randn_labels']})",
        _randn_share_table(rl),
        params_table([
            ("EM on the randn-label data", rl.fit_randn.params, f"{rl.fit_randn.loglik:.1f}"),
            ("EM on the correct data", rl.fit_correct.params, f"{rl.fit_correct.loglik:.1f}"),
            ("truth as intended", rl.truth, ""),
        ]),
        _randn_verdict(rl),
    ]) + "\n"
