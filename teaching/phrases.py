"""Phrases and tables that several sections of the teaching report share.

Pure formatting: parameter vectors, a parameter table, per-parameter lists and the monotonicity
sentences of a :class:`teaching.runs.Run` or :class:`teaching.runs.Fit`. The rules quoted in the prose
are built from the constants the code applies, so the text cannot drift from the computation.
"""

from __future__ import annotations

from ..models.params import PARAM_NAMES, MixtureParams
from .runs import MONOTONE_RTOL, STOP_TOL, Fit, Run

#: When a step counts as a decrease of the log-likelihood (:func:`teaching.runs.decreasing_steps`).
DECREASE_RULE = f"a step counts as a decrease when l[t] - l[t-1] < -{MONOTONE_RTOL:g} |l[t]|"
#: When :func:`teaching.runs.iterate` declares a fixed point.
FIXED_POINT_RULE = f"largest parameter change <= {STOP_TOL:g} (1 + max|theta|)"


def fmt_params(p: MixtureParams, digits: int = 4) -> str:
    """``pi1, mu1, mu2, sigma`` with ``digits`` decimals, comma-separated."""
    return ", ".join(f"{v:.{digits}f}" for v in p.to_array())


def per_param(values, spec: str) -> str:
    """``"pi1 v1, mu1 v2, ..."``: one value per parameter, each formatted with ``spec``."""
    return ", ".join(f"{n} {v:{spec}}" for n, v in zip(PARAM_NAMES, values, strict=True))


def params_table(rows: list[tuple[str, MixtureParams, str]], extra: str = "log-likelihood") -> str:
    """A markdown table, one row ``(name, params, last column)`` per estimate, 4 decimals."""
    head = "| | " + " | ".join(PARAM_NAMES) + f" | {extra} |"
    out = [head, "|---" * (len(PARAM_NAMES) + 2) + "|"]
    for name, p, last in rows:
        out.append(f"| {name} | " + " | ".join(f"{v:.4f}" for v in p.to_array()) + f" | {last} |")
    return "\n".join(out)


def fit_monotone_text(fit: Fit) -> str:
    """How often the best ``em.fit`` run's log-likelihood went down."""
    if fit.decreases == 0:
        return f"never decreases in {fit.n_iter} iterations"
    return f"decreases at {fit.decreases} of {fit.n_iter} iterations"


def monotone_text(run: Run) -> str:
    """How often a hand-iterated map's log-likelihood went down, where first, and by how much at most."""
    d = run.decreases
    if d.size == 0:
        return f"never decreases in {run.n_iter} iterations"
    return (f"decreases at {d.size} of {run.n_iter} iterations (first at iteration {d[0]}, "
            f"largest drop {run.largest_drop:.3g})")
