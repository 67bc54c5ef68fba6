"""teaching.pitfalls: each experiment's faulty side shows the symptom, its correct side does not."""

import json

import numpy as np
import pytest
from scipy.stats import chi2

from emvb.models.density import pdf
from emvb.models.params import DEFAULT_TRUTH, MixtureParams
from emvb.teaching.figures import FIGURES
from emvb.teaching.pitfalls import (
    REPORTED,
    pitfall_density_values,
    pitfall_one_component_sigma,
    pitfall_precedence,
    pitfall_randn_labels,
    run_all,
)
from emvb.teaching.report import write_report

SEED = 11


@pytest.fixture(scope="module")
def randn():
    return pitfall_randn_labels(SEED, n=4000)


@pytest.fixture(scope="module")
def sigma_run():
    return pitfall_one_component_sigma(SEED, n=2000)


@pytest.fixture(scope="module")
def heights():
    return pitfall_density_values(SEED, n=2000)


def test_em_on_randn_data_recovers_phi_pi1_not_pi1(randn):
    f = randn.fit_randn
    assert randn.phi_pi1 == pytest.approx(0.6179, abs=1e-4)
    assert abs(f.params.pi1 - randn.phi_pi1) < 4 * f.se[0]
    assert abs(f.params.pi1 - randn.truth.pi1) > 4 * f.se[0]
    # The realised share of label 1 is binomial around Phi(pi1).
    assert abs(randn.weight_randn - randn.phi_pi1) < 4 * randn.binomial_se(randn.phi_pi1)


def test_em_on_correct_data_recovers_pi1(randn):
    f = randn.fit_correct
    assert abs(f.params.pi1 - randn.truth.pi1) < 4 * f.se[0]
    assert abs(f.params.pi1 - randn.phi_pi1) > 4 * f.se[0]
    assert abs(randn.weight_correct - randn.truth.pi1) < 4 * randn.binomial_se(randn.truth.pi1)
    # The estimator is fine on both data sets: its trace never goes down.
    assert randn.fit_randn.decreases == 0 and f.decreases == 0
    # Only the weight was wrong: both fits find the means and sigma within 4 SE of the truth.
    for fit in (randn.fit_randn, f):
        assert np.all(np.abs(fit.params.to_array()[1:] - randn.truth.to_array()[1:]) < 4 * fit.se[1:])


def test_one_component_sigma_ends_below_the_mle(sigma_run):
    oc = sigma_run
    assert oc.faulty.converged and oc.correct.converged
    # Outside the 99.9% likelihood-ratio region of the MLE: 2 (l_max - l) > chi2_4(0.999).
    assert 2 * oc.loglik_gap > chi2.ppf(0.999, 4)
    assert oc.mle.mahalanobis(oc.faulty.params) > 4
    # The faulty sigma follows the narrow component 1: below the MLE's by more than 4 SE.
    assert oc.faulty.params.sigma < oc.mle.params.sigma - 4 * oc.mle.se[3]


def test_real_em_map_reaches_the_mle_monotonically_faulty_map_does_not(sigma_run):
    oc = sigma_run
    assert oc.correct.loglik == pytest.approx(oc.mle.loglik, rel=1e-9)
    assert oc.correct.decreases.size == 0
    assert oc.faulty.decreases.size > 0 and oc.faulty.largest_drop > 1.0


def test_faulty_fixed_point_is_not_a_fixed_point_of_em(sigma_run):
    from emvb import em
    from emvb.teaching import faulty

    x, p = sigma_run.x, sigma_run.faulty.params
    step_bad = faulty.em_step_one_component(x, p).to_array() - p.to_array()
    step_ok = em.em_map(x, p).to_array() - p.to_array()
    scale = 1 + np.abs(p.to_array()).max()
    assert np.abs(step_bad).max() <= 1e-9 * scale
    assert np.abs(step_ok).max() > 1e-2  # the real EM moves sigma away at once


def test_equal_spread_control_faulty_map_stays_near_the_mle(sigma_run):
    # With equal spreads both sigma updates estimate the same sigma^2. Their difference has sd about
    # sqrt((1 - w) / w) SE(sigma) with w = pi1 (component 1's sigma uses a share w of the data).
    oc = sigma_run
    w = oc.mle_equal.params.pi1
    z = oc.mle_equal.z(oc.faulty_equal_from_mle.params)
    assert abs(z[3]) < 4 * np.sqrt((1 - w) / w)
    # From the neutral start it drifts to the single-normal collapse instead (mu1 -> mu2).
    p = oc.faulty_equal_from_start.params
    assert abs(p.mu1 - p.mu2) < 0.05 * p.sigma


def test_density_values_give_estimates_on_the_scale_of_heights(heights):
    dv = heights
    lo, hi = dv.heights.min(), dv.heights.max()
    for run in (dv.on_heights, dv.original):
        assert run.n_iter == 50
        p = run.params
        assert lo <= p.mu1 <= hi and lo <= p.mu2 <= hi and p.sigma < hi
    # All four mistakes: the precedence E-step's bell has sd 1/sigma ~ 30, the data spread < 0.15, so
    # r1 varies by < 1e-4 across the data: pi1 stays at its start, both means at the mean height.
    o, h = dv.original.params, dv.heights_original
    assert o.pi1 == pytest.approx(0.5, abs=1e-3)
    assert abs(o.mu1 - h.mean()) < 1e-3 * h.std() and abs(o.mu2 - h.mean()) < 1e-3 * h.std()
    assert o.sigma == pytest.approx(h.std(), rel=1e-3)
    # The reported estimate of the original run is on the same scale: a density height, not x.
    assert max(REPORTED.mu1, REPORTED.mu2) < hi


def test_correct_fit_on_draws_recovers_the_truth(heights):
    f = heights.correct
    assert np.all(np.abs(f.params.to_array() - DEFAULT_TRUTH.to_array()) < 4 * f.se)


def test_precedence_record():
    pr = pitfall_precedence(MixtureParams(0.3, 5.0, 15.0, 2.0))
    assert pr.area_true == pytest.approx(1.0, abs=1e-9)
    assert pr.area_faulty == pytest.approx(pr.area_faulty_exact, abs=1e-9) and pr.area_faulty_exact == 0.25
    np.testing.assert_allclose(pr.true_pdf, pdf(pr.grid, pr.params), rtol=1e-15)


def test_report_files_and_numbers(tmp_path):
    r = run_all(SEED, n=600)
    paths = write_report(r, tmp_path / "rep", "emvb pitfalls --seed 11 --n 600 --out rep")
    names = {p.name for p in paths}
    assert names == {"README.md", "pitfalls.json", *FIGURES.values()}
    for f in FIGURES.values():
        data = (tmp_path / "rep" / f).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    md = (tmp_path / "rep" / "README.md").read_text()
    for title in ("## 1.", "## 2.", "## 3.", "## 4.", "```diff", "# FAULTY"):
        assert title in md
    for f in FIGURES.values():
        assert f"({f})" in md
    # Prose is re-wrapped to 100 columns (a word moved so that no line starts like a list item may add
    # up to one short word); only table rows and code may be longer.
    fenced = False
    for line in md.splitlines():
        fenced ^= line.startswith("```")
        if not fenced and not line.startswith(("|", "```")):
            assert len(line) <= 110, line
    nums = json.loads((tmp_path / "rep" / "pitfalls.json").read_text())
    assert nums["seed"] == SEED and nums["n"] == 600
    assert nums["randn_labels"]["fit_randn"]["params"]["pi1"] == r.randn_labels.fit_randn.params.pi1
    assert nums["one_component_sigma"]["loglik_gap"] == r.one_component_sigma.loglik_gap


def test_run_counts_decreases_by_iteration_with_rounding_slack():
    from emvb.teaching.runs import Run

    p = DEFAULT_TRUTH
    trace = np.array([-100.0, -90.0, -95.0, -95.0 - 1e-12, -80.0, -81.0])
    run = Run(start=p, params=p, trace=trace, converged=False)
    assert run.n_iter == 5
    # Iterations 2 (-90 -> -95) and 5 (-80 -> -81) went down; iteration 3 dropped by 1e-12,
    # below the 1e-10 |l| rounding slack.
    assert run.decreases.tolist() == [2, 5]
    assert run.largest_drop == 5.0
