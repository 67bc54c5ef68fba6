"""The teaching module teaching.faulty: each faulty twin shows its symptom, the real function does not."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.special import ndtr

from emvb import em
from emvb.models.density import loglik, pdf
from emvb.models.params import DEFAULT_TRUTH, MixtureParams
from emvb.models.simulate import draw
from emvb.teaching import faulty

ROOT = Path(__file__).resolve().parents[1]


# -- 2. randn labels -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("p", [DEFAULT_TRUTH, MixtureParams(0.05, -3.0, 4.0, 0.5)])
def test_randn_sampler_weight_is_phi_pi1_and_uniform_sampler_weight_is_pi1(seed, p):
    n = 20_000
    _, z_bad = faulty.draw_randn_labels(p, n, np.random.default_rng(seed))
    _, z_ok = draw(p, n, np.random.default_rng(seed))
    phi = ndtr(p.pi1)
    se_phi, se_pi = np.sqrt(phi * (1 - phi) / n), np.sqrt(p.pi1 * (1 - p.pi1) / n)
    assert abs(z_bad.mean() - phi) < 4 * se_phi
    assert abs(z_bad.mean() - p.pi1) > 4 * se_phi  # the symptom: not pi1
    assert abs(z_ok.mean() - p.pi1) < 4 * se_pi
    assert abs(z_ok.mean() - phi) > 4 * se_pi


def test_randn_sampler_components_are_right_only_the_weight_is_wrong():
    n, p = 20_000, DEFAULT_TRUTH
    x, z = faulty.draw_randn_labels(p, n, np.random.default_rng(3))
    for mask, mu in ((z, p.mu1), (~z, p.mu2)):
        assert abs(x[mask].mean() - mu) < 4 * p.sigma / np.sqrt(mask.sum())


# -- 1. density values -----------------------------------------------------------------------------


def test_density_values_are_heights_not_draws():
    n, p = 20_000, DEFAULT_TRUTH
    lo, hi = faulty.POSITIONS
    u, h = faulty.density_values_data(p, n, np.random.default_rng(4))
    assert np.array_equal(h, pdf(u, p))
    # Components 5 sd apart: the other component adds < 1e-5 relative at each peak.
    peak = max(p.pi1, 1 - p.pi1) / (p.sigma * np.sqrt(2 * np.pi))
    assert h.min() > 0 and h.max() <= peak * (1 + 1e-3)
    # E[h] = E[p(U)] = (mass of the mixture in [lo, hi]) / (hi - lo): the scale of a density, not of x.
    mass = sum(w * (ndtr((hi - m) / p.sigma) - ndtr((lo - m) / p.sigma))
               for w, m in ((p.pi1, p.mu1), (1 - p.pi1, p.mu2)))
    assert abs(h.mean() - mass / (hi - lo)) < 4 * h.std() / np.sqrt(n)
    x, _ = draw(p, n, np.random.default_rng(4))
    mean_x = p.pi1 * p.mu1 + (1 - p.pi1) * p.mu2
    assert abs(x.mean() - mean_x) < 4 * x.std() / np.sqrt(n)
    # The heights never exceed 1/(sigma sqrt(2 pi)) while the draws spread over sd(x) >= sigma: for sigma = 2
    # the whole range of the "data" is under a tenth of one sd of the real data, which sit around 12.
    assert h.max() <= x.std() / (p.sigma**2 * np.sqrt(2 * np.pi))


# -- 4. precedence -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.5, 2.0, 3.0])
def test_precedence_density_has_area_one_over_sigma_squared_real_one_has_area_one(sigma):
    p = MixtureParams(0.3, 5.0, 15.0, sigma)
    w = 12 * max(sigma, 1 / sigma)  # tails beyond 12 sd carry < 1e-30
    grid = np.linspace(5.0 - w, 15.0 + w, 20_001)
    # The trapezoid rule on a Gaussian with >= 20 points per sd is exact far below 1e-9.
    assert np.trapezoid(pdf(grid, p), grid) == pytest.approx(1.0, abs=1e-9)
    assert np.trapezoid(faulty.pdf_precedence(grid, p), grid) == pytest.approx(1 / sigma**2, abs=1e-9)


def test_precedence_bell_has_sd_one_over_sigma_and_right_peak():
    sigma, mu = 2.0, 1.5
    grid = np.linspace(mu - 20, mu + 20, 40_001)
    g = faulty.normal_pdf_precedence(grid, mu, sigma)
    area = np.trapezoid(g, grid)
    var = np.trapezoid(g * (grid - mu) ** 2, grid) / area
    assert np.sqrt(var) == pytest.approx(1 / sigma, rel=1e-9)
    peak = 1 / (sigma * np.sqrt(2 * np.pi))
    assert faulty.normal_pdf_precedence(mu, mu, sigma) == pytest.approx(peak, rel=1e-15)


def test_precedence_bug_is_invisible_at_sigma_one():
    # Why unit-variance tests never catch it: (x-mu)**2 / 2*1**2 == (x-mu)**2 / (2*1**2).
    p = MixtureParams(0.3, -1.0, 2.0, 1.0)
    x = np.linspace(-6, 7, 501)
    np.testing.assert_allclose(faulty.pdf_precedence(x, p), pdf(x, p), rtol=1e-12)


# -- 3. one-component sigma --------------------------------------------------------------------------


def test_faulty_m_step_differs_from_the_real_one_only_in_sigma():
    x, _ = draw(DEFAULT_TRUTH, 3000, np.random.default_rng(5))
    r1 = em.e_step(x, MixtureParams(0.4, 4.0, 14.0, 3.0))
    good, bad = em.m_step(x, r1), faulty.m_step_one_component(x, r1)
    assert (good.pi1, good.mu1, good.mu2) == (bad.pi1, bad.mu1, bad.mu2)
    assert bad.sigma**2 == pytest.approx(np.sum(r1 * (x - bad.mu1) ** 2) / np.sum(r1), rel=1e-12)
    pooled = (np.sum(r1 * (x - good.mu1) ** 2) + np.sum((1 - r1) * (x - good.mu2) ** 2)) / x.size
    assert good.sigma**2 == pytest.approx(pooled, rel=1e-12)
    assert abs(bad.sigma - good.sigma) > 1e-3 * good.sigma


def test_faulty_m_step_source_is_em_m_step_with_one_line_changed():
    from emvb.teaching.source import m_step_diff

    changed = [ln for ln in m_step_diff().splitlines()
               if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert len(changed) == 2, changed
    assert changed[0].startswith("-") and "s2 =" in changed[0] and "r2" in changed[0]
    assert changed[1].startswith("+") and "s2 =" in changed[1] and "r2" not in changed[1]
    assert "# FAULTY" in changed[1]


def test_faulty_map_can_decrease_the_loglik_and_real_map_never_does():
    # Unequal spreads (sd 1 and 3): the faulty update has no monotonicity guarantee and loses it here.
    from emvb.teaching.pitfalls import draw_unequal_spread
    from emvb.teaching.runs import quartile_start

    x = draw_unequal_spread(DEFAULT_TRUTH, (1.0, 3.0), 2000, np.random.default_rng(6))
    p_bad = p_ok = quartile_start(x)
    l_bad, l_ok = [loglik(x, p_bad)], [loglik(x, p_ok)]
    for _ in range(60):
        p_bad, p_ok = faulty.em_step_one_component(x, p_bad), em.em_map(x, p_ok)
        l_bad.append(loglik(x, p_bad))
        l_ok.append(loglik(x, p_ok))
    slack = 1e-10 * np.abs(np.array(l_ok[1:]))  # docs/methods.md §1: rounding slack of a sum of N terms
    assert np.all(np.diff(l_ok) >= -slack)
    assert np.any(np.diff(l_bad) < -1.0)  # a drop of more than one log-likelihood unit


# -- the teaching module stays out of the real estimator -------------------------------------------


def test_importing_em_does_not_load_the_faulty_module():
    code = "import sys, emvb.em, emvb.cli.main; assert 'emvb.teaching.faulty' not in sys.modules"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


def test_only_teaching_code_imports_the_faulty_module():
    offenders = []
    for pkg in ("api", "models", "em", "files", "sampling", "labels", "compare", "report", "cli"):
        for path in (ROOT / pkg).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            text = path.read_text()
            uses = any(s in text for s in ("em.faulty", "import faulty", "from .faulty"))
            if uses:
                offenders.append(rel)
    assert offenders == []
