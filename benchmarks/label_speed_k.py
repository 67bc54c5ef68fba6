"""Cost of the K-component relabelling methods at K = 4 (4 chains x 1,000 draws, N = 1,000), the two-component
label stage beside it.

Draws are simulated around four components 3 sigmas apart (shared sigma), with chains in different labellings
and swapped blocks (the brute-force tests' :func:`scrambles`), so that every iterative method starts away
from its fixed point. Measured in one process, best of ``--repeats``, after one warm-up call that loads the
compiled kernels:

- ``prepare``: the standardisation, binning and every draw's allocation probabilities and log-likelihood
  (:func:`labels.inputs.prepare_k`), computed once and shared by all methods;
- per method (:func:`labels.kmethods.run_method`, from the sampler's labels, ``init="identity"``): its
  seconds and iterations; the goal is at most :data:`GOAL` seconds each for Stephens, ECR iterative and PRA;
- ``two_component``: the two-component label stage as ``emvb run`` runs it (:func:`labels.inputs.prepare`,
  the diagnosis and every two-component method) on a K = 2 posterior of the same size, and the K-component
  code on that same posterior (``k_methods_on_k2``), for comparison.

Usage::

    .venv/bin/python benchmarks/label_speed_k.py [--k 4 --chains 4 --draws 1000 --n 1000 --repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _record import add_record_options, record

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_relabel_k import simulate  # noqa: E402  (the tests' simulated posteriors with known switching)

BENCHMARK = "label_speed_k"
#: Seconds each of Stephens, ECR iterative and PRA may take at K = 4, 4 x 1,000 draws, N = 1,000.
GOAL = 2.0
TIMED = ("order", "stephens", "ecr_pivot", "ecr_iterative_1", "ecr_iterative_2", "pra", "data_based")


def parse_args(argv) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    add_record_options(ap, BENCHMARK)
    return ap.parse_args(argv)


def best(fn, repeats: int):
    """``(min seconds over repeats, last result)``."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


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

    from emvb.labels.diagnose import diagnose_labels
    from emvb.labels.foreign import read_mixture
    from emvb.labels.inputs import prepare
    from emvb.labels.relabel import agreement, relabel_all

    x, fit = dataset(n=args.n)
    tree = to_tree(swap(normal_draws(fit, args.chains, args.draws, seed=2), known_perm(args.chains, args.draws)),
                   fit.sha256, x)

    def stage():
        inputs = prepare(tree, data=x, em_result=fit)
        diagnose_labels(tree, fit, inputs=inputs)
        return agreement(relabel_all(tree, em_result=fit, inputs=inputs))

    stage()
    seconds, _ = best(stage, args.repeats)
    draws, _ = read_mixture(tree)
    return {"label_stage": seconds, "k_methods_on_k2": k_methods(x, draws, args.repeats)}


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    x, draws, _ = simulate(args.k, gap=3.0, shared=True, noise=0.3, chains=args.chains, draws=args.draws, n=args.n,
                           seed=1)
    rows = k_methods(x, draws, args.repeats)
    print(f"K = {args.k}, {args.chains} chains x {args.draws} draws, N = {args.n} ({rows['bins']} bins): "
          f"prepare {rows['prepare']:.3f} s")
    for m in TIMED:
        r = rows[m]
        print(f"  {m:<16} {r['seconds']:.3f} s  ({r['iterations']} iterations)")
    goal = {m: rows[m]["seconds"] <= GOAL for m in ("stephens", "ecr_iterative_1", "ecr_iterative_2", "pra")}
    print(f"goal (<= {GOAL:g} s each for Stephens, ECR iterative, PRA): "
          + ("met" if all(goal.values()) else "NOT met: " + ", ".join(m for m, ok in goal.items() if not ok)))
    two = two_component(args)
    print(f"K = 2, same size: the two-component label stage (diagnosis + every method) {two['label_stage']:.3f} s; "
          "K-component code on it: prepare " + f"{two['k_methods_on_k2']['prepare']:.3f} s, "
          + ", ".join(f"{m} {two['k_methods_on_k2'][m]['seconds']:.3f} s" for m in TIMED))
    record(BENCHMARK, args, {"k": rows, "goal_met": goal, "two_component": two})
    return 0


if __name__ == "__main__":
    sys.exit(main())
