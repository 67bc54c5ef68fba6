"""Speed and memory of the hand-written EM, as ratios measured in one process.

Run: ``.venv/bin/python benchmarks/em_speed.py [--quick] [--max-sklearn-n N]``

1. Whole fit at N = 1e6 and 1e7 (default truth, one start, the same stopping rule: the mean
   log-likelihood per point changes by < 1e-10, which is what scikit-learn's ``tol`` measures)
   against ``sklearn.mixture.GaussianMixture(2, covariance_type="tied", reg_covar=0)``, one thread
   each (ours is single-threaded; sklearn's k-means start would otherwise use OpenMP). Two views:
   each with its own default start (ours: 2-means on a subsample; sklearn: k-means on all data),
   and sklearn given our start, which isolates the EM loops. Ours includes validation, sha256 and
   Louis' standard errors. Target: >= 20x.
2. One EM iteration (one fused pass + update) at N = 1e7 against one ``np.exp`` over the same
   array; also the numpy reference pass (with temporaries). Target: <= 3x.
3. SQUAREM against plain EM on overlapping components (0.3, 0, 1.5, 1), N = 1e4, same start and
   tolerance: EM-map evaluations. Target: >= 5x fewer.
4. Peak memory of ``em.fit`` at N = 1e7 (tracemalloc: numpy and Python allocations made during the
   fit), relative to the data's size. Target: <= 3x.

Times are the best of several repeats (the machine is shared); ratios are what matter.
"""

from __future__ import annotations

import argparse
import math
import resource
import time
import tracemalloc

import numpy as np

from emvb import em
from emvb.em.iterate import run_em
from emvb.em.kernel import sums_numba, sums_numpy, update
from emvb.em.scaling import Scaling
from emvb.em.starts import make_starts
from emvb.models import DEFAULT_TRUTH, MixtureParams, loglik, simulate

OVERLAP = MixtureParams(0.3, 0.0, 1.5, 1.0)


def best_time(f, repeats: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def sklearn_fit(x: np.ndarray, tol: float, start: MixtureParams | None = None):
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


def whole_fit(n: int, tol: float, repeats: int, max_sklearn_n: int) -> None:
    x = simulate(DEFAULT_TRUTH, n, 1).values
    t_ours, r = best_time(lambda: em.fit(x, n_init=1, tol=tol), repeats)
    print(f"\n[1] whole fit, N = {n:.0e}, default truth, one start, tol = {tol:g} per point")
    print(f"    ours: {t_ours:.3f} s  ({r.n_iter} SQUAREM iterations, {r.n_map_evals} EM-map evaluations, "
          f"converged={r.converged}, with sha256 + Louis SEs)")
    sc, xs = Scaling.standardized(x)
    start = make_starts(xs, 1, np.random.default_rng(0))[0]
    t_loop, path = best_time(lambda: run_em(xs, start.u, tol=tol, max_iter=10_000, accelerate=True), repeats)
    t_plain, plain = best_time(
        lambda: run_em(xs, start.u, tol=tol, max_iter=10_000, accelerate=False), repeats)
    print(f"    ours, EM loop only: SQUAREM {t_loop:.3f} s ({path.n_map_evals} maps), "
          f"plain EM {t_plain:.3f} s ({plain.n_map_evals} maps)")
    if n > max_sklearn_n:
        print(f"    sklearn: skipped at N = {n:.0e} (--max-sklearn-n {max_sklearn_n:.0e})")
        return
    t_sk, (g, p_sk) = best_time(lambda: sklearn_fit(x, tol), 1)
    print(f"    sklearn (own k-means start): {t_sk:.3f} s ({g.n_iter_} iterations)  ->  "
          f"ratio {t_sk / t_ours:.1f}x")
    ours_start = sc.from_u(start.u)
    t_sk2, (g2, p_sk2) = best_time(lambda: sklearn_fit(x, tol, ours_start), 1)
    print(f"    sklearn (given our start):   {t_sk2:.3f} s ({g2.n_iter_} iterations)  ->  ratio "
          f"{t_sk2 / t_ours:.1f}x vs our whole fit, {t_sk2 / t_plain:.1f}x vs our plain-EM loop")
    l_sk = loglik(x, p_sk)
    d = np.max(np.abs(p_sk.to_array() - r.params.to_array()) / r.se.to_array())
    print(f"    agreement: loglik ours - sklearn = {r.loglik - l_sk:.3g} (total), max |diff| = {d:.2g} SE")


def one_iteration(n: int, repeats: int) -> None:
    x = simulate(DEFAULT_TRUTH, n, 2).values
    sc, xs = Scaling.standardized(x)
    u = sc.to_u(MixtureParams(0.4, 6.0, 13.0, 2.5))

    def fused():
        return update(u, sums_numba(xs, u), n)

    def reference():
        return update(u, sums_numpy(xs, u), n)

    fused()
    t_exp, _ = best_time(lambda: np.exp(xs), repeats)
    t_fused, _ = best_time(fused, repeats)
    t_ref, _ = best_time(reference, max(1, repeats // 3))
    print(f"\n[2] one EM iteration at N = {n:.0e}: np.exp {1e3 * t_exp:.1f} ms, "
          f"fused pass {1e3 * t_fused:.1f} ms -> ratio {t_fused / t_exp:.2f}x; "
          f"numpy reference pass {1e3 * t_ref:.1f} ms -> {t_ref / t_exp:.1f}x")


def squarem_vs_plain(n: int, seeds: int) -> None:
    print(f"\n[3] SQUAREM vs plain EM, overlapping {OVERLAP}, N = {n}, same start, EM-map evaluations")
    for tol, xtol in ((1e-10, None), (1e-14, 1e-12)):
        ratios = []
        for seed in range(seeds):
            x = simulate(OVERLAP, n, 100 + seed).values
            sc, xs = Scaling.standardized(x)
            u0 = make_starts(xs, 1, np.random.default_rng(0))[0].u
            a = run_em(xs, u0, tol=tol, max_iter=100_000, accelerate=True, xtol=xtol)
            b = run_em(xs, u0, tol=tol, max_iter=100_000, accelerate=False, xtol=xtol)
            ratios.append(b.n_map_evals / a.n_map_evals)
            if seed == 0:
                diff = np.max(np.abs(sc.u_to_array(a.u) - sc.u_to_array(b.u)))
                print(f"    tol={tol:g}, xtol={xtol}: seed 0: plain {b.n_map_evals} maps, "
                      f"SQUAREM {a.n_map_evals} "
                      f"maps; loglik diff {sc.loglik(a.loglik_std, n) - sc.loglik(b.loglik_std, n):.2g}, "
                      f"max |param diff| {diff:.2g}")
        ratios = np.array(ratios)
        print(f"    tol={tol:g}, xtol={xtol}: plain/SQUAREM evaluations over {seeds} data sets: "
              f"min {ratios.min():.1f}x, median {np.median(ratios):.1f}x, max {ratios.max():.1f}x")


def peak_memory(n: int) -> None:
    x = simulate(DEFAULT_TRUTH, n, 3).values
    em.fit(x[:1000], n_init=1)  # load the compiled kernels first
    tracemalloc.start()
    em.fit(x, n_init=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"\n[4] peak memory of em.fit at N = {n:.0e}: data {x.nbytes / 1e6:.0f} MB; "
          f"allocated during the fit {peak / 1e6:.0f} MB = {peak / x.nbytes:.2f}x the data "
          f"(data + fit = {(peak + x.nbytes) / x.nbytes:.2f}x); "
          f"process max RSS so far {rss / 1e6:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 1e5/1e6 instead of 1e6/1e7 (a smoke run)")
    ap.add_argument("--max-sklearn-n", type=float, default=1e7, help="skip sklearn above this N")
    args = ap.parse_args()
    big = 10**6 if args.quick else 10**7
    em.fit(simulate(DEFAULT_TRUTH, 1000, 0).values, n_init=1)  # compile / load the numba cache
    peak_memory(big)
    one_iteration(big, repeats=7)
    squarem_vs_plain(10_000, seeds=3 if args.quick else 10)
    for n in (big // 10, big):
        whole_fit(n, 1e-10, repeats=5, max_sklearn_n=int(args.max_sklearn_n))


if __name__ == "__main__":
    main()
