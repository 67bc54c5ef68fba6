"""The golden reports: each committed scenario's ``report.md`` and ``summary.json`` are written again, in full,
from its ``results.nc`` alone (the tree of facts both are written from, :func:`compare.facts.facts_tree`).

A wording change is then one reviewed diff of these files; a fact the report prints but the tree lacks
fails here (:class:`report.markdown.Facts` names it), as does a folder whose files were not written together.
"""

import json
from pathlib import Path

import pytest

from emvb.compare.results import load_results
from emvb.compare.summary import summary_from_tree
from emvb.models.errors import EmvbError
from emvb.report.folder import FIGURES
from emvb.report.markdown import render_report

REPORTS = Path(__file__).resolve().parents[1] / "reports"
#: The committed `emvb run` folders (Makefile, target reports).
SCENARIOS = ("default", "overlap", "one_normal", "misfit")


@pytest.fixture(scope="module", params=SCENARIOS)
def scenario(request):
    """A committed folder and its results.nc read back (once: reading a 6 MB tree takes seconds)."""
    folder = REPORTS / request.param
    return folder, load_results(folder / "results.nc")


def test_report_md_is_rendered_from_results_nc_alone(scenario):
    folder, tree = scenario
    assert render_report(tree, FIGURES) == (folder / "report.md").read_text(encoding="utf-8")


def test_summary_json_is_written_from_results_nc_alone(scenario):
    folder, tree = scenario
    text = json.dumps(summary_from_tree(tree), indent=1) + "\n"
    assert text == (folder / "summary.json").read_text(encoding="utf-8")


def test_a_tree_without_a_fact_the_report_prints_is_refused_naming_it(scenario):
    _, tree = scenario
    older = tree.copy()
    older["em"].attrs.pop("plain_n_iter", None)  # as results.nc was written before the report read the tree
    with pytest.raises(EmvbError, match="em/plain_n_iter") as e:
        render_report(older, FIGURES)
    assert len(str(e.value).splitlines()) == 1
