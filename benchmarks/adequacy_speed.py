"""Cost of the adequacy stage of ``emvb run`` on the four report scenarios, this code against a baseline.

Run: ``.venv/bin/python benchmarks/adequacy_speed.py [--against REF] [--n-boot B] [--out PATH | --no-record]``

For each scenario of reports/ (the data ``emvb run`` makes for it), ``adequacy.assess`` is called as
``compare/pipeline.py`` calls it (the run's ``em.fit`` with 10 starts, seed 2026, B = 199 replicates, every
available core): the adequacy stage without the posterior predictive check, which is unchanged.

- default: ``emvb run`` defaults (n = 10,000 from 0.3 N(5, 4) + 0.7 N(15, 4), seed 2026);
- overlap: ``--n 200 --truth 0.3,0,1.5,1 --seed 2026``;
- one_normal: ``--truth 0.3,0,0,1`` (n = 10,000: one normal, the flat likelihood of the unequal-sd fit);
- misfit: 5,000 Student-t(2) draws (``np.random.default_rng(2026).standard_t(2, 5000)``).

With ``--against REF`` the same is measured on the git revision ``REF`` of this repository (exported
with ``git archive`` to a temporary folder, imported from there), alternating the two codes scenario by
scenario, each in a fresh process (numba compiled and cached by a B = 19 call first, outside the
timing), so that both meet the same load on a shared machine. Printed and recorded: wall and CPU
seconds (all threads of the process; less sensitive to other people's load) and their ratios, this code
over the baseline. Written to ``benchmarks/results/adequacy_speed.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("default", "overlap", "one_normal", "misfit")
#: top-level folders installed as subpackages of emvb (pyproject.toml); api/ is emvb itself
SUBPACKAGES = ("models", "files", "em", "adequacy", "sampling", "labels", "compare", "report", "teaching",
               "study", "cli")


def scenario_data(name: str):
    """The data ``emvb run`` makes for the report scenario ``name``."""
    import numpy as np

    from emvb.models.params import MixtureParams
    from emvb.models.simulate import simulate

    if name == "default":
        return simulate().values
    if name == "overlap":
        return simulate(MixtureParams(0.3, 0.0, 1.5, 1.0), n=200, seed=2026).values
    if name == "one_normal":
        return simulate(MixtureParams(0.3, 0.0, 0.0, 1.0)).values
    return np.random.default_rng(2026).standard_t(2, 5000)


def child(name: str, n_boot: int) -> dict:
    """Time ``assess`` on scenario ``name`` in this process (the code on ``sys.path``)."""
    import emvb
    from emvb import em
    from emvb.adequacy import assess

    x = scenario_data(name)
    fit = em.fit(x, n_init=10, seed=2026)
    assess(x, fit, n_boot=19, seed=1)  # compile / load the numba caches outside the timing
    wall, cpu = time.perf_counter(), time.process_time()
    a = assess(x, fit, n_boot=n_boot, seed=2026)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "code": str(Path(emvb.__file__).resolve().parents[1]),
            "shared_sigma_statistic": a.shared_sigma.test.statistic, "shared_sigma_p": a.shared_sigma.test.p_value,
            "components_p": a.components.test.p_value, "fit_p": a.fit.test.p_value}


def export(ref: str, dest: Path) -> Path:
    """``git archive REF`` laid out as an importable ``emvb`` package under ``dest``; the folder to put on
    ``sys.path``."""
    tar = dest / "src.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(tar), ref], check=True)
    src = dest / "src"
    with tarfile.open(tar) as t:
        t.extractall(src, filter="data")
    pkg = dest / "path" / "emvb"
    pkg.parent.mkdir()
    (src / "api").rename(pkg)
    for sub in SUBPACKAGES:
        (src / sub).rename(pkg / sub)
    return pkg.parent


def run_in(path: Path | None, script: str, argv: list[str], label: str) -> dict:
    """Run ``script ARGV`` in a fresh process importing emvb from ``path`` (None: this checkout) and return the
    JSON object it prints last, after checking that it imported the code meant (its ``code`` entry)."""
    env = dict(os.environ)
    if path is not None:  # ahead of the editable install of this checkout
        env["PYTHONPATH"] = str(path)
    out = subprocess.run([sys.executable, script, *argv], env=env, check=True, capture_output=True,
                         text=True).stdout
    row = json.loads(out.strip().splitlines()[-1])
    code = Path(row.pop("code"))
    if code != (ROOT if path is None else path.resolve()):  # the code meant, not another install
        raise RuntimeError(f"{label}: imported emvb from {code}")
    return row


def run_child(path: Path | None, name: str, n_boot: int) -> dict:
    return run_in(path, __file__, ["--child", name, "--n-boot", str(n_boot)], name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", metavar="REF", help="git revision to compare with (e.g. main)")
    ap.add_argument("--n-boot", type=int, default=199)
    ap.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    ap.add_argument("--child", choices=SCENARIOS, help=argparse.SUPPRESS)
    if "--child" not in sys.argv:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from _record import add_record_options

        add_record_options(ap, "adequacy_speed")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n_boot)))
        return
    from _record import record

    res = {"n_boot": args.n_boot, "against": args.against, "load_average_start": os.getloadavg(), "scenarios": {}}
    with tempfile.TemporaryDirectory() as tmp:
        base = export(args.against, Path(tmp)) if args.against else None
        for name in args.scenarios:
            row = {"this": run_child(None, name, args.n_boot)}
            if base is not None:
                row["baseline"] = run_child(base, name, args.n_boot)
                row["wall_ratio"] = row["this"]["wall_s"] / row["baseline"]["wall_s"]
                row["cpu_ratio"] = row["this"]["cpu_s"] / row["baseline"]["cpu_s"]
            res["scenarios"][name] = row
            print(name, json.dumps({k: v for k, v in row.items()}), flush=True)
    res["load_average_end"] = os.getloadavg()
    record("adequacy_speed", args, res)


if __name__ == "__main__":
    main()
