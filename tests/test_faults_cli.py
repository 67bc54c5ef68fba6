"""Faults at the command line, in fresh interpreters: inputs never overwritten, outputs settled before any
computation, contradictory options refused, Ctrl-C stops sampling (exit 130, nothing written), one
writer per output, and the temporaries of killed runs cleaned up."""

from __future__ import annotations

import importlib.metadata
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli, run_cli_many, start_cli

from emvb.files.datafile import load_data, save_dataset, sidecar_path
from emvb.models import DEFAULT_TRUTH, simulate

LINUX = sys.platform.startswith("linux")


def refused(r: dict, *needles: str) -> None:
    """Exit status 2, nothing on stdout, one line on stderr holding every needle, no traceback."""
    assert r["code"] == 2, r
    assert r["stdout"] == "", r
    lines = r["stderr"].strip().splitlines()
    assert len(lines) == 1, r
    for needle in needles:
        assert needle in lines[0], (needle, r)


@pytest.fixture
def victim(tmp_path) -> Path:
    return save_dataset(simulate(DEFAULT_TRUTH, 200, seed=1), tmp_path / "victim.csv")


def test_an_output_that_is_holds_or_is_inside_an_input_is_refused_force_or_not(tmp_path, victim):
    side = sidecar_path(victim)
    before = {p: p.read_bytes() for p in (victim, side)}
    (tmp_path / "link.csv").symlink_to(victim)
    os.link(victim, tmp_path / "hard.csv")
    cases = [
        (["run", "--data", victim, "--out", victim, "--force"], "is the input"),
        (["run", "--data", victim, "--out", victim], "is the input"),
        (["sample", "--data", victim, "--model", "ordered", "--out", victim, "--force"], "is the input"),
        (["sample", "--data", victim, "--model", "ordered", "--out", side, "--force"], "is the input"),
        (["run", "--data", victim, "--out", tmp_path, "--force"], "contains the input"),
        (["run", "--data", victim, "--out", victim / "report"], "is inside the input"),
        (["run", "--data", tmp_path / "link.csv", "--out", victim, "--force"], "is the input"),
        (["run", "--data", victim, "--out", tmp_path / "hard.csv", "--force"], "is the input"),
    ]
    for (argv, what), r in zip(cases, run_cli_many([c[0] for c in cases]), strict=True):
        refused(r, str(argv[argv.index("--out") + 1]), what, "never replaces an input")
    assert {p: p.read_bytes() for p in (victim, side)} == before


def test_an_output_that_cannot_be_written_is_refused_before_anything_is_computed(tmp_path):
    # The data file does not exist: a refusal naming the output proves the output was checked first.
    missing = tmp_path / "missing.csv"
    folder, file = tmp_path / "existing_folder", tmp_path / "existing_file.txt"
    folder.mkdir()
    file.write_text("keep me\n")
    cases = [
        (["run", "--data", missing, "--out", "/proc/foo"], "/proc/foo", "cannot be written"),
        (["run", "--data", missing, "--out", "/proc/foo", "--force"], "/proc/foo", "cannot be written"),
        (["run", "--out", "/proc/foo", "--quiet"], "/proc/foo", "cannot be written"),
        (["sample", "--data", missing, "--model", "ordered", "--out", "/proc/foo/p.nc"], "/proc/foo/p.nc",
         "cannot be written"),
        (["pitfalls", "--out", "/proc/foo"], "/proc/foo", "cannot be written"),
        (["simulate", "--out", "/proc/foo/s.csv"], "/proc/foo/s.csv", "cannot be written"),
        (["sample", "--data", missing, "--model", "ordered", "--out", folder, "--force"], str(folder), "is a folder"),
        (["run", "--data", missing, "--out", file, "--force"], str(file), "is a file"),
        (["run", "--data", missing, "--out", folder], str(folder), "already exists"),
        (["run", "--data", missing, "--out", file / "report"], str(file), "is not a folder"),
    ]
    if LINUX and Path("/sys/kernel").is_dir():  # sysfs refuses new files even to root: read-only for everyone
        cases.append((["run", "--data", missing, "--out", "/sys/emvb-report"], "/sys/emvb-report", "cannot be written"))
    if os.name == "posix" and os.geteuid() != 0:  # root writes into read-only folders anyway
        ro = tmp_path / "read_only"
        ro.mkdir(mode=0o555)
        cases.append((["run", "--data", missing, "--out", ro / "report"], str(ro / "report"), "cannot be written"))
    results = run_cli_many([c[0] for c in cases])
    for (_, path, what), r in zip(cases, results, strict=True):
        refused(r, path, what)
        assert "no such file" not in r["stderr"]
    assert file.read_text() == "keep me\n" and folder.is_dir() and not any(folder.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing_file.txt", "existing_folder"]


def test_contradictory_options_are_refused(victim):
    cases = [
        (["run", "--data", victim, "--n", "500", "--truth", "0.3,5,15,2", "--out", "x"], "--n cannot be combined"),
        (["run", "--data", victim, "--truth", "0.3,5,15,2", "--out", "x"], "--truth cannot be combined with --data"),
        (["run", "--column", "x", "--out", "x"], "--column needs --data"),
        (["run", "--seed", "1", "--seed", "2", "--out", "x"], "--seed given twice"),
        (["em", "--data", victim, "--n-init", "3", "--n-init", "4"], "--n-init given twice"),
    ]
    for (_, what), r in zip(cases, run_cli_many([c[0] for c in cases], cwd=victim.parent), strict=True):
        refused(r, what)
    assert not (victim.parent / "x").exists()


def test_version_is_the_installed_one():
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"emvb {importlib.metadata.version('emvb')}"


def test_simulate_writes_a_real_npy_and_refuses_impossible_sizes_up_front(tmp_path):
    out = tmp_path / "s.npy"
    r = run_cli("simulate", "--n", 500, "--seed", 3, "--out", out)
    assert r.returncode == 0, r.stderr
    expected = simulate(DEFAULT_TRUTH, 500, seed=3)
    assert np.load(out, allow_pickle=False).tobytes() == expected.values.tobytes()
    back = load_data(out)
    assert back.sha256 == expected.sha256 and back.truth == DEFAULT_TRUTH and back.seed == 3
    cases = [
        (["simulate", "--n", "10000000000", "--out", tmp_path / "big.csv"], "--n 10000000000", "GB of memory"),
        (["simulate", "--n", "5", "--out", tmp_path / "few.csv"], "--n", "must be >= 10"),
        (["simulate", "--out", tmp_path / "s.parquet"], "s.parquet", ".npy"),
    ]
    for (_, *what), r in zip(cases, run_cli_many([c[0] for c in cases]), strict=True):
        refused(r, *what)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.meta.json", "s.npy"]


def _wait_for(condition, timeout: float, what: str, proc=None) -> None:
    t0 = time.monotonic()
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the command ended before {what}: {proc.communicate()}")
        if time.monotonic() - t0 > timeout:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_temporaries_of_a_killed_writer_are_removed_by_the_next_run(tmp_path):
    out = tmp_path / "big.csv"
    proc = start_cli("simulate", "--n", 3_000_000, "--out", out)  # writing 3e6 lines takes seconds
    try:
        _wait_for(lambda: any(p.name.endswith(".tmp") for p in tmp_path.iterdir()), 120, "the temporary file", proc)
    finally:
        proc.kill()
        proc.communicate()
    stale = [p.name for p in tmp_path.iterdir() if p.name.startswith(".big.csv.") and p.name.endswith(".tmp")]
    assert stale and not out.exists()
    r = run_cli("simulate", "--n", 100, "--out", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "big.meta.json"]


def _threads(pid: int) -> list[str]:
    names = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            names.append((task / "comm").read_text().strip())
        except OSError:
            pass
    return names


def _interrupt_during_sampling(proc) -> tuple[int, str]:
    """Wait until nutpie's worker threads run, send Ctrl-C to the process group; exit status and stderr."""
    try:
        _wait_for(lambda: any(n.startswith("nutpie-worker") for n in _threads(proc.pid)), 300, "sampling", proc)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


@pytest.mark.slow
@pytest.mark.skipif(not LINUX, reason="sampling is detected by nutpie's thread names in /proc")
def test_ctrl_c_during_sampling_stops_sample_and_nothing_is_written(tmp_path, victim):
    out = tmp_path / "posterior.nc"
    proc = start_cli("sample", "--data", victim, "--model", "unordered", "--draws", 2_000_000, "--tune", 100,
                     "--chains", 2, "--out", out)
    code, err = _interrupt_during_sampling(proc)
    assert code == 130, err
    assert err.strip().splitlines()[-1] == "emvb sample: interrupted; nothing written"
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim.csv", "victim.meta.json"]


@pytest.mark.slow
@pytest.mark.skipif(not LINUX, reason="sampling is detected by nutpie's thread names in /proc")
def test_a_second_run_on_the_same_output_is_refused_and_ctrl_c_stops_the_first(tmp_path, victim):
    out = tmp_path / "reports" / "rep"
    first = start_cli("run", "--data", victim, "--draws", 2_000_000, "--tune", 100, "--out", out, "--quiet")
    lock = out.with_name(".rep.lock")
    try:
        _wait_for(lock.exists, 120, "the lock", first)
        second = run_cli_many([["run", "--data", victim, "--out", out, "--quiet"]])[0]
        refused(second, str(out), f"another emvb run (pid {first.pid})")
    finally:
        code, err = _interrupt_during_sampling(first)
    assert code == 130, err
    assert err.strip().splitlines()[-1] == "emvb run: interrupted; nothing written"
    assert "Traceback" not in err
    # nothing written: no report, no temporary, no lock, and the parent folder made for it is gone again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim.csv", "victim.meta.json"]


def test_a_closed_stdout_ends_the_command_quietly(victim):
    proc = start_cli("em", "--data", victim)
    proc.stdout.close()  # the reader went away before the table was printed (`emvb em ... | head -0`)
    err = proc.stderr.read()
    proc.stderr.close()
    proc.wait(timeout=300)
    assert proc.returncode == 141 and err == ""
