"""Cost of the sampler's settings on separated data, this code against a git revision, both models.

Run: ``.venv/bin/python benchmarks/sampler_target_cost.py --against REF [--n 1000 10000] [--out PATH | --no-record]``

On data from the default truth (seed 3), :func:`sampling.sample.sample` of the ordered and the unordered
model, 4 chains x (1000 warm-up + 1000 draws), every chain started at the EM estimate, seed 1, is timed
after a short call that compiles the model, in a fresh process per code and size; this code and the
revision REF (exported by :func:`adequacy_speed.export`) alternate, so both meet the same load. Printed
and recorded: sampling seconds, mean leapfrog steps per draw and mean step size, and the ratios this
code over REF. Written to ``benchmarks/results/sampler_target_cost.json``. The overlap scenario's cost
is measured by ``benchmarks/divergences.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK = "sampler_target_cost"


def child(n: int) -> dict:
    """Time both models at size ``n`` in this process (the code on ``sys.path``)."""
    import emvb
    from emvb import em
    from emvb.models import DEFAULT_TRUTH, simulate
    from emvb.models.pymc_model import build_model
    from emvb.sampling.sample import sample

    ds = simulate(DEFAULT_TRUTH, n, seed=3)
    start = em.fit(ds.values, seed=1).params
    out = {"code": str(Path(emvb.__file__).resolve().parents[1])}
    for ordered in (True, False):
        model = build_model(ds, ordered=ordered)
        sample(model, chains=4, draws=50, tune=50, seed=1, init="em", start=start)  # compile outside the timing
        t = time.perf_counter()
        dt = sample(model, chains=4, draws=1000, tune=1000, seed=1, init="em", start=start)
        stats = dt["sample_stats"]
        out["ordered" if ordered else "unordered"] = {
            "seconds": time.perf_counter() - t, "leapfrog_steps": float(stats["n_steps"].mean()),
            "step_size": float(stats["step_size"].mean())}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", metavar="REF", required="--child" not in sys.argv,
                    help="git revision to compare with (e.g. ed30d81, before the centre-and-gap coordinates)")
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    if "--child" not in sys.argv:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from _record import add_record_options

        add_record_options(ap, BENCHMARK)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    from _record import record
    from adequacy_speed import export, run_in

    res = {"against": args.against, "load_average_start": os.getloadavg(), "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        base = export(args.against, Path(tmp))
        for n in args.n:
            argv, label = ["--child", str(n)], f"n = {n}"
            row = {"this": run_in(None, __file__, argv, label), "baseline": run_in(base, __file__, argv, label)}
            row["ratio"] = {m: row["this"][m]["seconds"] / row["baseline"][m]["seconds"]
                            for m in ("ordered", "unordered")}
            res["sizes"][str(n)] = row
            print(n, json.dumps(row), flush=True)
    res["load_average_end"] = os.getloadavg()
    record(BENCHMARK, args, res)


if __name__ == "__main__":
    main()
