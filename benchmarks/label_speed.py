"""Label-stage cost against sampling cost, as ``emvb run`` spends them, for N = 10^3 ... 10^6.

For each N: data from DEFAULT_TRUTH (seed DEFAULT_SEED), the EM fit, then the unordered and the
ordered model sampled as ``emvb run`` samples them (4 chains x (1000 tune + 1000 draws), starts
from the prior), then the label stage exactly as :func:`compare.pipeline.run_comparison` runs it:
:func:`labels.diagnose.diagnose_labels`, :func:`labels.relabel.relabel_all` (every method) and
:func:`labels.relabel.agreement`. Measured in one process:

- ``sampling``: the seconds NUTS sampled (both models, compile excluded: the conservative base),
  and ``sampling_wall`` (both ``sample`` calls, compile included);
- ``label``: the label stage's wall seconds, best of ``--repeats`` (the compiled kernels are loaded
  once per process first: ``kernel_load`` seconds, reported apart);
- the ratios ``label / sampling`` (target: at most :data:`TARGET`) and ``label / sampling_wall``.

The label stage touches the data only through binned sums (docs/methods.md §8), so its cost is
``draws x bins`` plus O(N) binning, while sampling costs O(N) per gradient. ``--draws`` and
``--tune`` scale both sides alike (label cost is linear in the draws, sampling in draws + tune),
so a shorter run at N = 10^6 measures the same ratio. Results go to
``benchmarks/results/label_speed.json`` (``--out``; ``--no-record`` writes nothing). Usage::

    .venv/bin/python benchmarks/label_speed.py [--ns 1000 10000 100000 1000000] [--draws 1000 --tune 1000]
"""

from __future__ import annotations

import argparse
import sys
import time

from _record import add_record_options, record

from emvb import em
from emvb.models import DEFAULT_SEED, DEFAULT_TRUTH
from emvb.models.simulate import simulate

BENCHMARK = "label_speed"
#: The label stage should cost at most this share of the sampling time.
TARGET = 0.10


def parse_args(argv) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ns", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    add_record_options(ap, BENCHMARK)
    return ap.parse_args(argv)


def label_stage(unordered, fit, x) -> float:
    """Seconds of the pipeline's label stage: diagnosis, every relabelling, agreement."""
    from emvb.labels.diagnose import diagnose_labels
    from emvb.labels.inputs import prepare
    from emvb.labels.relabel import agreement, relabel_all

    t0 = time.perf_counter()
    inputs = prepare(unordered, data=x, em_result=fit)
    diagnose_labels(unordered, fit, inputs=inputs)
    agreement(relabel_all(unordered, em_result=fit, inputs=inputs))
    return time.perf_counter() - t0


def _tree(d, ds):
    """A one-draw posterior tree of ``d`` (for loading the kernels)."""
    import arviz as az
    import numpy as np

    th = np.repeat(np.repeat(d.stack(), 2, axis=0), 4, axis=1)  # 2 chains of 4 draws
    return az.from_dict({"posterior": {"pi1": th[..., 0], "mu": th[..., 1:3], "sigma": th[..., 3]}},
                        dims={"mu": ["component"]})


def measure(n: int, args) -> dict:
    from emvb.labels.passes import HELD_CELLS
    from emvb.models.pymc_model import build_model
    from emvb.sampling.sample import sample

    ds = simulate(DEFAULT_TRUTH, n, DEFAULT_SEED)
    fit = em.fit(ds)
    posts, sampling, wall = {}, 0.0, 0.0
    for ordered in (False, True):
        t0 = time.perf_counter()
        dt = sample(build_model(ds, ordered=ordered), chains=args.chains, draws=args.draws, tune=args.tune,
                    seed=DEFAULT_SEED, start=fit.params)
        wall += time.perf_counter() - t0
        sampling += float(dt.attrs["sampling_time"])
        posts[ordered] = dt
    label = min(label_stage(posts[False], fit, ds.values) for _ in range(args.repeats))
    from emvb.labels.binned import default_bins

    cells = args.chains * args.draws * min(n, default_bins(n))
    return {"n": n, "bins": min(n, default_bins(n)), "held": cells <= HELD_CELLS, "sampling": sampling,
            "sampling_wall": wall, "label": label,
            "ratio": label / sampling, "ratio_wall": label / wall}


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Load (or compile, on a cold cache) the label kernels once, outside the measurements.
    import pymc  # noqa: F401 - imported by the sampling stage of emvb run anyway; not a label-stage cost

    from emvb.labels.binned import bin_data, draw_logliks
    from emvb.labels.passes import label_sums, relabel_pass
    from emvb.models.draws import Draws

    t0 = time.perf_counter()
    small = bin_data(simulate(DEFAULT_TRUTH, 50, 1).values)
    d = Draws(*(a.reshape(1, 1) for a in DEFAULT_TRUTH.to_array()))
    draw_logliks(small, d)
    label_sums(small, d, [[False]])
    relabel_pass(small, d, [1.0] * small.n_bins)
    tiny = simulate(DEFAULT_TRUTH, 300, 1)
    label_stage(_tree(d, tiny), em.fit(tiny), tiny.values)  # the held-responsibility path too
    kernel_load = time.perf_counter() - t0
    print(f"label kernels loaded in {kernel_load:.2f} s (once per process)")
    rows = []
    print(f"{'N':>9} {'sampling s':>11} {'(wall)':>8} {'label s':>8} {'label/sampling':>15} {'label/wall':>11}")
    for n in args.ns:
        r = measure(n, args)
        rows.append(r)
        print(f"{n:>9} {r['sampling']:>11.2f} {r['sampling_wall']:>8.2f} {r['label']:>8.3f} {r['ratio']:>15.4f} "
              f"{r['ratio_wall']:>11.4f}", flush=True)
    worst = max(r["ratio"] for r in rows)
    print(f"largest label/sampling ratio {worst:.4f} (target <= {TARGET})")
    record(BENCHMARK, args, {"rows": rows, "largest_ratio": worst, "target": TARGET, "kernel_load": kernel_load})
    return 0


if __name__ == "__main__":
    sys.exit(main())
