"""Sections 3 and 4 of the teaching report: the two mistakes inside the EM's formulas.

3. the shared-sigma M-step taking sigma from component 1's responsibilities only;
4. ``/ 2*sigma**2`` in the normal density, which Python reads as ``(/ 2) * sigma**2``.

Each section is built from named paragraphs; the numbers come from the records of
:mod:`teaching.pitfalls`, and the functions here only format them.
"""

from __future__ import annotations

from ..models.density import component_logpdf
from . import faulty
from .figures import FIGURES
from .phrases import DECREASE_RULE, FIXED_POINT_RULE, fmt_params, monotone_text, params_table, per_param
from .pitfalls import OneComponentSigma, Pitfalls, Precedence
from .runs import Run
from .source import code_lines, m_step_diff, side_by_side

# -- 3. one-component sigma in the M-step -------------------------------------------------------

SIGMA_WHAT_WENT_WRONG = """**What went wrong.** With a shared sigma the M-step must pool the residuals of
*both* components, `sigma^2 = [sum r1 (x - mu1)^2 + sum r2 (x - mu2)^2] / N`. The faulty update uses
component 1's weighted variance `sum r1 (x - mu1)^2 / N1`. That is not the maximiser of EM's Q function
for this model, so the iteration is no longer EM: its fixed point need not be the MLE, and the
log-likelihood need not increase (Dempster, Laird & Rubin 1977). The diff between the real and the
faulty M-step is one line:"""


def _sigma_data(oc: OneComponentSigma) -> str:
    s1, s2 = oc.sigmas
    t = oc.truth
    return f"""**The data.** If both components really have the same spread, component 1's weighted variance and the
pooled one estimate the same sigma^2, and started at the MLE the faulty map stays within sampling error
of it (control below): the bug can hide. So the demonstration data have components of unequal spread,
sds {s1:g} (component 1, weight {t.pi1:g}, mean {t.mu1:g}) and {s2:g} (component 2, mean {t.mu2:g}), N =
{oc.x.size}: the shared-sigma MLE balances the two spreads (sigma = {oc.mle.params.sigma:.3f}; the pooled
sd of the truth is sqrt({t.pi1:g} * {s1:g}^2 + {1 - t.pi1:g} * {s2:g}^2) = {oc.pooled_sd:.3f}), while the
faulty update listens to the narrow component only and ends at sigma = {oc.faulty.params.sigma:.3f}: above
{s1:g}, because with one shared sigma the E-step hands component 1 part of component 2's left tail, and
far below the MLE in units of its SE."""


def _sigma_table(oc: OneComponentSigma) -> str:
    return params_table([
        ("MLE (em.fit, restarts)", oc.mle.params, f"{oc.mle.loglik:.2f}"),
        (f"real EM map from the quartile start ({oc.correct.n_iter} it.)", oc.correct.params,
         f"{oc.correct.loglik:.2f}"),
        (f"faulty EM map from the same start ({oc.faulty.n_iter} it.)", oc.faulty.params,
         f"{oc.faulty.loglik:.2f}"),
    ])


def _sigma_findings(oc: OneComponentSigma) -> str:
    reached = "reached" if oc.both_converged else "did NOT both reach"
    return f"""- log-likelihood gap l(MLE) - l(faulty fixed point) = **{oc.loglik_gap:.2f}**
- faulty - MLE in Louis SEs: {per_param(oc.z_faulty, '+.1f')};
  jointly (Mahalanobis, sqrt(d' Cov^-1 d)) {oc.mahalanobis_faulty:.1f} SEs
- monotonicity ({DECREASE_RULE}):
  real EM map: {monotone_text(oc.correct)}; faulty map: {monotone_text(oc.faulty)}
- both iterations {reached} a fixed point ({FIXED_POINT_RULE})"""


def _collapse_text(run: Run) -> str:
    """Where a faulty run on the control data ended: at a single normal, or at an ordinary point."""
    p = run.params
    where = "ends" if run.converged else f"is still creeping after {run.n_iter} iterations"
    if run.collapsed:
        return (f"{where} towards a single normal "
                f"(mu1 = {p.mu1:.4f}, mu2 = {p.mu2:.4f}, sigma = {p.sigma:.3f}): "
                "with mu1 = mu2 every r1 equals pi1 and the faulty sigma is the sd of all the data, "
                "so every such point is a fixed point of the faulty map, and here an attracting one")
    return f"{where} at [{fmt_params(p)}]"


def _sigma_control(oc: OneComponentSigma) -> str:
    from_mle, from_start = oc.faulty_equal_from_mle, oc.faulty_equal_from_start
    return f"""**Control: equal spreads** (the default truth, {oc.truth}, same seed). Started at the MLE the faulty map
moves only {oc.mahalanobis_control:.2f} SEs jointly (per parameter: {per_param(oc.z_control, '+.2f')}),
log-likelihood gap {oc.control_gap(from_mle):.3f}. From the quartile start, though, it
{_collapse_text(from_start)} (log-likelihood {from_start.loglik:.2f}, {oc.control_gap(from_start):.1f}
below the MLE; {monotone_text(from_start)})."""


def _sigma_control_table(oc: OneComponentSigma) -> str:
    from_mle, from_start = oc.faulty_equal_from_mle, oc.faulty_equal_from_start
    return params_table([
        ("MLE (em.fit)", oc.mle_equal.params, f"{oc.mle_equal.loglik:.2f}"),
        ("faulty map started at the MLE", from_mle.params, f"{from_mle.loglik:.2f}"),
        ("faulty map from the quartile start", from_start.params, f"{from_start.loglik:.2f}"),
    ])


def section_one_component_sigma(r: Pitfalls) -> str:
    """Section 3: the one-component sigma update, its fixed point against the MLE, and the equal-spread control."""
    oc = r.one_component_sigma
    return "\n\n".join([
        "## 3. The shared-sigma M-step from component 1's responsibilities only",
        SIGMA_WHAT_WENT_WRONG,
        f"```diff\n{m_step_diff()}\n```",
        _sigma_data(oc),
        f"![pitfall 3]({FIGURES['one_component_sigma']})",
        _sigma_table(oc),
        _sigma_findings(oc),
        _sigma_control(oc),
        _sigma_control_table(oc),
    ]) + "\n"


# -- 4. operator precedence in the density ------------------------------------------------------


def _precedence_what_went_wrong(pr: Precedence) -> str:
    p = pr.params
    return f"""**What went wrong.** `a / 2*b` is `(a / 2) * b` in Python, so `exp(-(x - mu)**2 / 2*sigma**2)` is
`exp(-(x - mu)^2 sigma^2 / 2)`: a bell with sd 1/sigma = {pr.faulty_sd:g} instead of sigma = {p.sigma:g},
still divided by `sigma sqrt(2 pi)`. Its peaks have the right height (the exponent is 0 at mu either way),
but it is sigma^2 = {pr.narrowing:g} times too narrow and its area is 1/sigma^2 = {pr.area_faulty_exact:g},
so it is not a density. At sigma = 1 both versions are identical, which is why a test with unit variance
never catches it. The intended line is `np.exp(-(x - mu)**2 / (2*sigma**2))`; the project computes the log
density instead:"""


def _precedence_table(pr: Precedence) -> str:
    p = pr.params
    lo, hi = pr.grid[0], pr.grid[-1]
    true_height, faulty_height = pr.heights_at_mu2
    return f"""| | real density | precedence bug |
|---|---|---|
| area (trapezoid, {pr.grid.size} points on [{lo:g}, {hi:g}]) | {pr.area_true:.6f} | {pr.area_faulty:.6f} \
(exact {pr.area_faulty_exact:g}) |
| sd of each bell | {p.sigma:g} | {pr.faulty_sd:g} |
| height at mu2 = {p.mu2:g} | {true_height:.4f} | {faulty_height:.4f} |"""


def section_precedence(r: Pitfalls) -> str:
    """Section 4: the precedence bug in the normal density, its narrower bells and its area 1/sigma^2."""
    pr = r.precedence
    code = side_by_side(code_lines(faulty.normal_pdf_precedence, "# FAULTY"),
                        code_lines(component_logpdf, "z = (", "return -0.5"),
                        "teaching/faulty.py: normal_pdf_precedence", "models/density.py: component_logpdf")
    return "\n\n".join([
        "## 4. `/ 2*sigma**2`: operator precedence in the density",
        _precedence_what_went_wrong(pr),
        code,
        f"![pitfall 4]({FIGURES['precedence']})",
        _precedence_table(pr),
    ]) + "\n"
