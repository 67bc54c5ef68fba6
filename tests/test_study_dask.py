"""emvb study on Dask: same numbers on 1 and 2 workers, resume after SIGKILL and SIGINT, a killed
worker, an EM-only study's Wald coverage, SBC ranks, refused settings, bad arguments.

One LocalCluster (2 worker processes) serves most tests through ``--scheduler``, so each worker
compiles the model once for the whole module; the 1-worker and killed-study runs start their own.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, run_cli_many

pytestmark = pytest.mark.slow

#: A small study with a posterior part (8 replicates at each of 2 N) and an EM-only part.
REF = ["--n", "30,60", "--replicates", "8", "--em-replicates", "8,200", "--chains", "2", "--draws", "150",
       "--tune", "150", "--seed", "5", "--quiet"]
REF_TOTAL = 8 + 200


@pytest.fixture(scope="module")
def scheduler():
    from emvb.study.runner import local_cluster

    with local_cluster(2, logging.ERROR) as cluster:
        yield cluster.scheduler_address


def start(*args, **kw) -> subprocess.Popen:
    """``emvb study ARGS`` in the background, in its own process group (so its cluster can be killed too)."""
    env = dict(os.environ, PYTHONWARNINGS="default")
    return subprocess.Popen([sys.executable, "-m", "emvb.cli", "study", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def recorded(folder) -> int:
    """Replicates committed to the store so far (read-only; the study may be writing)."""
    path = folder / "study.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
            return conn.execute("SELECT COUNT(*) FROM replicates").fetchone()[0]
    except sqlite3.OperationalError:  # created but the schema is not committed yet
        return 0


def wait_until(folder, count: int, proc: subprocess.Popen, timeout: float = 300) -> int:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        n = recorded(folder)
        if n >= count:
            return n
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError(f"fewer than {count} replicates after {timeout} s")


def table(folder) -> pd.DataFrame:
    return pd.read_parquet(folder / "results.parquet")


@pytest.fixture(scope="module")
def reference(scheduler, tmp_path_factory):
    """The uninterrupted run of REF on the shared 2-worker cluster."""
    out = tmp_path_factory.mktemp("ref") / "study"
    r = subprocess.run([sys.executable, "-m", "emvb.cli", "study", *REF, "--scheduler", scheduler, "--out", out],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


def test_reference_study_is_complete(reference):
    df, reps = table(reference), pd.read_csv(reference / "replicates.csv")
    assert len(reps) == REF_TOTAL and reps.set_index(["part", "n", "replicate"]).index.is_unique
    # every replicate has its EM rows, the 16 posterior ones their ordered rows too; one sha256 per replicate
    assert (df["method"] == "em").sum() == 4 * REF_TOTAL and (df["method"] == "ordered").sum() == 4 * 16
    assert df.groupby(["n", "replicate"])["sha256"].nunique().max() == 1
    # every posterior row records the target acceptance its draws were sampled at and the retries before it
    from emvb.sampling.options import DEFAULT_TARGET_ACCEPT, RETRY_TARGET_ACCEPT

    post = df[df["method"] == "ordered"]
    assert post["target_accept"].isin([DEFAULT_TARGET_ACCEPT, *RETRY_TARGET_ACCEPT]).all()
    assert ((post["target_accept"] > DEFAULT_TARGET_ACCEPT) == (post["retries"] > 0)).all()
    assert df.groupby("n")["sha256"].nunique().to_dict() == {30: 8, 60: 200}
    summary = json.loads((reference / "summary.json").read_text())
    assert set(summary["coverage"][0]) == {"scenario", "n", "method", "interval", "param", "coverage", "mc_se",
                                           "replicates"}
    assert {(c["method"], c["interval"]) for c in summary["coverage"]} == {("em", "wald"), ("ordered", "hdi"),
                                                                          ("ordered", "eti")}
    assert [set(f) for f in summary["failed"]] == [{"scenario", "n", "failed"}] * 2
    assert all((reference / "figures" / f).stat().st_size > 10_000 for f in ("coverage.png", "bvm.png", "bias.png"))


def test_one_worker_gives_the_same_table(reference, tmp_path, cli):
    r = cli("study", *REF, "--workers", "1", "--out", tmp_path / "one")
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(table(tmp_path / "one"), table(reference))
    workers = pd.read_csv(tmp_path / "one" / "replicates.csv")["worker"]
    assert workers.nunique() == 1


def test_a_replicate_rerun_alone_gives_its_rows(reference):
    """In this process (no Dask): one posterior replicate per N, against the workers' rows. Each worker
    compiled the model once on its first replicate's data; here the N=60 replicate is compiled on
    its own data and the N=30 one swaps its data into that compile."""
    from emvb.cli.main import build_parser
    from emvb.cli.study import settings_from
    from emvb.study.replicate import run_replicate

    settings = settings_from(build_parser().parse_args(["study", *REF, "--out", "x"]))
    ref = table(reference).set_index(["part", "n", "replicate", "method", "param"])
    for n, i in ((60, 3), (30, 6)):
        got = pd.DataFrame(run_replicate(settings, "main", n, i).rows).set_index(ref.index.names)
        got = got.astype(ref.dtypes.to_dict(), errors="ignore")
        pd.testing.assert_frame_equal(got[ref.columns], ref.loc[got.index], check_dtype=False)


def test_study_posterior_is_the_projects_posterior(monkeypatch):
    """The study's worker model, already used for a replicate of another N and rebound to this one, against
    sampling.sample on a model built afresh (same data, prior, start and seed): the same draws, bit for
    bit; the rebound replicate compiles nothing, and its chains ran on one core."""
    from emvb import em
    from emvb.models import DEFAULT_TRUTH, simulate
    from emvb.models.errors import SettingError
    from emvb.models.pymc_model import build_model
    from emvb.sampling import nutpie_groups
    from emvb.sampling.sample import sample
    from emvb.study.settings import fixed_prior
    from emvb.study.upstream import sample_posterior

    launched = []
    real = nutpie_groups._launch
    monkeypatch.setattr(nutpie_groups, "_launch", lambda cm, n, cores, seed, kw: launched.append(cores)
                        or real(cm, n, cores, seed, kw))
    priors, kw = fixed_prior(DEFAULT_TRUTH), dict(chains=2, draws=200, tune=200, seed=4)
    first = simulate(DEFAULT_TRUTH, 40, 8)  # builds the worker's model, or rebinds it if an earlier test built it
    sample_posterior(first.values, ordered=True, priors=priors, start=em.fit(first).params, **kw)
    ds = simulate(DEFAULT_TRUTH, 80, 9)
    fit = em.fit(ds)
    ours = sample_posterior(ds.values, ordered=True, priors=priors, start=fit.params, **kw)
    model = build_model(ds, priors=priors, ordered=True)
    theirs = sample(model, init="em", start=fit.params, **kw)
    assert launched[:2] == [1, 1]  # the study's replicates, on one core; `theirs` used the default
    assert ours.compile_seconds < theirs.attrs["compile_time"] / 100
    for var in ("pi1", "mu", "sigma"):
        np.testing.assert_array_equal(ours.posterior["posterior"][var].values, theirs["posterior"][var].values)
    assert ours.posterior.attrs["data_sha256"] == ds.sha256 and ours.divergences == theirs.attrs["n_divergent"]
    # the settings the draws ended with, as the study's rows record them
    assert (ours.target_accept, ours.retries) == (theirs.attrs["target_accept"], theirs.attrs["retries"])
    with pytest.raises(SettingError, match="cores"):
        sample(model, seed=0, cores=0)


def test_resume_after_sigkill_and_sigint(reference, scheduler, tmp_path):
    out = tmp_path / "killed"
    p = start(*REF, "--workers", "1", "--out", out)
    n1 = wait_until(out, 2, p)
    os.killpg(p.pid, signal.SIGKILL)  # the client and its local cluster, at once
    p.wait(60)
    assert 2 <= recorded(out) < REF_TOTAL
    p = start(*REF, "--scheduler", scheduler, "--out", out)
    wait_until(out, recorded(out) + 1, p)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    n2 = recorded(out)
    assert n1 <= n2 < REF_TOTAL
    r = subprocess.run([sys.executable, "-m", "emvb.cli", "study", *REF, "--scheduler", scheduler, "--out", out],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    assert recorded(out) == REF_TOTAL
    pd.testing.assert_frame_equal(table(out), table(reference))


def test_em_only_wald_coverage_is_nominal(scheduler, tmp_path, cli):
    """2000 replicates at N = 500 on `separated`: each parameter's Wald coverage within 3 Monte-Carlo
    errors of 0.95 (and not flagged)."""
    out = tmp_path / "studies" / "em"  # a missing parent folder is created, as for every output
    r = cli("study", "--em-only", "--n", "500", "--replicates", "2000", "--seed", "11", "--quiet", "--scheduler",
            scheduler, "--out", out)
    assert r.returncode == 0, r.stderr
    cov = pd.read_csv(out / "coverage.csv")
    assert len(cov) == 4 and set(cov["method"]) == {"em"} and (cov["replicates"] == 2000).all()
    assert ((cov["coverage"] - 0.95).abs() <= 3 * cov["mc_se"]).all(), cov
    assert not cov["flag"].any()
    assert not (out / "figures" / "bvm.png").exists()  # no posterior, no BvM figure


def test_sbc_ranks_have_the_right_range_and_count(scheduler, tmp_path, cli):
    r = cli("study", "--n", "30", "--replicates", "1", "--sbc", "5", "--chains", "2", "--draws", "100", "--tune",
            "100", "--seed", "3", "--quiet", "--scheduler", scheduler, "--out", tmp_path / "sbc")
    assert r.returncode == 0, r.stderr
    sbc = table(tmp_path / "sbc").query("part == 'sbc'")
    assert len(sbc) == 5 * 4 and set(sbc["method"]) == {"ordered"}
    assert sbc["rank"].notna().all() and (sbc["rank_draws"] == 100).all()
    assert ((sbc["rank"] >= 0) & (sbc["rank"] <= 100)).all() and (sbc["rank"] % 1 == 0).all()
    truths = sbc.pivot(index="replicate", columns="param", values="truth")
    assert truths["pi1"].nunique() == 5 and (truths["mu1"] < truths["mu2"]).all()  # drawn from the ordered prior
    summary = json.loads((tmp_path / "sbc" / "summary.json").read_text())["sbc"]
    assert summary["replicates"] == 5 and [p["param"] for p in summary["parameters"]] == ["pi1", "mu1", "mu2", "sigma"]
    assert (tmp_path / "sbc" / "figures" / "sbc.png").exists()


def test_other_settings_are_refused_unless_force(scheduler, tmp_path, cli):
    out = tmp_path / "s"
    base = ["study", "--em-only", "--n", "50", "--replicates", "20", "--quiet", "--scheduler", scheduler, "--out", out]
    assert cli(*base, "--seed", "1").returncode == 0
    before = table(out)
    r = cli(*base, "--seed", "2")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "seed: 2 vs 1" in r.stderr and "--force" in r.stderr
    pd.testing.assert_frame_equal(table(out), before)  # untouched
    again = cli(*base, "--seed", "1")  # the same study: nothing to redo
    assert again.returncode == 0 and table(out).equals(before)
    assert cli(*base, "--seed", "2", "--force").returncode == 0
    assert not table(out).equals(before) and len(table(out)) == len(before)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BAD_ARGUMENTS = [
    (["--n", ""], "comma-separated list"), (["--replicates", "0"], "--replicates must be >= 1"),
    (["--scenario", "nope"], "invalid choice"), (["--n", "5"], ">= 10"),
    (["--scheduler", "localhost:8786"], "tcp://HOST:PORT"),
    (["--scheduler", f"tcp://127.0.0.1:{_closed_port()}"], "no Dask scheduler answered"),
]


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """Each bad argument, refused one after the other in ONE fresh interpreter (conftest.run_cli_many: a new
    interpreter per refusal costs seconds apiece), each with its own ``--out``."""
    outs = [tmp_path_factory.mktemp("bad") / "study" for _ in BAD_ARGUMENTS]
    results = run_cli_many([["study", "--em-only", "--quiet", "--out", out, *args]
                            for out, (args, _) in zip(outs, BAD_ARGUMENTS, strict=True)], silent=True)
    return {tuple(args): (out, r) for out, (args, _), r in zip(outs, BAD_ARGUMENTS, results, strict=True)}


@pytest.mark.parametrize("args, words", BAD_ARGUMENTS)
def test_bad_arguments_are_one_line_exit_2(refusals, args, words):
    out, r = refusals[tuple(args)]
    assert r["seconds"] < 10 + 3  # the scheduler's 10 s connect timeout at most, + slack
    assert r["code"] == 2 and r["stderr"].count("\n") == 1 and words in r["stderr"], r["stderr"]
    assert not out.exists()


def test_a_killed_worker_costs_only_its_tasks(reference, scheduler, tmp_path):
    """Kill one worker of the shared cluster mid-study: its task is rescheduled, the table is complete
    and equals the reference. (Last in the module: the nanny restarts the worker cold.)"""
    from distributed import Client

    out = tmp_path / "w"
    p = start(*REF, "--scheduler", scheduler, "--out", out)
    wait_until(out, 2, p)
    with Client(scheduler, timeout=10) as c:
        pids = c.run(os.getpid)
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    at_kill = recorded(out)
    _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err
    assert at_kill < REF_TOTAL and recorded(out) == REF_TOTAL
    pd.testing.assert_frame_equal(table(out), table(reference))
