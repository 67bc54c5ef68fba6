"""The report's lessons follow from its own tables (issue 12), on the issue's own commands.

- ``--truth 0.5,0,0.5,1 --n 500``: overlapping components; the prose once cited a label-invariant
  R-hat of "1.01" (1.0149 rounded) as a failure beside a table showing 1.025;
- ``--draws 5 --tune 5``: the prose said "the chains are fine; only the labels differ" with sigma's
  R-hat at 2.55, and blamed overlapping components for the ordered model's trouble at a 5-sigma gap.

Every verdict sentence must match the convergence table's flag for the same model, quote the
table's own numbers, say what to raise, and name overlap only when the components overlap.
"""

from __future__ import annotations

import json

import pytest
from conftest import run_cli_many

from emvb.compare.thresholds import OVERLAP_GAP

CASES = {
    "overlap": ["--truth", "0.5,0,0.5,1", "--n", 500],
    "few_draws": ["--draws", 5, "--tune", 5, "--n", 500],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both cases' ``emvb run``, one after the other in ONE fresh interpreter (conftest.run_cli_many: PyMC is
    imported once); each case's report folder."""
    root = tmp_path_factory.mktemp("lessons")
    results = run_cli_many([["run", *CASES[case], "--seed", 2026, "--out", root / case, "--quiet"] for case in CASES])
    for case, r in zip(CASES, results, strict=True):
        assert r["code"] == 0, (case, r["stderr"])
    return {case: root / case for case in CASES}


@pytest.fixture(scope="module", params=list(CASES))
def report(request, runs):
    out = runs[request.param]
    text = (out / "report.md").read_text()
    em = json.loads((out / "summary.json").read_text())["em"]
    return request.param, text, abs(em["mu2"] - em["mu1"]) / em["sigma"]


def convergence_rows(text: str) -> dict[str, dict]:
    section = text.split("## 4. Convergence facts")[1].split("## 5.")[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] in ("unordered_raw", "ordered"):
            rows[cells[0]] = {"rhat": cells[5], "ess": cells[6], "converged": cells[7] == "yes"}
    assert set(rows) == {"unordered_raw", "ordered"}
    return rows


def lessons(text: str) -> list[str]:
    return [line for line in text.split("## 5. What to learn from this run")[1].split("## 6.")[0].splitlines()
            if line.startswith("- ")]


def test_verdict_sentences_match_the_table_and_quote_its_numbers(report):
    case, text, _ = report
    rows, lines = convergence_rows(text), lessons(text)
    for model, which in (("unordered_raw", "unordered"), ("ordered", "ordered")):
        said = [line for line in lines if f"The {which} model's chains have not converged" in line]
        row = rows[model]
        if row["converged"]:
            assert not said
        else:
            (line,) = said
            assert "raise --tune" in line or "raise --draws" in line
            if "R-hat up to" in line:
                assert f"R-hat up to {row['rhat']} (above 1.01)" in line and float(row["rhat"]) > 1.01
            if "bulk ESS down to" in line:
                assert f"bulk ESS down to {row['ess']} (below 400)" in line and float(row["ess"]) < 400
    fine = any("The chains are fine" in line for line in lines)
    assert rows["unordered_raw"]["converged"] or not fine
    if case == "few_draws":  # 20 draws per model cannot reach ESS 400
        assert not rows["ordered"]["converged"] and not rows["unordered_raw"]["converged"]
        assert not fine


def test_overlap_is_named_only_when_the_components_overlap(report):
    case, text, gap = report
    blamed = [line for line in lessons(text) if "components overlap" in line or "overlapping components" in line]
    if gap >= OVERLAP_GAP:
        assert not blamed, blamed
    assert (case == "few_draws") == (gap >= OVERLAP_GAP)  # the cases are what they claim to be


def test_pi1_is_not_scored_against_a_truth_with_equal_means():
    """With mu1 = mu2 every pi1 gives the same distribution: the truth counts leave pi1 out and say why."""
    from emvb.files.tables import identified, unscored_note
    from emvb.models.params import PARAM_NAMES, MixtureParams

    one = MixtureParams(0.3, 0.0, 0.0, 1.0)
    assert identified(one) == ["mu1", "mu2", "sigma"] and unscored_note(one)
    two = MixtureParams(0.3, 0.0, 1.5, 1.0)
    assert identified(two) == list(PARAM_NAMES) and unscored_note(two) == ""
