"""Where the last stages of ``emvb run`` spend their time: the figures, the write stage, and the exit.

Run: ``.venv/bin/python benchmarks/figures_speed.py [--repeats R] [--comparison FILE] [--out PATH | --no-record]``

One default comparison (``emvb run``'s scenario and settings) is computed once by
:func:`emvb.compare.pipeline.run_comparison`, its tree of facts (or loaded from ``--comparison FILE``, a
pickle of that tree this script wrote with ``--save-comparison FILE``), then, in this one process:

1. **Per figure**: ``write_figures`` whole (wall seconds, median of ``R`` after a warm-up), and the
   CPU seconds to build each figure (ArviZ or matplotlib calls, KDEs, ``tight_layout``), to draw it
   (``savefig`` to raw RGBA) and to compress it (``imsave``, Pillow's zlib).
2. **One trace figure, former against new drawing**, alternated ``R`` times after a warm-up round:
   ArviZ's ``plot_trace_dist`` with the legend and layout ``trace_plot`` adds (the former drawing)
   against :func:`emvb.report.figures.trace_plot` (the same KDEs and lines, drawn with matplotlib).
   CPU seconds; their ratio is what transfers to another machine.
3. **Write stage**: the tree as results.nc holds it (``compare.facts.stored``), its netCDF bytes, the comparison tables,
   summary.json, report.md; with results.nc's count of variables, and (a measurement only, no change
   of the format) the netCDF time without the relabelled variants' ``sample_stats`` groups, which are
   copies of the unordered model's.
4. **Last stage, one process or two**: ``write_comparison`` whole, alone against with a second process
   (what ``emvb run`` does: one figure and results.nc's bytes there), alternated.
5. **Exit**: a fresh interpreter loads the comparison, writes the report folder and ends; the seconds
   from its last line to its exit, with and without ``gc.freeze()`` (what ``emvb`` now does).

Timings vary run to run on a shared machine; compare the ratios within one run. The figures are
printed and written to ``benchmarks/results/figures_speed.json`` (``--out``; ``--no-record``).
"""

from __future__ import annotations

import argparse
import io
import json
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _record import add_record_options, record

#: Name of the results file (benchmarks/results/<BENCHMARK>.json).
BENCHMARK = "figures_speed"
REPEATS = 3
#: The issue's target for the figures stage, recorded beside the figures.
TARGETS = {"figures_seconds_at_most": 2.0}

_CHILD = """
import gc, pickle, sys, time
from emvb.report.folder import write_comparison
c = pickle.load(open(sys.argv[1], "rb"))
write_comparison(c, sys.argv[2], force=True)
if sys.argv[3] == "freeze":
    gc.freeze()
print("done", flush=True)
"""


def comparison(args):
    """The default comparison's tree of facts: loaded from ``--comparison``, else computed (and saved if asked)."""
    if args.comparison:
        with open(args.comparison, "rb") as f:
            return pickle.load(f), None
    from emvb.compare.pipeline import run_comparison
    from emvb.compare.stages import Stages
    from emvb.models.simulate import simulate
    from emvb.sampling.options import Settings

    t0 = time.perf_counter()
    c = run_comparison(simulate(), Settings(), Stages())
    seconds = time.perf_counter() - t0
    if args.save_comparison:
        with open(args.save_comparison, "wb") as f:
            pickle.dump(c, f)
    return c, seconds


def per_figure(c) -> dict:
    """CPU seconds of building, drawing and compressing each figure (one pass, after a warm-up)."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.image import imsave

    from emvb.report.figures import DPI
    from emvb.report.folder import figure_makers

    out = {}
    for name, make in figure_makers(c).items():
        t0 = time.process_time()
        fig = make()
        t1 = time.process_time()
        buf = io.BytesIO()
        fig.savefig(buf, format="rgba", dpi=DPI)
        w, h = (int(v) for v in fig.get_size_inches() * DPI)
        t2 = time.process_time()
        imsave(io.BytesIO(), np.frombuffer(buf.getbuffer(), np.uint8).reshape(h, w, 4), format="png", dpi=DPI)
        t3 = time.process_time()
        plt.close(fig)
        out[name] = {"build": t1 - t0, "draw": t2 - t1, "compress": t3 - t2, "axes": len(fig.axes)}
    return out


def trace_against_arviz(c, repeats: int) -> dict:
    """CPU seconds of one trace figure (unordered posterior): ArviZ's ``plot_trace_dist``, the former drawing
    (with its legend and layout as ``trace_plot`` adds them), against :func:`emvb.report.figures.trace_plot`."""
    import arviz as az
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from emvb.report import figures as F

    unordered = c["posteriors"]["unordered_raw"]

    def former():
        pc = az.plot_trace_dist(unordered, var_names=["pi1", "mu", "sigma"], compact=False,
                                figure_kwargs={"figsize": (10, 7.5)})
        fig = F.one_line_labels(pc.get_viz("figure"))
        ids = unordered["posterior"]["chain"].values.tolist()
        handles = [Line2D([], [], color=pc.get_viz("dist", "sigma", {"chain": i}).get_color(), lw=2) for i in ids]
        return F.legend_below(fig, handles, [f"chain {i}" for i in ids], "t", bottom=0.05, top=0.96, fontsize=11)

    times = {"arviz_plot_trace_dist": [], "trace_plot": []}
    for _ in range(repeats + 1):  # the first round warms both up and is not kept
        for kind, make in (("arviz_plot_trace_dist", former), ("trace_plot", lambda: F.trace_plot(unordered, "t"))):
            t0 = time.process_time()
            fig = make()
            fig.savefig(io.BytesIO(), format="rgba", dpi=F.DPI)
            plt.close(fig)
            times[kind].append(time.process_time() - t0)
    times = {k: v[1:] for k, v in times.items()}
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"cpu_seconds": times, "median": med, "new_over_former": med["trace_plot"] / med["arviz_plot_trace_dist"]}


def write_stage(c, repeats: int) -> dict:
    """Seconds of each step of the write stage (best of ``repeats``)."""
    from emvb.compare.facts import stored
    from emvb.compare.results import ENGINE, table_from_results
    from emvb.compare.summary import summary_from_tree
    from emvb.files.tables import write_table
    from emvb.report.folder import FIGURES
    from emvb.report.markdown import render_report

    def timed(key, fn, *a, **kw):
        t0 = time.perf_counter()
        value = fn(*a, **kw)
        steps.setdefault(key, []).append(time.perf_counter() - t0)
        return value

    steps: dict[str, list] = {}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as d:
            tree = timed("stored", stored, c)
            timed("netcdf_bytes", tree.to_netcdf, engine=ENGINE)
            timed("tables", lambda t=tree, d=d: write_table(table_from_results(t), Path(d), force=True))
            timed("summary_json", lambda t=tree: json.dumps(summary_from_tree(t), indent=1))
            timed("report_md", render_report, tree, FIGURES)
    best = {k: min(v) for k, v in steps.items()}
    n_vars = sum(len(node.dataset.variables) for node in tree.subtree)
    slim = tree.copy()
    for name in list(slim["posteriors"].children):
        if name.startswith("relabel_") and "sample_stats" in slim["posteriors"][name].children:
            del slim["posteriors"][name]["sample_stats"]
    t0 = time.perf_counter()
    slim.to_netcdf(engine=ENGINE)
    slim_seconds = time.perf_counter() - t0
    return {"best_seconds": best, "netcdf_variables": n_vars,
            "netcdf_variables_without_copied_sample_stats": sum(len(n.dataset.variables) for n in slim.subtree),
            "netcdf_bytes_seconds_without_copied_sample_stats": slim_seconds}


def last_stage(c, repeats: int) -> dict:
    """Wall seconds of the whole last stage of ``emvb run`` (:func:`emvb.report.folder.write_comparison`:
    figures, results.nc, tables, report), in this process alone against with a second process (a
    :class:`emvb.compare.alongside.Worker`, prepared beforehand as ``emvb run`` prepares it while it
    samples); alternated, after a warm-up round of each."""
    from emvb.compare.alongside import Worker
    from emvb.report.folder import prepare_second_process, write_comparison

    walls = {"one_process": [], "two_processes": []}
    with Worker() as second, tempfile.TemporaryDirectory() as d:
        second.submit(prepare_second_process).result()
        for i in range(repeats + 1):
            for key, worker in (("one_process", None), ("two_processes", second)):
                t0 = time.perf_counter()
                write_comparison(c, Path(d) / key, force=True, worker=worker)
                if i:
                    walls[key].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in walls.items()}
    return {"seconds": walls, "median": med, "two_over_one": med["two_processes"] / med["one_process"]}


def exit_cost(c) -> dict:
    """Seconds from a fresh ``write_comparison`` process's last line to its exit, without and with gc.freeze."""
    out = {}
    with tempfile.TemporaryDirectory() as d:
        pk = Path(d) / "comparison.pkl"
        pk.write_bytes(pickle.dumps(c))
        for mode in ("plain", "freeze"):
            p = subprocess.Popen([sys.executable, "-c", _CHILD, str(pk), str(Path(d) / mode), mode],
                                 stdout=subprocess.PIPE, text=True)
            p.stdout.readline()
            t0 = time.perf_counter()
            p.wait()
            out[mode] = time.perf_counter() - t0
    return out


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=REPEATS, help=f"alternated timings per path (default {REPEATS})")
    ap.add_argument("--comparison", type=Path,
                    help="load the comparison's tree of facts from this pickle instead of computing it")
    ap.add_argument("--save-comparison", type=Path,
                    help="pickle the computed comparison's tree of facts here (for --comparison)")
    add_record_options(ap, BENCHMARK)
    return ap.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    c, seconds = comparison(args)
    print("comparison: " + (f"computed in {seconds:.1f} s" if seconds is not None
                            else f"loaded from {args.comparison}"))
    from emvb.report.folder import write_figures

    walls = []
    with tempfile.TemporaryDirectory() as d:
        for _ in range(args.repeats + 1):  # the first round warms up and is not kept
            t0 = time.perf_counter()
            write_figures(c, Path(d))
            walls.append(time.perf_counter() - t0)
    figures_wall = {"seconds": walls[1:], "median": statistics.median(walls[1:])}
    print(f"\nwrite_figures, wall seconds (median of {args.repeats}): {figures_wall['median']:.2f} "
          f"(target {TARGETS['figures_seconds_at_most']})")
    trace = trace_against_arviz(c, args.repeats)
    print(f"one trace figure, CPU seconds (median of {args.repeats}): ArviZ plot_trace_dist "
          f"{trace['median']['arviz_plot_trace_dist']:.2f}, trace_plot {trace['median']['trace_plot']:.2f}, "
          f"ratio {trace['new_over_former']:.2f}")
    figs = per_figure(c)
    print(f"\n{'figure':<22}{'axes':>5}{'build':>8}{'draw':>8}{'compress':>10}  (CPU seconds)")
    for name, r in figs.items():
        print(f"{name:<22}{r['axes']:>5}{r['build']:>8.2f}{r['draw']:>8.2f}{r['compress']:>10.2f}")
    total = {k: sum(r[k] for r in figs.values()) for k in ("build", "draw", "compress")}
    print(f"{'total':<27}{total['build']:>8.2f}{total['draw']:>8.2f}{total['compress']:>10.2f}")
    write = write_stage(c, args.repeats)
    print("\nwrite stage, best seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in write["best_seconds"].items()))
    print(f"results.nc: {write['netcdf_variables']} variables; without the relabelled variants' copies of "
          f"sample_stats {write['netcdf_variables_without_copied_sample_stats']}, netCDF bytes in "
          f"{write['netcdf_bytes_seconds_without_copied_sample_stats']:.2f} s")
    last = last_stage(c, args.repeats)
    print(f"\nlast stage (figures, results.nc, tables, report), wall seconds (median of {args.repeats}): one process "
          f"{last['median']['one_process']:.2f}, with a second process {last['median']['two_processes']:.2f}, "
          f"ratio {last['two_over_one']:.2f}")
    ex = exit_cost(c)
    print(f"\nexit after the last line: {ex['plain']:.2f} s as before, {ex['freeze']:.2f} s with gc.freeze()")
    record(BENCHMARK, args, {"comparison_seconds": seconds, "write_figures_wall": figures_wall,
                             "trace_figure_against_arviz": trace,
                             "per_figure_cpu": figs,
                             "per_figure_cpu_total": total, "write_stage": write, "last_stage": last,
                             "exit_seconds": ex,
                             "targets": TARGETS})


if __name__ == "__main__":
    main()
