"""The report folder of one comparison: figures, results.nc, comparison tables, summary.json, report.md.

Written atomically (:func:`files.output.atomic_dir`): an existing folder is replaced only once the
new one is complete, and an interrupted run leaves nothing half-written.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..compare.alongside import Worker
from ..compare.pipeline import Comparison
from ..compare.stages import Stages
from ..files.output import atomic_dir, atomic_write_text

FIGURES = {
    "data_fit.png": "data with the true, EM and posterior densities",
    "em_convergence.png": "EM log-likelihood, plain vs SQUAREM",
    "trace_unordered.png": "unordered posterior as sampled (label switching visible)",
    "trace_relabelled.png": "unordered posterior after relabelling (Stephens' method when the data allow it)",
    "trace_ordered.png": "ordered posterior",
    "posterior_vs_em.png": "posterior densities with the EM estimate, N(MLE, SE²) and truth",
}


def figure_makers(c: Comparison) -> dict:
    """The figures ``emvb run`` writes, ``{file name: () -> matplotlib Figure}`` in the order written."""
    from . import figures as F
    from .adequacy_section import adequacy_figures

    truth = c.data.truth
    unit = F.display_unit(c.data.values)  # 1, or a power of ten for data near the ends of the float range
    relab = c.labels.relabelled.get("stephens") or next(iter(c.labels.relabelled.values()))
    makers = {
        "data_fit.png": lambda: F.data_fit(c.data.values, c.em.params, c.ordered, truth, band=c.settings.ci_prob),
        "em_convergence.png": lambda: F.em_trace(c.em_plain, c.em),
        "trace_unordered.png": lambda: F.trace_plot(
            c.unordered, f"Unordered model as sampled: verdict {c.labels.diagnosis.verdict}", unit),
        "trace_relabelled.png": lambda: F.trace_plot(relab.posterior, f"Unordered model relabelled ({relab.method})",
                                                     unit),
        "trace_ordered.png": lambda: F.trace_plot(c.ordered, "Ordered model (mu1 < mu2 imposed by the prior)", unit),
        "posterior_vs_em.png": lambda: F.param_densities(c.ordered, c.em, truth, ci_prob=c.settings.ci_prob,
                                                         unit=unit),
    }
    makers.update(adequacy_figures(c.adequacy, c.data.values))  # the report's "Is the model adequate?" section
    return makers


def write_figures(c: Comparison, folder: Path, skip: tuple[str, ...] = ()) -> None:
    """Every figure of :func:`figure_makers` but those named in ``skip``, as a PNG in ``folder``."""
    from .figures import save

    for name, make in figure_makers(c).items():
        if name not in skip:
            save(make(), Path(folder) / name)


def prepare_second_process() -> None:
    """Import, in a :class:`compare.alongside.Worker`, what :func:`second_part` needs (about 2 s on one
    core), while this process computes the comparison."""
    import h5netcdf  # noqa: F401 (imported for its import time)

    from . import figures  # noqa: F401 (matplotlib, ArviZ's KDEs)


def second_part(c: Comparison, tree, folder: Path, names: tuple[str, ...] = ()) -> bytes:
    """The share of the last stage :func:`write_comparison` gives a second process: the figures ``names``
    (:data:`SECOND`) and the bytes of ``results.nc`` (:func:`files.netcdf.netcdf_bytes`)."""
    from ..compare.results import ENGINE
    from ..files.netcdf import netcdf_bytes
    from .figures import save

    makers = figure_makers(c)
    for name in names:
        save(makers[name](), Path(folder) / name)
    return netcdf_bytes(tree, engine=ENGINE)


#: The figures :func:`second_part` draws: with results.nc's bytes, about as long as the other figures take
#: here (``benchmarks/figures_speed.py``: 3.6 CPU s there, 4.8 here; moving one more figure there measured
#: no faster, within the run-to-run spread of about 1 s).
SECOND = ("trace_ordered.png",)


def write_comparison(c: Comparison, out, *, force: bool = False, stages: Stages | None = None,
                     command: str = "", worker: Worker | None = None) -> Path:
    """Write the report folder atomically: report.md, figures, results.nc, comparison.*, summary.json.

    An existing folder is refused unless ``force``; it is replaced only once the new one is complete.
    Given a ``worker`` (:class:`compare.alongside.Worker`, best prepared by :func:`prepare_second_process`),
    it draws some figures and builds results.nc's bytes (:func:`second_part`) while this process draws the
    others; results.nc then gets the final timings (those of the figures too) in memory
    (:func:`files.netcdf.with_root_attrs`), so the file is the same as written here.
    """
    from ..compare.results import ENGINE
    from ..compare.summary import summary_from_tree
    from ..files.netcdf import atomic_write_netcdf, with_root_attrs
    from ..files.tables import write_table
    from .markdown import render_report

    stages = stages or Stages()

    def tree_of():
        tree = c.to_tree()
        tree.attrs["command"] = command  # what made it: report.md says so, and so does results.nc
        return tree

    def figures(tmp: Path) -> tuple | None:  # (results.nc bytes, the tree they were built from)
        if worker is None:
            write_figures(c, tmp)
            return None
        early = tree_of()
        there = worker.submit(second_part, c, early, tmp, SECOND)
        try:
            write_figures(c, tmp, skip=SECOND)
            data = there.result()
        except BaseException:
            worker.stop()  # before the caller removes the folder it writes into
            raise
        return data, early

    def build(tmp: Path) -> None:
        with stages.stage("figures", "figures"):
            built = figures(tmp)
        with stages.stage("results.nc, comparison table, summary.json, report.md", "write"):
            # timings are final only now; the write stage's own time is recorded after this point
            tree = tree_of()  # every fact once; results.nc, summary.json and report.md are all this tree
            if built is None:
                atomic_write_netcdf(tmp / "results.nc", tree, engine=ENGINE)
            else:
                data, early = built
                later = {k: v for k, v in tree.attrs.items() if early.attrs.get(k) != v}  # the timings
                atomic_write_netcdf(tmp / "results.nc", with_root_attrs(data, later))
            write_table(c.table, tmp)
            atomic_write_text(tmp / "summary.json", json.dumps(summary_from_tree(tree), indent=1) + "\n")
            atomic_write_text(tmp / "report.md", render_report(tree, FIGURES))

    return atomic_dir(out, build, force=force)
