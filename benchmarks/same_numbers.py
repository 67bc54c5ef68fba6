"""Do two versions of emvb write the same numbers? A refactoring's check (issue 22), not a speed benchmark.

``record OUT`` runs small ``emvb run`` scenarios (separated, overlapping) and a small ``emvb bvm`` into
``OUT/<scenario>``; ``diff BASE NEW`` compares two such recordings **bit for bit**: every value of
every JSON file, every variable, coordinate and attribute of every group of ``results.nc``, the text of
every CSV and markdown table, and ``report.md`` line by line. Times are the only thing masked: the
``timings`` object, the sampler's ``compile_time``/``sampling_time``/``wall_time``, ArviZ's ``created_at``
stamps, the "Time per stage" line and the compile/sampling seconds of the convergence table. Figures are
not compared (a PNG's bytes change with the matplotlib build). Exit 0 when identical, 1 otherwise.

``reports REV`` compares the committed report folders (``reports/*``) of the git revision ``REV`` with
those of the working tree the same way, after they were regenerated (``make reports``): the check that a
renovation left every committed number as it was. ``study FOLDER K`` recomputes ``K`` replicates of the
committed study in ``FOLDER`` that sampled every model (spread over its sizes; a study takes hours to
regenerate, a replicate seconds) and compares their rows with its ``results.parquet``, value for value::

    PYTHONPATH=<a tree of the old emvb package> .venv/bin/python benchmarks/same_numbers.py record /tmp/base
    .venv/bin/python benchmarks/same_numbers.py record /tmp/new
    .venv/bin/python benchmarks/same_numbers.py diff /tmp/base /tmp/new
    .venv/bin/python benchmarks/same_numbers.py reports HEAD
    .venv/bin/python benchmarks/same_numbers.py study studies/separated 8
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

SMALL = ["--draws", "200", "--tune", "200", "--quiet"]
SCENARIOS = {
    "separated": ["run", "--n", "300", "--seed", "5", *SMALL],
    "overlap": ["run", "--truth", "0.3,0,1.5,1", "--n", "200", "--seed", "5", *SMALL],
    "bvm": ["bvm", "--n-grid", "20,100,300", "--seed", "5", *SMALL],
}
TIMING_KEYS = {"timings", "compile_time", "sampling_time", "wall_time", "total_seconds", "created_at"}


def record(out: Path) -> None:
    """Each scenario into ``out/<name>``, run from ``out`` so the command a report quotes is the same."""
    out.mkdir(parents=True, exist_ok=True)
    for name, argv in SCENARIOS.items():
        subprocess.run([sys.executable, "-m", "emvb.cli", *argv, "--out", name, "--force"], check=True, cwd=out)


def _masked(obj):
    if isinstance(obj, dict):
        return {k: ("<time>" if k in TIMING_KEYS else _masked(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_masked(v) for v in obj]
    return obj


def _walk_diff(a, b, where: str, out: list) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            _walk_diff(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{where}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk_diff(x, y, f"{where}[{i}]", out)
    elif a != b and not (a != a and b != b):  # NaN equals NaN here
        out.append(f"{where}: {a!r} != {b!r}")


def _report_lines(text: str) -> list[str]:
    """report.md with timings masked: the "Time per stage" line, the convergence table's last two cells."""
    lines = []
    for line in text.splitlines():
        if line.startswith("Time per stage"):
            line = "Time per stage <time>"
        elif line.startswith("| ") and line.count("|") > 10 and ("nutpie" in line or "pymc" in line):
            line = "|".join(line.split("|")[:-3]) + "| <time> | <time> |"
        lines.append(line)
    return lines


def _attrs(attrs: dict) -> dict:
    out = {}
    for k, v in attrs.items():
        if k in TIMING_KEYS:
            continue
        if isinstance(v, str) and v[:1] in "{[":
            try:
                v = _masked(json.loads(v))
            except ValueError:
                pass
        out[k] = v.tolist() if isinstance(v, np.ndarray) else v
    return out


def _nc_diff(a: Path, b: Path, out: list) -> None:
    import xarray as xr

    ta, tb = xr.open_datatree(a, engine="h5netcdf"), xr.open_datatree(b, engine="h5netcdf")
    tag = f"{a.parent.name}/{a.name}"
    ga = {n.path: n for n in ta.subtree}
    gb = {n.path: n for n in tb.subtree}
    if set(ga) != set(gb):
        out.append(f"{tag}: groups differ: {sorted(set(ga) ^ set(gb))}")
    for path in sorted(set(ga) & set(gb)):
        da, db = ga[path].to_dataset(inherit=False), gb[path].to_dataset(inherit=False)
        _walk_diff(_attrs(da.attrs), _attrs(db.attrs), f"{tag}:{path} attrs", out)
        names = set(da.variables) | set(db.variables)
        for v in sorted(names):
            if v not in da.variables or v not in db.variables:
                out.append(f"{tag}:{path}/{v}: only in one")
                continue
            x, y = da.variables[v], db.variables[v]
            if x.dims != y.dims or x.dtype != y.dtype:
                out.append(f"{tag}:{path}/{v}: dims/dtype {x.dims} {x.dtype} vs {y.dims} {y.dtype}")
            elif not np.array_equal(x.values, y.values, equal_nan=x.dtype.kind == "f"):
                out.append(f"{tag}:{path}/{v}: values differ")
            _walk_diff(_attrs(x.attrs), _attrs(y.attrs), f"{tag}:{path}/{v} attrs", out)


def diff(base: Path, new: Path, names=SCENARIOS) -> list[str]:
    """Every difference between the folders ``base/<name>`` and ``new/<name>`` of each of ``names`` (PNGs aside)."""
    out: list[str] = []
    for name in names:
        fa, fb = base / name, new / name
        files = sorted({p.name for p in fa.iterdir()} | {p.name for p in fb.iterdir()} - {"figures"})
        for f in files:
            a, b = fa / f, fb / f
            tag = f"{name}/{f}"
            if not (a.exists() and b.exists()):
                out.append(f"{tag}: only in {'base' if a.exists() else 'new'}")
            elif f.endswith(".json"):
                _walk_diff(_masked(json.loads(a.read_text())), _masked(json.loads(b.read_text())), tag, out)
            elif f.endswith(".nc"):
                _nc_diff(a, b, out)
            elif f == "report.md":
                la, lb = _report_lines(a.read_text()), _report_lines(b.read_text())
                pairs = enumerate(zip(la, lb, strict=False))
                out += [f"{tag} line {i + 1}:\n  - {x}\n  + {y}" for i, (x, y) in pairs if x != y]
                if len(la) != len(lb):
                    out.append(f"{tag}: {len(la)} vs {len(lb)} lines")
            elif f.endswith((".csv", ".md")) and a.read_text() != b.read_text():
                out.append(f"{tag}: text differs")
    return out


def committed_reports(rev: str) -> list[str]:
    """:func:`diff` of the report folders of git revision ``rev`` against the working tree's."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(root), "archive", rev, "reports"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        names = sorted(p.name for p in (Path(tmp) / "reports").iterdir() if p.is_dir())
        return diff(Path(tmp) / "reports", root / "reports", names)


def study_replicates(folder: Path, k: int) -> list[str]:
    """``k`` replicates of the study in ``folder`` that sampled every model, recomputed and compared row by row."""
    import pandas as pd

    from emvb.study.replicate import run_replicate
    from emvb.study.settings import StudySettings

    settings = StudySettings.from_dict(json.loads((folder / "summary.json").read_text())["settings"])
    stored = pd.read_parquet(folder / "results.parquet").set_index(["part", "n", "replicate", "method", "param"])
    ns, reps = settings.ns, settings.replicates
    out = []
    for j in range(k):  # round j // len(ns) of the sizes, each at replicate 7 x round (mod its count)
        n, r = ns[j % len(ns)], reps[j % len(ns)]
        if not r:
            continue
        i = (j // len(ns)) * 7 % r
        got = pd.DataFrame(run_replicate(settings, "main", n, i).rows).set_index(stored.index.names)
        want = stored.loc[got.index, got.columns]
        try:
            pd.testing.assert_frame_equal(got.astype(want.dtypes.to_dict(), errors="ignore"), want, check_dtype=False,
                                          check_exact=True)
        except AssertionError as e:
            out.append(f"{folder.name} N={n} replicate {i}: {e}")
        print(f"{folder.name}: N={n} replicate {i}: {len(got)} rows compared", flush=True)
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["record"] and len(argv) == 2:
        record(Path(argv[1]))
        return 0
    if argv[:1] == ["diff"] and len(argv) == 3:
        problems = diff(Path(argv[1]), Path(argv[2]))
        checked = sum(1 for n in SCENARIOS for p in (Path(argv[1]) / n).iterdir() if not p.name.endswith(".png"))
        what = f"{checked} files of {len(SCENARIOS)} scenarios"
    elif argv[:1] == ["reports"] and len(argv) == 2:
        problems, what = committed_reports(argv[1]), f"the report folders of {argv[1]} and the working tree"
    elif argv[:1] == ["study"] and len(argv) == 3:
        problems, what = study_replicates(Path(argv[1]), int(argv[2])), f"{argv[2]} replicates of {argv[1]}"
    else:
        print(__doc__.split("::")[-1], file=sys.stderr)
        return 2
    print("\n".join(problems) if problems else f"identical: {what} (times masked; figures not compared)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
