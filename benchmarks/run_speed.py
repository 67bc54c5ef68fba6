"""emvb against the plain path a user would write: ``emvb run``, the compile per model, a study's replicate.

Run: ``.venv/bin/python benchmarks/run_speed.py run|replicate [options]`` (``--help`` lists them).

``run`` (``benchmarks/results/run_speed.json``): two measurements, each alternating its two sides in fresh
processes (``--repeats`` rounds), so machine load hits both alike; the figures are medians and ratios:

- **run**: ``emvb run`` with the defaults (``--quiet``, a fresh output folder) against the plain path
  (:func:`plain_path`): the same data, two ``pm.NormalMixture`` models (unordered, ordered) sampled by nutpie
  with its defaults (4 chains x (1000 + 1000)), ``az.summary`` of each, and scikit-learn's tied
  ``GaussianMixture`` with 10 starts. Wall seconds of the whole process each; emvb's stage times are read
  from its ``summary.json``.
- **compile**: seconds to compile each model for nutpie in a fresh process (the unordered model first, as
  ``emvb run`` does), with emvb's compile (``sampling/nutpie_compile.py``) and with nutpie's public
  ``compile_pymc_model`` (the fallback), on the default scenario.

``replicate`` (``benchmarks/results/replicate_speed.json``): seconds per posterior replicate of a study, in
one process. emvb's path is the study's own (:func:`emvb.study.upstream.sample_posterior`: the worker's
compiled model rebound to each data set, every chain at the EM estimate, one core); the plain alternative
is a loop of ``pm.sample(nuts_sampler="nutpie")`` on a ``pm.NormalMixture`` model built per data set (PyMC
compiles it on every call). Both: the default truth, 4 chains x (1000 + 1000), the same data sets,
alternated; emvb's first replicate (its one compile) is reported apart and the steady state is the median of
the rest. Medians per N, and their ratio.
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _record import best, in_fresh_process, main, median, rounds


def normal_mixture(x: np.ndarray, ordered: bool):
    """``pm.NormalMixture`` on ``x`` with weakly informative priors, as a user would write it (in a model context)."""
    import pymc as pm

    w = pm.Dirichlet("w", np.ones(2))
    kw = {"transform": pm.distributions.transforms.ordered, "initval": [x.min(), x.max()]} if ordered else {}
    mu = pm.Normal("mu", x.mean(), 10 * x.std(), shape=2, **kw)
    sigma = pm.HalfNormal("sigma", 10 * x.std())
    pm.NormalMixture("x", w=w, mu=mu, sigma=sigma, observed=x)


def plain_path() -> None:
    """What a user would write for ``emvb run``'s figures: scikit-learn's EM, two models sampled by nutpie."""
    import arviz as az
    import nutpie
    import pymc as pm
    from sklearn.mixture import GaussianMixture

    from emvb.models.simulate import simulate

    warnings.filterwarnings("ignore")
    x = simulate().values
    GaussianMixture(2, covariance_type="tied", n_init=10, random_state=0).fit(x[:, None])
    for ordered in (False, True):
        with pm.Model():
            normal_mixture(x, ordered)
            compiled = nutpie.compile_pymc_model(pm.modelcontext(None))
        az.summary(nutpie.sample(compiled, chains=4, draws=1000, tune=1000, seed=1, progress_bar=False))


def compile_seconds(side: str) -> dict:
    """Seconds to compile each model in this (fresh) process, by emvb's compile or nutpie's public one."""
    from emvb.models import DEFAULT_TRUTH
    from emvb.models.pymc_model import build_model
    from emvb.models.simulate import simulate
    from emvb.sampling import nutpie_starts
    from emvb.sampling.starts import point

    if side == "public":
        nutpie_starts.compile_model = lambda model, start: None
        warnings.simplefilter("ignore", nutpie_starts.NutpieFallbackWarning)
    ds, out = simulate(), {}
    for name in ("unordered", "ordered"):
        mm = build_model(ds, ordered=name == "ordered")
        _, out[name] = nutpie_starts.compiled_per_group(mm, [point(DEFAULT_TRUTH)])
    return out


def run(args) -> dict:
    """``emvb run`` against the plain path, and emvb's compile against nutpie's, in fresh processes."""
    def emvb_run(k):
        folder = Path(tmp) / f"run{k}"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "emvb.cli", "run", "--out", str(folder), "--quiet"], check=True,
                       capture_output=True, text=True)
        return {"wall": time.perf_counter() - t0,
                "stages": json.loads((folder / "summary.json").read_text()).get("timings", {})}

    with tempfile.TemporaryDirectory() as tmp:
        r = rounds({"run": emvb_run, "plain": lambda k: best(lambda: in_fresh_process(__file__, "plain_path"), 1)[0],
                    "compile_emvb": lambda k: in_fresh_process(__file__, "compile_seconds", "emvb"),
                    "compile_public": lambda k: in_fresh_process(__file__, "compile_seconds", "public")}, args.repeats)
    run_wall, plain_wall = statistics.median(x["wall"] for x in r["run"]), median(r["plain"])
    stages = median([x["stages"] for x in r["run"]])
    compile_s = {"emvb": median(r["compile_emvb"]), "public": median(r["compile_public"])}
    return {"emvb_run_wall_s": run_wall, "plain_path_wall_s": plain_wall, "ratio_run_to_plain": run_wall / plain_wall,
            "emvb_run_stages_s": stages, "compile_s": compile_s, "rounds": r}


def plain_replicate(x: np.ndarray, seed: int) -> float:
    """Seconds for the plain path on ``x``: build, ``pm.sample`` with nutpie (its compile included)."""
    import pymc as pm

    t0 = time.perf_counter()
    with pm.Model():
        normal_mixture(x, ordered=True)
        pm.sample(draws=1000, tune=1000, chains=4, cores=1, nuts_sampler="nutpie", random_seed=seed,
                  progressbar=False)
    return time.perf_counter() - t0


def emvb_replicate(x: np.ndarray, seed: int) -> tuple[float, float]:
    """Seconds for emvb's study path on ``x`` (EM included), and the compile seconds within."""
    from emvb import em
    from emvb.models import DEFAULT_TRUTH
    from emvb.study.settings import fixed_prior
    from emvb.study.upstream import sample_posterior

    t0 = time.perf_counter()
    fit = em.fit(x, n_init=10, seed=seed)
    s = sample_posterior(x, ordered=True, priors=fixed_prior(DEFAULT_TRUTH), start=fit.params, chains=4, draws=1000,
                         tune=1000, seed=seed)
    return time.perf_counter() - t0, s.compile_seconds


def replicate(args) -> dict:
    """Seconds per posterior replicate: the study's path against a loop of ``pm.sample``, same data sets."""
    from emvb.models import DEFAULT_TRUTH
    from emvb.models.simulate import draw

    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    rng = np.random.default_rng(2026)
    results = {}
    for n in args.ns:
        rows = []
        for k in range(args.replicates + 1):
            x, _ = draw(DEFAULT_TRUTH, n, rng)
            t_ours, compiling = emvb_replicate(x, k)
            rows.append({"emvb_s": t_ours, "emvb_compile_s": compiling, "plain_s": plain_replicate(x, k)})
            print(f"N = {n}, replicate {k}: emvb {t_ours:.2f} s (compile {compiling:.2f}), "
                  f"pm.sample {rows[-1]['plain_s']:.2f} s", flush=True)
        e, p = median([r["emvb_s"] for r in rows[1:]]), median([r["plain_s"] for r in rows[1:]])
        results[str(n)] = {"emvb_first_s": rows[0]["emvb_s"], "emvb_median_s": e, "plain_median_s": p,
                           "plain_over_emvb": p / e, "rows": rows}
    return results


if __name__ == "__main__":
    main(__doc__, {"run": ("run_speed", run, {"repeats": 2}),
                   "replicate": ("replicate_speed", replicate, {"replicates": 4, "ns": [200, 1000]})})
