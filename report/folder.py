"""The report folder of one comparison: figures, results.nc, comparison tables, summary.json, report.md.

Written atomically (:func:`files.output.atomic_dir`): an existing folder is replaced only once the
new one is complete, and an interrupted run leaves nothing half-written.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..compare.pipeline import Comparison
from ..compare.progress import Stages
from ..files.output import atomic_dir, atomic_write_text
from .adequacy_section import write_adequacy_figures

FIGURES = {
    "data_fit.png": "data with the true, EM and posterior densities",
    "em_convergence.png": "EM log-likelihood, plain vs SQUAREM",
    "trace_unordered.png": "unordered posterior as sampled (label switching visible)",
    "trace_relabelled.png": "unordered posterior after relabelling (Stephens' method when the data allow it)",
    "trace_ordered.png": "ordered posterior",
    "posterior_vs_em.png": "posterior densities with the EM estimate, N(MLE, SE²) and truth",
}


def write_figures(c: Comparison, folder: Path) -> None:
    from . import figures as F

    truth = c.data.truth
    unit = F.display_unit(c.data.values)  # 1, or a power of ten for data near the ends of the float range
    F.save(F.data_fit(c.data.values, c.em.params, c.ordered, truth, band=c.settings.ci_prob), folder / "data_fit.png")
    F.save(F.em_trace(c.em_plain, c.em), folder / "em_convergence.png")
    F.save(F.trace_plot(c.unordered, f"Unordered model as sampled: verdict {c.labels.diagnosis.verdict}", unit),
           folder / "trace_unordered.png")
    relab = c.labels.relabelled.get("stephens") or next(iter(c.labels.relabelled.values()))
    F.save(F.trace_plot(relab.posterior, f"Unordered model relabelled ({relab.method})", unit),
           folder / "trace_relabelled.png")
    F.save(F.trace_plot(c.ordered, "Ordered model (mu1 < mu2 imposed by the prior)", unit),
           folder / "trace_ordered.png")
    F.save(F.param_densities(c.ordered, c.em, truth, ci_prob=c.settings.ci_prob, unit=unit),
           folder / "posterior_vs_em.png")
    write_adequacy_figures(c.adequacy, c.data.values, folder)  # shown in the report's "Is the model adequate?" section


def write_comparison(c: Comparison, out, *, force: bool = False, stages: Stages | None = None,
                     command: str = "") -> Path:
    """Write the report folder atomically: report.md, figures, results.nc, comparison.*, summary.json.

    An existing folder is refused unless ``force``; it is replaced only once the new one is complete.
    """
    from ..compare.results import ENGINE
    from ..compare.summary import summary_from_tree
    from ..files.netcdf import atomic_write_netcdf
    from .markdown import render_report
    from .tables import write_table

    stages = stages or Stages(quiet=True)

    def build(tmp: Path) -> None:
        with stages.stage("figures", "figures"):
            write_figures(c, tmp)
        with stages.stage("results.nc, comparison table, summary.json, report.md", "write"):
            # timings are final only now; the write stage's own time is recorded after this point
            tree = c.to_tree()  # every fact once; results.nc and summary.json are both this tree
            atomic_write_netcdf(tmp / "results.nc", tree, engine=ENGINE)
            write_table(c.table, tmp)
            atomic_write_text(tmp / "summary.json", json.dumps(summary_from_tree(tree), indent=1) + "\n")
            atomic_write_text(tmp / "report.md", render_report(c, FIGURES, command=command))

    return atomic_dir(out, build, force=force)
