"""Code shown in the teaching report, read from the functions that run.

The lines are taken from the live source with :mod:`inspect`, so the report can never show a line the
program does not run: faulty lines carry a ``# FAULTY`` marker, correct lines are found in the real
source, and a needle that no longer matches raises instead of showing a stale line.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import textwrap

from .. import em
from . import faulty

#: The def line both M-step bodies get in the diff, so only the bodies' difference shows.
NEUTRAL_M_STEP_DEF = "def m_step(x, r1) -> MixtureParams:"


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
    return [NEUTRAL_M_STEP_DEF] + lines[first - 1:]


def m_step_diff() -> str:
    """Unified diff of the real :func:`em.m_step` and :func:`teaching.faulty.m_step_one_component` bodies."""
    real, bad = code_body(em.m_step), code_body(faulty.m_step_one_component)
    # One line of context: the diff is about the single changed line, not the shared body.
    return "\n".join(difflib.unified_diff(real, bad, "em.m_step (real)", "teaching.faulty.m_step_one_component",
                                          n=1, lineterm=""))


def side_by_side(faulty_lines: list[str], correct_lines: list[str], faulty_src: str, correct_src: str) -> str:
    """A two-column markdown table, faulty left, correct right, one source line per row."""
    rows = [f"| faulty (`{faulty_src}`) | correct (`{correct_src}`) |", "|---|---|"]
    for i in range(max(len(faulty_lines), len(correct_lines))):
        a = faulty_lines[i] if i < len(faulty_lines) else ""
        b = correct_lines[i] if i < len(correct_lines) else ""
        rows.append(f"| {'`' + a + '`' if a else ''} | {'`' + b + '`' if b else ''} |")
    return "\n".join(rows)
