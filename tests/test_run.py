"""`emvb run` end to end on a small scenario: every file, EM block = `emvb em --json`, reproducible."""

import json

import numpy as np
import pytest

from emvb.files.datafile import save_dataset
from emvb.models.simulate import simulate

SMALL = ["--chains", 2, "--draws", 200, "--tune", 200, "--quiet"]
FILES = ["report.md", "results.nc", "comparison.csv", "comparison.json", "comparison.md", "summary.json",
         "data_fit.png", "em_convergence.png", "trace_unordered.png", "trace_relabelled.png",
         "trace_ordered.png", "posterior_vs_em.png"]
VARIANTS = ["unordered_raw", "relabel_order", "relabel_stephens", "relabel_pra", "relabel_ecr",
            "relabel_nearest_mode", "ordered"]
# Run-to-run differences allowed in summary.json: wall-clock times only.
TIMING_KEYS = ("compile_time", "sampling_time", "wall_time")


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, cli):
    root = tmp_path_factory.mktemp("run")
    data = save_dataset(simulate(n=500, seed=4), root / "data.csv")
    out = root / "report"
    r = cli("run", "--data", data, "--seed", 5, "--out", out, *SMALL)
    assert r.returncode == 0, r.stderr
    return root, data, out


def _without_times(summary):
    s = dict(summary)
    s.pop("timings")
    s["sampling"] = {k: {kk: vv for kk, vv in v.items() if kk not in TIMING_KEYS} for k, v in s["sampling"].items()}
    return s


def test_run_writes_every_file(small_run):
    _, _, out = small_run
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]
    report = (out / "report.md").read_text()
    words = " ".join(report.split())  # the report is re-wrapped: compare words, not lines
    assert "Computed from the data: the mean of mu" in words and "independent draw from the prior" in words
    for name in FILES:
        if name.endswith(".png"):
            assert f"]({name})" in report


def test_summary_has_the_promised_shape(small_run):
    _, _, out = small_run
    s = json.loads((out / "summary.json").read_text())
    assert set(s["em"]) >= {"pi1", "mu1", "mu2", "sigma", "loglik", "n_iter", "converged", "n", "sha256", "se"}
    ls = s["label_switching"]
    # Default starts: independent prior draws; separated components, so no chain switches within and
    # the verdict says whether the two chains ended in the same labelling.
    assert ls["init"] == "prior" and len(ls["start_labelling"]) == 2
    assert ls["verdict"] == ("between_chains" if len(set(ls["chains"])) > 1 else "none")
    assert ls["boundary_share"] == 0.0 and set(ls["methods"]) == {v[len("relabel_"):] for v in VARIANTS[1:-1]}
    assert s["priors"]["from_data"] == ["mu_mean", "mu_sd", "sigma_sd"] and s["settings"]["priors"] == "default"
    assert list(s["variants"]) == VARIANTS
    for v in VARIANTS:
        for p in ("pi1", "mu1", "mu2", "sigma"):
            assert set(s["variants"][v][p]) == {"mean", "sd", "hdi_low", "hdi_high", "r_hat", "ess_bulk"}
    assert s["sha256"] == s["em"]["sha256"]
    assert {"em", "sample_unordered", "sample_ordered", "relabel", "figures"} <= set(s["timings"])
    # Raw unordered R-hat shows switching between chains when there is some; every relabelling removes it.
    assert (s["variants"]["unordered_raw"]["pi1"]["r_hat"] > 1.1) == (ls["verdict"] == "between_chains")
    for v in VARIANTS[1:]:
        assert max(s["variants"][v][p]["r_hat"] for p in ("pi1", "mu1", "mu2", "sigma")) < 1.05


def test_results_nc_holds_every_fact_of_summary_json(small_run):
    """summary.json is written from the tree results.nc holds: the reloaded file gives it back exactly,
    and its label, adequacy and convergence groups hold the facts the report states."""
    import math

    from emvb.compare.results import load_results
    from emvb.compare.summary import summary_from_tree

    _, _, out = small_run
    tree = load_results(out / "results.nc")
    stored = json.loads((out / "summary.json").read_text())
    again = json.loads(json.dumps(summary_from_tree(tree)))  # the file's own JSON conventions (NaN, lists)
    assert again == stored
    labels = tree["labels"].to_dataset()
    assert labels.sizes["chain"] == 2 and labels.sizes["draw"] == 200
    assert set(labels["method"].values) == set(stored["label_switching"]["methods"])
    # near and disagreement are per-draw facts: their means are the summary's shares
    assert math.isclose(float(labels["disagreement"].mean()), stored["label_switching"]["disagreement_share"])
    # each method's per-draw swaps: their mean is its swapped share, and they turn the raw draws into its posterior
    raw = tree["posteriors"]["unordered_raw"]["posterior"]["mu"].transpose("chain", "draw", "component").values
    for m in labels["method"].values:
        swapped = labels["swapped"].sel({"method": m}).values.astype(bool)
        assert math.isclose(swapped.mean(), float(labels["swapped_share"].sel({"method": m})))
        mu = tree["posteriors"][f"relabel_{m}"]["posterior"]["mu"].transpose("chain", "draw", "component").values
        np.testing.assert_array_equal(mu, np.where(swapped[..., None], raw[..., ::-1], raw))
    ad = tree["adequacy"].to_dataset()
    assert [float(p) for p in ad["p_value"].values] == [stored["adequacy"][k]["p_value"] for k in ad["check"].values]
    conv = tree["convergence"].to_dataset()
    assert list(conv["model"].values) == ["unordered_raw", "ordered"]
    assert int(conv["n_divergent"].sel(model="ordered")) == stored["sampling"]["ordered"]["n_divergent"]


def test_em_block_equals_emvb_em_json(small_run, cli):
    _, data, out = small_run
    r = cli("em", "--data", data, "--seed", 5, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "summary.json").read_text())["em"] == json.loads(r.stdout)


def test_existing_folder_is_refused_and_kept(small_run, cli):
    _, data, out = small_run
    before = (out / "summary.json").read_bytes()
    r = cli("run", "--data", data, "--out", out, *SMALL)
    assert r.returncode == 2 and "already exists; pass --force" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert (out / "summary.json").read_bytes() == before


def test_same_seed_same_numbers(small_run, cli):
    root, data, out = small_run
    again = root / "again"
    r = cli("run", "--data", data, "--seed", 5, "--out", again, *SMALL)
    assert r.returncode == 0, r.stderr
    a = _without_times(json.loads((out / "summary.json").read_text()))
    b = _without_times(json.loads((again / "summary.json").read_text()))
    # Everything is bit-identical, posterior summaries included, whether PyTensor's numba cache was
    # cold or warm for the first run (models/pymc_model.py compiles without fastmath; README
    # "Reproducibility"; tests/test_reproducible.py checks a cold cache explicitly).
    assert a == b


def test_adequacy_block_section_and_figures(small_run):
    """summary.json's adequacy block is what the report's first section states (issue 13)."""
    _, _, out = small_run
    s = json.loads((out / "summary.json").read_text())
    a = s["adequacy"]
    assert {"components", "shared_sigma", "fit", "adequate", "ppc"} <= set(a)
    assert set(a["components"]) >= {"p_value", "bic_1", "bic_2", "verdict"}
    assert set(a["ppc"]["statistics"]) == {"skewness", "excess_kurtosis", "share_beyond_3sd"}
    assert "adequacy" in s["timings"]
    report = (out / "report.md").read_text()
    section = report[report.index("## Is the model adequate?"):report.index("## 1. Maximum likelihood by EM")]
    assert f"{a['fit']['p_value']:.3g} ± {a['fit']['mc_error']:.2g}" in section
    for name in ("ppc_density.png", "ppc_statistics.png"):
        assert (out / name).stat().st_size > 0 and f"]({name})" in section
