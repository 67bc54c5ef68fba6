"""The report folder of one comparison: figures, results.nc, comparison tables, summary.json, report.md, every
file written from the comparison's tree of facts alone (:func:`compare.pipeline.run_comparison`).

Written atomically (:func:`files.output.atomic_dir`): an existing folder is replaced only once the
new one is complete, and an interrupted run leaves nothing half-written.
"""

from __future__ import annotations

import json
from pathlib import Path

import xarray as xr

from ..compare.alongside import Worker
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


def figure_makers(tree: xr.DataTree) -> dict:
    """The figures ``emvb run`` writes, ``{file name: () -> matplotlib Figure}`` in the order written, drawn
    from the comparison's tree of facts (:mod:`compare.facts`)."""
    from ..compare.facts import FIGURE_DATA, ppc_of
    from ..compare.table import ORDERED, RAW, RELABEL_PREFIX
    from . import figures as F
    from .adequacy_section import adequacy_figures
    from .markdown import Facts

    f, x, em, posts = Facts.of(tree), tree["observed_data"]["x"].values, tree["em"], tree["posteriors"]
    ci_prob, plain = f.settings["ci_prob"], tree[FIGURE_DATA]
    unit = F.display_unit(x)  # 1, or a power of ten for data near the ends of the float range
    relab = [v[len(RELABEL_PREFIX):] for v in posts.children if v.startswith(RELABEL_PREFIX)]
    relab = "stephens" if "stephens" in relab else relab[0]
    se = dict(zip(em["parameter"].values.tolist(), em["se"].values.tolist(), strict=True))
    runs = [(plain.attrs["loglik"], plain["loglik_trace"].values, em.attrs["plain_n_iter"],
             em.attrs["plain_n_map_evals"]),
            (em.attrs["loglik"], em["loglik_trace"].values, em.attrs["n_iter"], em.attrs["n_map_evals"])]
    makers = {
        "data_fit.png": lambda: F.data_fit(x, f.em, posts[ORDERED], f.truth, band=ci_prob),
        "em_convergence.png": lambda: F.em_trace(*runs),
        "trace_unordered.png": lambda: F.trace_plot(
            posts[RAW], f"Unordered model as sampled: verdict {f.diagnosis.verdict}", unit),
        "trace_relabelled.png": lambda: F.trace_plot(posts[RELABEL_PREFIX + relab],
                                                     f"Unordered model relabelled ({relab})", unit),
        "trace_ordered.png": lambda: F.trace_plot(posts[ORDERED], "Ordered model (mu1 < mu2 imposed by the prior)",
                                                  unit),
        "posterior_vs_em.png": lambda: F.param_densities(posts[ORDERED], f.em, se, f.truth, ci_prob=ci_prob,
                                                         unit=unit),
    }
    makers.update(adequacy_figures(ppc_of(tree), x))  # the report's "Is the model adequate?" section
    return makers


def write_figures(tree: xr.DataTree, folder: Path, names: tuple[str, ...] | None = None,
                  skip: tuple[str, ...] = ()) -> None:
    """The figures of :func:`figure_makers` (those in ``names``, if given, but none in ``skip``), each a PNG
    in ``folder``."""
    from .figures import save

    for name, make in figure_makers(tree).items():
        if (names is None or name in names) and name not in skip:
            save(make(), Path(folder) / name)


def prepare_second_process() -> None:
    """Import, in a :class:`compare.alongside.Worker`, what :func:`second_part` needs (about 2 s on one
    core), while this process computes the comparison."""
    import h5netcdf  # noqa: F401 (imported for its import time)

    from . import figures  # noqa: F401 (matplotlib, ArviZ's KDEs)


def second_part(tree: xr.DataTree, folder: Path, names: tuple[str, ...] = ()) -> bytes:
    """The share of the last stage :func:`write_comparison` gives a second process: the figures ``names``
    (:data:`SECOND`) and the bytes of ``results.nc`` (:func:`files.netcdf.netcdf_bytes`)."""
    from ..compare.facts import stored
    from ..compare.results import ENGINE
    from ..files.netcdf import netcdf_bytes

    write_figures(tree, folder, names)
    return netcdf_bytes(stored(tree), engine=ENGINE)


#: The figures :func:`second_part` draws: with results.nc's bytes, about as long as the other figures take
#: here (``benchmarks/figures_speed.py``: 3.6 CPU s there, 4.8 here; moving one more figure there measured
#: no faster, within the run-to-run spread of about 1 s).
SECOND = ("trace_ordered.png",)


def write_comparison(tree: xr.DataTree, out, *, force: bool = False, stages: Stages | None = None,
                     command: str = "", worker: Worker | None = None) -> Path:
    """Write the comparison's tree of facts (:func:`compare.pipeline.run_comparison`) as a report folder,
    atomically: report.md, figures, results.nc, comparison.*, summary.json.

    An existing folder is refused unless ``force``; it is replaced only once the new one is complete. The
    tree's ``timings`` gain those of ``stages`` (the figures' and, when ``stages`` timed the comparison too,
    all of them) and its ``command`` attribute is ``command``; the caller's tree is not changed.
    Given a ``worker`` (:class:`compare.alongside.Worker`, best prepared by :func:`prepare_second_process`),
    it draws some figures and builds results.nc's bytes (:func:`second_part`) while this process draws the
    others; results.nc then gets the final timings (those of the figures too) in memory
    (:func:`files.netcdf.with_root_attrs`), so the file is the same as written here.
    """
    from ..compare.facts import stored
    from ..compare.results import ENGINE, table_from_results
    from ..compare.summary import summary_from_tree
    from ..files.netcdf import atomic_write_netcdf, with_root_attrs
    from ..files.tables import write_table
    from .markdown import render_report

    stages = stages or Stages()
    tree = tree.copy(deep=False)  # the attributes set here are this folder's, not the caller's
    tree.attrs["command"] = command  # what made it: report.md says so, and so does results.nc
    early = dict(tree.attrs)

    def build(tmp: Path) -> None:
        with stages.stage("figures", "figures"):
            data = None
            if worker is None:
                write_figures(tree, tmp)
            else:
                there = worker.submit(second_part, tree, tmp, SECOND)
                try:
                    write_figures(tree, tmp, skip=SECOND)
                    data = there.result()
                except BaseException:
                    worker.stop()  # before the caller removes the folder it writes into
                    raise
        with stages.stage("results.nc, comparison table, summary.json, report.md", "write"):
            # timings are final only now; the write stage's own time is recorded after this point
            timings = json.loads(early["timings"]) | stages.timings
            tree.attrs["timings"] = json.dumps({k: round(float(v), 3) for k, v in timings.items()})
            if data is None:
                atomic_write_netcdf(tmp / "results.nc", stored(tree), engine=ENGINE)
            else:
                atomic_write_netcdf(tmp / "results.nc", with_root_attrs(data, {"timings": tree.attrs["timings"]}))
            write_table(table_from_results(tree), tmp)
            atomic_write_text(tmp / "summary.json", json.dumps(summary_from_tree(tree), indent=1) + "\n")
            atomic_write_text(tmp / "report.md", render_report(tree, FIGURES))

    return atomic_dir(out, build, force=force)
