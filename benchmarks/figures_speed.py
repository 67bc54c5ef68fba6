"""Where the last stages of ``emvb run`` spend their time: the figures, the write stage, and the exit.

Run: ``.venv/bin/python benchmarks/figures_speed.py [options]`` (``--help`` lists them)

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
3. **Write stage**: the tree as results.nc holds it (``compare.facts.stored``), its netCDF bytes, the tables,
   summary.json, report.md; with results.nc's count of variables.
4. **Last stage, one process or two**: ``write_comparison`` whole, alone against with a second process
   (what ``emvb run`` does: one figure and results.nc's bytes there), alternated.
5. **Exit**: a fresh interpreter loads the comparison, writes the report folder and ends; the seconds
   from its last line to its exit, with and without ``gc.freeze()`` (what ``emvb`` now does).

Timings vary run to run on a shared machine; compare the ratios within one run. Written to
``benchmarks/results/figures_speed.json``.
"""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _record import main, median, rounds

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
        return pickle.loads(Path(args.comparison).read_bytes()), None
    from emvb.compare.pipeline import run_comparison
    from emvb.compare.stages import Stages
    from emvb.models.simulate import simulate
    from emvb.sampling.options import Settings

    t0 = time.perf_counter()
    c = run_comparison(simulate(), Settings(), Stages())
    seconds = time.perf_counter() - t0
    if args.save_comparison:
        Path(args.save_comparison).write_bytes(pickle.dumps(c))
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

    def drawn(make):
        fig = make()
        fig.savefig(io.BytesIO(), format="rgba", dpi=F.DPI)
        plt.close(fig)

    times = rounds({"arviz_plot_trace_dist": lambda r: drawn(former),
                    "trace_plot": lambda r: drawn(lambda: F.trace_plot(unordered, "t"))},
                   repeats, warm_up=True, timed=True, clock=time.process_time)
    med = {k: median(v) for k, v in times.items()}
    return {"cpu_seconds": times, "median": med, "new_over_former": med["trace_plot"] / med["arviz_plot_trace_dist"]}


def write_stage(c, repeats: int) -> dict:
    """Seconds of each step of the write stage (best of ``repeats``), and results.nc's count of variables."""
    from emvb.compare.facts import stored
    from emvb.compare.results import ENGINE, table_from_results
    from emvb.compare.summary import summary_from_tree
    from emvb.files.tables import write_table
    from emvb.report.folder import FIGURES
    from emvb.report.markdown import render_report

    tree = stored(c)
    with tempfile.TemporaryDirectory() as d:
        steps = rounds({"stored": lambda r: stored(c), "netcdf_bytes": lambda r: tree.to_netcdf(engine=ENGINE),
                        "tables": lambda r: write_table(table_from_results(tree), Path(d), force=True),
                        "summary_json": lambda r: json.dumps(summary_from_tree(tree), indent=1),
                        "report_md": lambda r: render_report(tree, FIGURES)}, repeats, timed=True)
    return {"best_seconds": {k: min(v) for k, v in steps.items()},
            "netcdf_variables": sum(len(node.dataset.variables) for node in tree.subtree)}


def last_stage(c, repeats: int) -> dict:
    """Wall seconds of the whole last stage of ``emvb run`` (:func:`emvb.report.folder.write_comparison`:
    figures, results.nc, tables, report), in this process alone against with a second process (a
    :class:`emvb.compare.alongside.Worker`, prepared beforehand as ``emvb run`` prepares it while it
    samples); alternated, after a warm-up round of each."""
    from emvb.compare.alongside import Worker
    from emvb.report.folder import prepare_second_process, write_comparison

    with Worker() as second, tempfile.TemporaryDirectory() as d:
        second.submit(prepare_second_process).result()
        walls = rounds({"one_process": lambda r: write_comparison(c, Path(d) / "one", force=True),
                        "two_processes": lambda r: write_comparison(c, Path(d) / "two", force=True, worker=second)},
                       repeats, warm_up=True, timed=True)
    med = {k: median(v) for k, v in walls.items()}
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


def figures_speed(args) -> dict:
    """The last stages of ``emvb run``: figures, write stage, one process or two, exit."""
    from emvb.report.folder import write_figures

    c, seconds = comparison(args)
    with tempfile.TemporaryDirectory() as d:
        walls = rounds({"write_figures": lambda r: write_figures(c, Path(d))}, args.repeats, warm_up=True,
                       timed=True)["write_figures"]
    trace, figs = trace_against_arviz(c, args.repeats), per_figure(c)  # in this order, as before
    return {"comparison_seconds": seconds, "write_figures_wall": {"seconds": walls, "median": median(walls)},
            "trace_figure_against_arviz": trace, "per_figure_cpu": figs,
            "per_figure_cpu_total": {k: sum(r[k] for r in figs.values()) for k in ("build", "draw", "compress")},
            "write_stage": write_stage(c, args.repeats), "last_stage": last_stage(c, args.repeats),
            "exit_seconds": exit_cost(c), "targets": TARGETS}


if __name__ == "__main__":
    main(__doc__, {None: ("figures_speed", figures_speed, {
        "repeats": (3, "alternated timings per path"),
        "comparison": (None, "load the comparison's tree of facts from this pickle"),
        "save_comparison": (None, "pickle the computed tree of facts here (for --comparison)")})})
