"""Speed and memory of the hand-written EM, as ratios measured in one process.

Run: ``.venv/bin/python benchmarks/em_speed.py [options]`` (``--help`` lists them)

1. Whole fit at N = 1e6 and 1e7 (default truth, one start, the same stopping rule: the mean
   log-likelihood per point changes by < 1e-10, which is what scikit-learn's ``tol`` measures)
   against ``sklearn.mixture.GaussianMixture(2, covariance_type="tied", reg_covar=0)``, one thread
   each (ours is single-threaded; sklearn's k-means start would otherwise use OpenMP). Two views:
   each with its own default start (ours: 2-means on a subsample; sklearn: k-means on all data),
   and sklearn given our start, which isolates the EM loops. Ours includes validation, sha256 and
   Louis' standard errors. Target: >= 20x (:data:`TARGETS`).
2. One EM iteration (one fused pass + update) at N = 1e7 against one ``np.exp`` over the same
   array; also the numpy reference pass (with temporaries). Target: <= 3x.
3. SQUAREM against plain EM on overlapping components (0.3, 0, 1.5, 1), N = 1e4, same start and
   tolerance: EM-map evaluations. Target: >= 5x fewer.
4. Peak memory of ``em.fit`` at N = 1e7 (tracemalloc: numpy and Python allocations made during the
   fit), relative to the data's size. Target: <= 3x.
5. ``emvb em --data x.npy`` at N = 1e7 with the default 10 starts, wall time of the whole command in
   a fresh process (median of 3; start-up, reading, sha256, fit, SEs, printing). Target: <= 2 s. Beside
   it, in this process, the fit with the starts on a subsample (the default, docs/methods.md §1.5)
   against every start on all data (``start_sample=None``, the former behaviour).

Times are the best of several repeats (the machine is shared); ratios are what matter. ``--n``
replaces the largest N (1e7; the whole fit also runs at a tenth of it), ``--repeats`` the number of
timed repeats, ``--seeds`` the number of data sets of item 3; the defaults are the full benchmark.
Written to ``benchmarks/results/em_speed.json``.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
from _record import best, main, median, rounds

from emvb import em
from emvb.em.coords import params, start_u, trace_params
from emvb.em.iterate import run_em
from emvb.em.kernel import sums_numba, sums_numpy, update
from emvb.em.starts import make_starts
from emvb.models import DEFAULT_TRUTH, MixtureParams, loglik, simulate
from emvb.models.scaling import Scaling

#: Overlapping components, where plain EM is slow (item 3).
OVERLAP = MixtureParams(0.3, 0.0, 1.5, 1.0)
#: Largest N of items 1, 2 and 4.
BIG_N = 10**7
#: Stopping rule of the whole fit: change in mean log-likelihood per point (scikit-learn's ``tol``).
FIT_TOL = 1e-10
#: Timed repeats (the best is kept) of the whole fit and of one iteration.
FIT_REPEATS, ITERATION_REPEATS = 5, 7
#: Item 3: data size, number of data sets, and (tol, xtol) stopping rules.
SQUAREM_N, SQUAREM_SEEDS = 10_000, 10
SQUAREM_RULES = ((1e-10, None), (1e-14, 1e-12))
#: Iteration cap of item 3 (plain EM can need very many steps there).
SQUAREM_MAX_ITER = 100_000
#: Data seeds, one per item, so the items do not share data.
FIT_SEED, ITERATION_SEED, MEMORY_SEED, SQUAREM_SEED0 = 1, 2, 3, 100
#: Where one iteration is evaluated (item 2): a point away from the optimum.
ITERATION_AT = MixtureParams(0.4, 6.0, 13.0, 2.5)
#: Size of the fit that loads the compiled kernels before anything is timed.
WARM_N = 1000
#: The targets of the module note, recorded beside the figures.
TARGETS = {"whole_fit_sklearn_over_ours_at_least": 20.0, "iteration_over_exp_at_most": 3.0,
           "squarem_fewer_maps_at_least": 5.0, "peak_memory_over_data_at_most": 3.0,
           "em_command_seconds_at_most": 2.0}
#: Fresh-process runs of ``emvb em`` (item 5); the median is kept.
COMMAND_RUNS = 3


def sklearn_fit(x: np.ndarray, tol: float, start: MixtureParams | None = None):
    """Single-threaded tied-covariance ``GaussianMixture(2)``; returns it and its estimate, ``mu1 < mu2``."""
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    kw = {}
    if start is not None:
        kw = dict(weights_init=[start.pi1, 1 - start.pi1], means_init=[[start.mu1], [start.mu2]],
                  precisions_init=[[1.0 / start.sigma**2]])
    with threadpool_limits(limits=1):
        g = GaussianMixture(2, covariance_type="tied", reg_covar=0.0, tol=tol, n_init=1, max_iter=100_000,
                            random_state=0, **kw).fit(x[:, None])
    w, m = g.weights_, g.means_.ravel()
    i, j = np.argsort(m)
    return g, MixtureParams(w[i], m[i], m[j], float(np.sqrt(g.covariances_.ravel()[0])))


def whole_fit(n: int, tol: float, repeats: int, max_sklearn_n: int) -> dict:
    """Item 1 at one N: our whole fit, then scikit-learn with its own k-means start and with ours (unless
    N > ``max_sklearn_n``), and the agreement of the estimates in SEs."""
    x = simulate(DEFAULT_TRUTH, n, FIT_SEED).values
    print(f"[1] whole fit, N = {n:.0e}", flush=True)
    t_ours, r = best(lambda: em.fit(x, n_init=1, tol=tol), repeats)
    sc, xs = Scaling.standardized(x)
    start = make_starts(xs, 1, np.random.default_rng(0))[0]  # what our fit starts from
    out = {"n": n, "tol": tol, "ours_s": t_ours, "ours_iterations": r.n_iter, "ours_map_evals": r.n_map_evals,
           "ours_converged": r.converged}
    if n > max_sklearn_n:
        return out | {"sklearn": "skipped"}
    t_sk, (g, p_sk) = best(lambda: sklearn_fit(x, tol), 1)
    t_sk2, (g2, _) = best(lambda: sklearn_fit(x, tol, params(sc, start.u)), 1)
    return out | {"sklearn_own_start_s": t_sk, "sklearn_own_start_iterations": g.n_iter_,
                  "sklearn_own_start_over_ours": t_sk / t_ours, "sklearn_our_start_s": t_sk2,
                  "sklearn_our_start_iterations": g2.n_iter_, "sklearn_our_start_over_ours": t_sk2 / t_ours,
                  "loglik_ours_minus_sklearn": r.loglik - loglik(x, p_sk),
                  "max_abs_diff_in_se": np.max(np.abs(p_sk.to_array() - r.params.to_array()) / r.se.to_array())}


def one_iteration(n: int, repeats: int) -> dict:
    """Item 2: one fused EM iteration and the numpy reference pass, against one ``np.exp``."""
    x = simulate(DEFAULT_TRUTH, n, ITERATION_SEED).values
    sc, xs = Scaling.standardized(x)
    u = start_u(sc, ITERATION_AT)
    update(u, sums_numba(xs, u), n)
    t_exp, _ = best(lambda: np.exp(xs), repeats)
    t_fused, _ = best(lambda: update(u, sums_numba(xs, u), n), repeats)
    t_ref, _ = best(lambda: update(u, sums_numpy(xs, u), n), max(1, repeats // 3))
    return {"n": n, "exp_s": t_exp, "fused_s": t_fused, "fused_over_exp": t_fused / t_exp,
            "reference_s": t_ref, "reference_over_exp": t_ref / t_exp}


def squarem_rule(n: int, seeds: int, tol: float, xtol: float | None) -> dict:
    """Plain-EM / SQUAREM EM-map evaluations over ``seeds`` data sets, one stopping rule."""
    ratios, first = [], {}
    for seed in range(seeds):
        x = simulate(OVERLAP, n, SQUAREM_SEED0 + seed).values
        sc, xs = Scaling.standardized(x)
        u0 = make_starts(xs, 1, np.random.default_rng(0))[0].u
        a = run_em(xs, u0, tol=tol, max_iter=SQUAREM_MAX_ITER, accelerate=True, xtol=xtol)
        b = run_em(xs, u0, tol=tol, max_iter=SQUAREM_MAX_ITER, accelerate=False, xtol=xtol)
        ratios.append(b.n_map_evals / a.n_map_evals)
        if seed == 0:
            first = {"seed0_plain_maps": b.n_map_evals, "seed0_squarem_maps": a.n_map_evals,
                     "seed0_loglik_diff": sc.loglik_from_std(a.loglik_std, n) - sc.loglik_from_std(b.loglik_std, n),
                     "seed0_max_param_diff": np.max(np.abs(trace_params(sc, a.u) - trace_params(sc, b.u)))}
    ratios = np.array(ratios)
    return {"tol": tol, "xtol": xtol} | first | {
        "plain_over_squarem": ratios, "min": ratios.min(), "median": np.median(ratios), "max": ratios.max()}


def peak_memory(n: int) -> dict:
    """Item 4: memory allocated during ``em.fit`` (tracemalloc) relative to the data's size."""
    x = simulate(DEFAULT_TRUTH, n, MEMORY_SEED).values
    em.fit(x[:WARM_N], n_init=1)  # load the compiled kernels first
    tracemalloc.start()
    em.fit(x, n_init=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"n": n, "data_bytes": x.nbytes, "peak_bytes": peak, "peak_over_data": peak / x.nbytes,
            "data_plus_fit_over_data": (peak + x.nbytes) / x.nbytes,
            "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def em_command(n: int) -> dict:
    """Item 5: ``emvb em`` on ``n`` points in a fresh process, and the subsample's gain in this one."""
    x = simulate(DEFAULT_TRUTH, n, FIT_SEED).values
    emvb = Path(sys.executable).with_name("emvb")
    with tempfile.TemporaryDirectory() as d:
        np.save(Path(d) / "x.npy", x)
        walls = rounds({"emvb em": lambda r: subprocess.run([str(emvb), "em", "--data", str(Path(d) / "x.npy")],
                                                            check=True, capture_output=True)},
                       COMMAND_RUNS, timed=True)["emvb em"]
    t_sub, r_sub = best(lambda: em.fit(x), 1)
    t_all, r_all = best(lambda: em.fit(x, start_sample=None), 1)
    return {"n": n, "command_wall_s": median(walls), "command_walls_s": walls, "fit_subsample_s": t_sub,
            "fit_all_data_s": t_all, "all_over_subsample": t_all / t_sub, "subsample": r_sub.runs.subsample,
            "loglik_subsample_minus_all": r_sub.loglik - r_all.loglik}


def em_speed(args) -> dict:
    """Items 1 to 5 of the module note."""
    big = int(args.n)
    fit_repeats, iteration_repeats = args.repeats or FIT_REPEATS, args.repeats or ITERATION_REPEATS
    em.fit(simulate(DEFAULT_TRUTH, WARM_N, 0).values, n_init=1)  # compile / load the numba cache
    return {"targets": TARGETS, "em_command": em_command(big), "peak_memory": peak_memory(big),
            "one_iteration": one_iteration(big, repeats=iteration_repeats),
            "squarem_vs_plain": {"n": args.squarem_n, "seeds": args.seeds, "overlap": OVERLAP.to_dict(), "rules": [
                squarem_rule(args.squarem_n, args.seeds, tol, xtol) for tol, xtol in SQUAREM_RULES]},
            "whole_fit": [whole_fit(n, FIT_TOL, repeats=fit_repeats, max_sklearn_n=int(args.max_sklearn_n))
                          for n in (big // 10, big)]}


if __name__ == "__main__":
    main(__doc__, {None: ("em_speed", em_speed, {
        "max_sklearn_n": (1e7, "skip sklearn above this N"), "n": (float(BIG_N), f"largest N (default {BIG_N:.0e})"),
        "repeats": (0, f"timed repeats (default {FIT_REPEATS} per fit, {ITERATION_REPEATS} per iteration)"),
        "seeds": (SQUAREM_SEEDS, "data sets of item 3"), "squarem_n": (SQUAREM_N, "N of item 3")})})
