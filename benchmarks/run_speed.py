"""`emvb run` against the plain path a user would write, and the compile per model, in fresh processes.

Two measurements, each alternating its two sides in fresh processes (``--repeats`` rounds), so
machine load hits both alike; the figures are medians and ratios:

- **run**: ``emvb run`` with the defaults (``--quiet``, a fresh output folder) against the plain path:
  the same data, two ``pm.NormalMixture`` models (unordered, ordered) sampled by nutpie with its
  defaults (4 chains x (1000 + 1000)), ``az.summary`` of each, and scikit-learn's tied
  ``GaussianMixture`` with 10 starts. Wall seconds of the whole process each; emvb's stage times
  are read from its ``summary.json``.
- **compile**: seconds to compile each model for nutpie in a fresh process (the unordered model
  first, as ``emvb run`` does), with emvb's compile (``sampling/nutpie_compile.py``) and with nutpie's
  public ``compile_pymc_model`` (the fallback), on the default scenario.

The figures are printed and written to ``benchmarks/results/run_speed.json`` (``--out``;
``--no-record`` writes nothing). Usage::

    .venv/bin/python benchmarks/run_speed.py [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _record import add_record_options, record

BENCHMARK = "run_speed"

PLAIN = """
import warnings
import arviz as az
import numpy as np
import nutpie
import pymc as pm
from sklearn.mixture import GaussianMixture
from emvb.models.simulate import simulate

warnings.filterwarnings("ignore")
x = simulate().values
GaussianMixture(2, covariance_type="tied", n_init=10, random_state=0).fit(x[:, None])
for ordered in (False, True):
    with pm.Model():
        w = pm.Dirichlet("w", np.ones(2))
        kw = {"transform": pm.distributions.transforms.ordered, "initval": [x.min(), x.max()]} if ordered else {}
        mu = pm.Normal("mu", x.mean(), 10 * x.std(), shape=2, **kw)
        sigma = pm.HalfNormal("sigma", 10 * x.std())
        pm.NormalMixture("x", w=w, mu=mu, sigma=sigma, observed=x)
        compiled = nutpie.compile_pymc_model(pm.modelcontext(None))
    az.summary(nutpie.sample(compiled, chains=4, draws=1000, tune=1000, seed=1, progress_bar=False))
"""

COMPILE = """
import json, sys, time, warnings
from emvb.models.simulate import simulate
from emvb.models.pymc_model import build_model
from emvb.sampling import nutpie_starts
from emvb.sampling.starts import point
from emvb.models import DEFAULT_TRUTH
import nutpie

if sys.argv[1] == "public":
    nutpie_starts.compile_model = lambda model, start: None
    warnings.simplefilter("ignore", nutpie_starts.NutpieFallbackWarning)
ds, out = simulate(), {}
for name in ("unordered", "ordered"):
    mm = build_model(ds, ordered=name == "ordered")
    _, out[name] = nutpie_starts.compiled_per_group(mm, [point(DEFAULT_TRUTH)])
print(json.dumps(out))
"""


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0


def _run_once(tmp: Path, k: int) -> dict:
    folder = tmp / f"run{k}"
    wall = _wall([sys.executable, "-m", "emvb.cli", "run", "--out", str(folder), "--quiet"])
    summary = json.loads((folder / "summary.json").read_text())
    return {"wall": wall, "stages": summary.get("timings", {})}


def _compile_once(side: str) -> dict:
    out = subprocess.run([sys.executable, "-c", COMPILE, side], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    add_record_options(ap, BENCHMARK)
    args = ap.parse_args()
    runs, plain, ours, public = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeats):
            runs.append(_run_once(Path(tmp), k))
            plain.append(_wall([sys.executable, "-c", PLAIN]))
            ours.append(_compile_once("emvb"))
            public.append(_compile_once("public"))
            print(f"round {k + 1}: emvb run {runs[-1]['wall']:.1f} s, plain path {plain[-1]:.1f} s; compile "
                  f"(unordered, ordered) emvb {ours[-1]['unordered']:.1f}, {ours[-1]['ordered']:.1f} s, "
                  f"public {public[-1]['unordered']:.1f}, {public[-1]['ordered']:.1f} s", flush=True)
    run_wall, plain_wall = statistics.median(r["wall"] for r in runs), statistics.median(plain)
    stages = {k: statistics.median(r["stages"][k] for r in runs) for k in runs[0]["stages"]}
    compile_s = {side: {m: statistics.median(d[m] for d in data) for m in ("unordered", "ordered")}
                 for side, data in (("emvb", ours), ("public", public))}
    results = {"emvb_run_wall_s": run_wall, "plain_path_wall_s": plain_wall,
               "ratio_run_to_plain": run_wall / plain_wall, "emvb_run_stages_s": stages, "compile_s": compile_s,
               "rounds": {"run": runs, "plain": plain, "compile_emvb": ours, "compile_public": public}}
    print(f"emvb run {run_wall:.1f} s (median), plain path {plain_wall:.1f} s: ratio {run_wall / plain_wall:.2f}")
    print("stages (median s): " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    for m in ("unordered", "ordered"):
        print(f"compile {m}: emvb {compile_s['emvb'][m]:.2f} s, nutpie's public {compile_s['public'][m]:.2f} s "
              f"({compile_s['public'][m] / compile_s['emvb'][m]:.1f}x)")
    record(BENCHMARK, args, results)


if __name__ == "__main__":
    main()
