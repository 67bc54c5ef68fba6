"""Cost of the label stage: against sampling as ``emvb run`` spends them, and of the K-component methods.

Run: ``.venv/bin/python benchmarks/label_speed.py stage|k [options]`` (``--help`` lists them).

``stage`` (``benchmarks/results/label_speed.json``), for each N: data from DEFAULT_TRUTH (seed
DEFAULT_SEED), the EM fit, then the unordered and the ordered model sampled as ``emvb run`` samples them
(4 chains x (1000 tune + 1000 draws), starts from the prior), then the label stage exactly as
:func:`compare.pipeline.run_comparison` runs it: :func:`labels.diagnose.diagnose_labels`,
:func:`labels.relabel.relabel_all` (every method) and :func:`labels.relabel.agreement`. Measured in one
process: ``sampling``, the seconds NUTS sampled (both models, compile excluded: the conservative base), and
``sampling_wall`` (both ``sample`` calls, compile included); ``label``, the label stage's wall seconds, best
of ``--repeats`` after a first call that loads the compiled kernels; the ratios ``label / sampling``
(target: at most :data:`TARGET`) and ``label / sampling_wall``. The label stage touches the data only
through binned sums (docs/methods.md §8), so its cost is ``draws x bins`` plus O(N) binning, while sampling
costs O(N) per gradient. ``--draws`` and ``--tune`` scale both sides alike (label cost is linear in the
draws, sampling in draws + tune), so a shorter run at N = 10^6 measures the same ratio.

``k`` (``benchmarks/results/label_speed_k.json``): the K-component relabelling methods at K = 4 (4 chains x
1,000 draws, N = 1,000), the two-component label stage beside it. Draws are simulated around four
components 3 sigmas apart (shared sigma), with chains in different labellings and swapped blocks (the
brute-force tests' :func:`scrambles`), so that every iterative method starts away from its fixed point.
Measured in one process, best of ``--repeats``, after one warm-up call that loads the compiled kernels:
``prepare``, the standardisation, binning and every draw's allocation probabilities and log-likelihood
(:func:`labels.inputs.prepare_k`), computed once and shared by all methods; per method
(:func:`labels.kmethods.run_method`, from the sampler's labels, ``init="identity"``) its seconds and
iterations (goal: at most :data:`GOAL` seconds each for Stephens, ECR iterative and PRA); and
``two_component``, the two-component label stage as ``emvb run`` runs it (:func:`labels.inputs.prepare`, the
diagnosis and every two-component method) on a K = 2 posterior of the same size, and the K-component code on
that same posterior (``k_methods_on_k2``), for comparison.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from _record import best, main

from emvb import em
from emvb.models import DEFAULT_SEED, DEFAULT_TRUTH
from emvb.models.simulate import simulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the tests' simulated posteriors

#: The label stage should cost at most this share of the sampling time.
TARGET = 0.10
#: Seconds each of Stephens, ECR iterative and PRA may take at K = 4, 4 x 1,000 draws, N = 1,000.
GOAL = 2.0
TIMED = ("order", "stephens", "ecr_pivot", "ecr_iterative_1", "ecr_iterative_2", "pra", "data_based")


def label_stage(unordered, fit, x):
    """The pipeline's label stage: diagnosis, every relabelling, agreement."""
    from emvb.labels.diagnose import diagnose_labels
    from emvb.labels.inputs import prepare
    from emvb.labels.relabel import agreement, relabel_all

    inputs = prepare(unordered, data=x, em_result=fit)
    diagnose_labels(unordered, fit, inputs=inputs)
    return agreement(relabel_all(unordered, em_result=fit, inputs=inputs))


def stage_at(n: int, args) -> dict:
    from emvb.labels.binned import default_bins
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
    label_stage(posts[False], fit, ds.values)  # loads (or compiles, on a cold cache) the kernels this N uses
    label, _ = best(lambda: label_stage(posts[False], fit, ds.values), args.repeats)
    bins = min(n, default_bins(n))
    return {"n": n, "bins": bins, "held": args.chains * args.draws * bins <= HELD_CELLS, "sampling": sampling,
            "sampling_wall": wall, "label": label, "ratio": label / sampling, "ratio_wall": label / wall}


def stage(args) -> dict:
    """The two-component label stage as a share of the sampling time, N = 10^3 ... 10^6."""
    rows = [stage_at(n, args) for n in args.ns]
    return {"rows": rows, "largest_ratio": max(r["ratio"] for r in rows), "target": TARGET}


def k_methods(x, draws, repeats: int) -> dict:
    from emvb.labels.inputs import prepare_k
    from emvb.labels.kmethods import run_method

    prepare_k(draws, x)  # warm-up: load the compiled kernel
    seconds, inputs = best(lambda: prepare_k(draws, x), repeats)
    rows = {"prepare": seconds, "bins": inputs.alloc.binned.n_bins}
    for m in TIMED:
        s, (perm, info) = best(lambda m=m: run_method(m, inputs.draws, inputs.alloc, init="identity"), repeats)
        rows[m] = {"seconds": s, "iterations": info.get("iterations", 1)}
    return rows


def two_component(args) -> dict:
    """The two-component stage and the K-component code on one K = 2 posterior of the same size."""
    from test_labels_synthetic import dataset, known_perm, normal_draws, swap, to_tree

    from emvb.labels.foreign import read_mixture

    x, fit = dataset(n=args.n)
    tree = to_tree(swap(normal_draws(fit, args.chains, args.draws, seed=2), known_perm(args.chains, args.draws)),
                   fit.sha256, x)
    label_stage(tree, fit, x)
    seconds, _ = best(lambda: label_stage(tree, fit, x), args.repeats)
    draws, _ = read_mixture(tree)
    return {"label_stage": seconds, "k_methods_on_k2": k_methods(x, draws, args.repeats)}


def k(args) -> dict:
    """The K-component relabelling methods at K = 4, and the two-component stage beside them."""
    from test_relabel_k import simulate as simulate_k  # posteriors with known switching

    x, draws, _ = simulate_k(args.k, gap=3.0, shared=True, noise=0.3, chains=args.chains, draws=args.draws,
                             n=args.n, seed=1)
    rows = k_methods(x, draws, args.repeats)
    goal = {m: rows[m]["seconds"] <= GOAL for m in ("stephens", "ecr_iterative_1", "ecr_iterative_2", "pra")}
    return {"k": rows, "goal_met": goal, "two_component": two_component(args)}


if __name__ == "__main__":
    main(__doc__, {"stage": ("label_speed", stage, {"ns": [1000, 10_000, 100_000, 1_000_000], "chains": 4,
                                                    "draws": 1000, "tune": 1000, "repeats": 3}),
                   "k": ("label_speed_k", k, {"k": 4, "chains": 4, "draws": 1000, "n": 1000, "repeats": 3})})
