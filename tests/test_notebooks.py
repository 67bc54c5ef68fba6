"""The teaching notebooks and their solutions: each runs top to bottom, with small samples, and prints no error
and no warning; every exercise has a hint and a worked answer; the notebooks import only the public API.

Executed by nbclient through notebooks/execute.py (a kernel started from this interpreter, so the venv's
emvb is the one imported), with the sample sizes the notebooks read from the environment set small and
every Python warning shown (``PYTHONWARNINGS=default``), so that a warning a cell prints fails the test.
The committed files must carry the outputs of a complete top-to-bottom run.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

import emvb

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
STUDENT = sorted(NOTEBOOK_DIR.glob("[0-9]*.ipynb"))
SOLUTIONS = NOTEBOOK_DIR / "solutions" / "solutions.ipynb"
NOTEBOOKS = [*STUDENT, SOLUTIONS]
#: Small samples: 150 warm-up + 150 kept draws per chain, 100 replicate data sets, 2,000 points per
#: bug-hunt data set.
SMALL = {"EMVB_NOTEBOOK_DRAWS": "150", "EMVB_NOTEBOOK_TUNE": "150", "EMVB_NOTEBOOK_REPS": "100",
         "EMVB_NOTEBOOK_N": "2000", "PYTHONWARNINGS": "default"}
#: Output text that means a warning or an error reached the reader: ``RuntimeWarning: ...``, a traceback,
#: a logged ``[pymc] WARNING`` line.
NOISE = re.compile(r"\b\w*Warning: |Traceback \(most recent call last\)|\bWARNING\b")


def _execute_module():
    spec = importlib.util.spec_from_file_location("notebooks_execute", NOTEBOOK_DIR / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _texts(output) -> list[str]:
    if output.output_type == "stream":
        return [output.text]
    if output.output_type == "error":
        return [f"{output.ename}: {output.evalue}"]
    return [v for k, v in output.get("data", {}).items() if k.startswith("text/") and isinstance(v, str)]


def noise(nb) -> list[str]:
    """Every stderr stream, error and warning-looking text in the outputs, as ``cell i: text``."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                found.append(f"cell {i} (stderr): {out.text.strip()[:300]}")
            elif out.output_type == "error" or any(NOISE.search(t) for t in _texts(out)):
                found.append(f"cell {i}: {' '.join(_texts(out)).strip()[:300]}")
    return found


def test_the_four_notebooks_and_the_solutions_are_there():
    assert [p.name for p in STUDENT] == ["1_em_and_wald.ipynb", "2_posterior_and_bvm.ipynb", "3_label_switching.ipynb",
                                         "4_em_bug_hunt.ipynb"]
    assert SOLUTIONS.is_file()
    assert _execute_module().notebooks() == NOTEBOOKS  # `make notebooks` runs every one of them


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.stem)
def test_each_opens_with_what_is_learned_and_ends_with_exercises(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and "**What you will learn**" in nb.cells[0].source
    assert nb.cells[-1].cell_type == "markdown" and "## Exercises" in nb.cells[-1].source
    assert nb.metadata["kernelspec"]["name"] == "python3"  # opens with the reader's default kernel


def exercises(nb) -> list[int]:
    """The numbers of the exercises listed under the last cell's ``## Exercises`` heading."""
    listed = nb.cells[-1].source.split("## Exercises", 1)[1]
    return [int(m) for m in re.findall(r"^(\d+)\. ", listed, flags=re.MULTILINE)]


def answers(nb) -> dict[str, str]:
    """The solutions notebook's markdown under each ``### Exercise k.j`` heading, up to the next heading."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    parts = re.split(r"^### Exercise (\d+\.\d+)\b.*$", text, flags=re.MULTILINE)
    return {key: body.split("\n## ", 1)[0] for key, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_every_exercise_has_a_hint_and_a_worked_answer():
    """Each notebook's exercises 1..m, no more and no fewer, are answered under "### Exercise k.j" in the
    solutions, each with a **Hint** and an **Answer**."""
    found = answers(nbformat.read(SOLUTIONS, as_version=4))
    expected = []
    for path in STUDENT:
        numbers = exercises(nbformat.read(path, as_version=4))
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 4, (path.name, numbers)
        expected += [f"{path.name[0]}.{j}" for j in numbers]
    assert sorted(found) == sorted(expected)
    for key, body in found.items():
        assert "**Hint.**" in body and "**Answer.**" in body, key


def test_answers_finds_each_exercise_and_its_hint():
    """The parser the test above relies on: two exercises, one without a hint."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## Part 1\n\n### Exercise 1.1\n**Hint.** h\n\n**Answer.** a"),
        nbformat.v4.new_code_cell("1"),
        nbformat.v4.new_markdown_cell("### Exercise 1.2 (title)\n**Answer.** b\n\n## Part 2"),
    ])
    found = answers(nb)
    assert list(found) == ["1.1", "1.2"] and "**Hint.**" in found["1.1"] and "**Hint.**" not in found["1.2"]
    assert "Part 2" not in found["1.2"]


#: Modules a notebook may import: the public API (``emvb``, ``emvb.teaching`` and its modules), the
#: standard library it uses, and the libraries a reader has beside emvb.
ALLOWED_IMPORTS = re.compile(r"^(emvb|emvb\.teaching(\.\w+)?|numpy|pandas|scipy|scipy\.\w+|pymc|pymc\.[\w.]+|arviz|"
                             r"matplotlib|matplotlib\.pyplot|IPython\.display|json|os|warnings|tempfile|pathlib|"
                             r"itertools|dataclasses)$")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_import_only_the_public_api_and_plain_libraries(path):
    nb = nbformat.read(path, as_version=4)
    imported = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            imported |= set(re.findall(r"^\s*from (\S+) import", cell.source, flags=re.MULTILINE))
            imported |= {m.split(" as ")[0].strip() for line in re.findall(r"^\s*import (.+)$", cell.source,
                                                                           flags=re.MULTILINE)
                         for m in line.split(",")}
    assert imported and not [m for m in imported if not ALLOWED_IMPORTS.match(m)]
    # nor reach past the API through attributes (``emvb.models.draw``): every ``emvb.NAME`` is a public name
    reached = {m for cell in nb.cells if cell.cell_type == "code" for m in re.findall(r"\bemvb\.(\w+)", cell.source)}
    assert not reached - {*emvb.__all__, "teaching"}, reached


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_carries_a_complete_clean_run(path):
    """Every code cell ran, in order, once (execution counts 1, 2, 3, ...), with figures and no noise."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert noise(nb) == []


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_without_errors_or_warnings(path, monkeypatch):
    for key, value in SMALL.items():
        monkeypatch.setenv(key, value)  # the kernel inherits this process's environment
    nb, _ = _execute_module().execute(path)  # raises CellExecutionError if a cell fails
    assert noise(nb) == []
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)


def test_noise_finds_a_warning_and_a_stderr_line():
    """The filter the tests above rely on flags what a reader would see as a warning."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("stream", name="stderr", text="hello\n")]),
        nbformat.v4.new_code_cell("y", outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text="/x.py:1: RuntimeWarning: divide by zero\n")]),
        nbformat.v4.new_code_cell("z", outputs=[nbformat.v4.new_output("stream", name="stdout", text="fine\n")]),
    ])
    found = noise(nb)
    assert len(found) == 2 and found[0].startswith("cell 0") and found[1].startswith("cell 1")
