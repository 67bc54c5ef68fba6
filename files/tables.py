"""Writing a table three ways: CSV and JSON at full precision, Markdown for reading."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..files.output import atomic_write_text, check_writable


def _md_cell(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, float | np.floating):
        return f"{v:.4g}"
    return str(v)


def _json_value(v):
    """Plain JSON value: floats exactly (``repr``), NaN as null, numpy scalars unwrapped."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def fmt_number(v, digits: int = 4) -> str:
    """``v`` to ``digits`` significant digits; ``n/a`` for None, NaN or inf."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    return f"{v:.{digits}g}"


def md_table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A Markdown table from already formatted cells (first column left-aligned, the rest right)."""
    align = align or ("---" + "|---:" * (len(header) - 1))
    return "\n".join(["| " + " | ".join(header) + " |", "|" + align + "|"]
                     + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def _numeric(col: pd.Series) -> bool:
    """Right-align numbers in Markdown; text and yes/no columns stay left-aligned."""
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (4 significant digits, yes/no for booleans)."""
    return md_table(list(df.columns), [[_md_cell(v) for v in row] for row in df.itertuples(index=False)],
                    "|".join("---:" if _numeric(df[c]) else "---" for c in df.columns))


def write_table(df: pd.DataFrame, folder, *, stem: str = "comparison",
                force: bool = False) -> dict[str, Path]:
    """Write ``df`` as ``<stem>.csv``, ``<stem>.json`` (records) and ``<stem>.md`` in ``folder``.

    All three are refused if any exists (unless ``force``), and each is written atomically. CSV and
    JSON keep full precision (``repr`` of every float); Markdown is for reading.
    """
    folder = Path(folder)
    paths = {ext: folder / f"{stem}.{ext}" for ext in ("csv", "json", "md")}
    for p in paths.values():
        check_writable(p, force)
    records = [{k: _json_value(v) for k, v in row.items()} for row in df.to_dict(orient="records")]
    atomic_write_text(paths["csv"], df.to_csv(index=False, float_format="%.17g"))
    atomic_write_text(paths["json"], json.dumps(records, indent=1) + "\n")
    atomic_write_text(paths["md"], to_markdown(df))
    return paths


def identified(truth) -> list[str]:
    """The parameters whose true value the data can point to: all four, but not pi1 when ``mu1 = mu2`` (then
    every pi1 gives the same distribution, so no interval for it can be right or wrong)."""
    from ..models.params import PARAM_NAMES

    return [p for p in PARAM_NAMES if not (p == "pi1" and truth.mu1 == truth.mu2)]


def unscored_note(truth) -> str:
    """Why a parameter is left out of :func:`identified`'s count (empty when none is)."""
    return "" if truth.mu1 != truth.mu2 else (" (pi1 left out: with mu1 = mu2 every pi1 gives the same distribution, "
                                              "so it has no true value)")
