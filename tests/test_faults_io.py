"""Faults of the machine, not of the input (issue 21): a write that finds no room, a seed too large to store,
Ctrl-C while the command is still starting. Each in a fresh interpreter, as a user meets it."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from conftest import ROOT, cli_env, run_cli, run_cli_many
from test_inputs_cli import options, subcommands

from emvb.files.datafile import load_data, save_dataset, sidecar_path
from emvb.files.netcdf import atomic_write_netcdf
from emvb.models import DEFAULT_TRUTH, simulate
from emvb.models.params import MAX_SEED

LINUX = sys.platform.startswith("linux")


def _file_size_limit(limit: int):
    def apply():  # in the child: what `ulimit -f` does (Python ignores SIGXFSZ, so writes fail with EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """Data and an emvb-layout posterior whose relabelled copy (~130 KB) is larger than LIMIT."""
    import arviz as az

    root = tmp_path_factory.mktemp("faults_io")
    ds = simulate(DEFAULT_TRUTH, 300, seed=3)
    data = save_dataset(ds, root / "d.csv")
    rng = np.random.default_rng(0)
    c, d = 4, 1000
    post = root / "post.nc"
    az.from_dict({"posterior": {"pi1": rng.uniform(0.25, 0.35, (c, d)),
                                "mu": np.stack([rng.normal(5, 0.2, (c, d)), rng.normal(15, 0.2, (c, d))], -1),
                                "sigma": rng.uniform(1.9, 2.1, (c, d))}},
                 dims={"mu": ["component"]}).to_netcdf(post)
    return root, data, post


#: The file-size limit of the test (bytes): the data and the lock fit, the relabelled posterior does not.
LIMIT = 64 * 1024


def test_a_write_that_finds_no_room_is_one_line_and_the_old_output_stays(labelled, tmp_path):
    root, data, post = labelled
    argv = [sys.executable, "-m", "emvb.cli", "labels", "--data", str(data), "--posterior", str(post)]
    warm = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=cli_env(), timeout=600)
    assert warm.returncode == 0, warm.stderr  # without a limit it works (and numba's cache is written)
    out = tmp_path / "relabelled.nc"
    out.write_bytes(b"the old output")
    r = subprocess.run([*argv, "--out", str(out), "--force"], capture_output=True, text=True, cwd=ROOT,
                       env=cli_env(), timeout=600, preexec_fn=_file_size_limit(LIMIT))
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [f"emvb labels: error: {out}: writing failed (File too large)"]
    assert out.read_bytes() == b"the old output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["relabelled.nc"]  # no temporary, no lock left


def test_a_folder_whose_file_finds_no_room_names_that_file_by_its_final_place(tmp_path):
    """emvb run writes a folder: the failing file is named as it would have been, and nothing is left."""
    out = tmp_path / "report"
    code = ("import resource, sys; from pathlib import Path; resource.setrlimit(resource.RLIMIT_FSIZE, "
            f"({LIMIT}, {LIMIT}));\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
            "from test_faults_io import _fill_folder\n_fill_folder(Path(sys.argv[1]))")
    r = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, env=cli_env(),
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"EmvbError: {out / 'results.nc'}: writing failed (File too large)"
    assert list(tmp_path.iterdir()) == []


def _fill_folder(out: Path) -> None:
    """Child of the test above: write a folder whose netCDF file exceeds the size limit; print the error."""
    from emvb.files.output import atomic_dir, atomic_write_text
    from emvb.models.errors import EmvbError

    def fill(folder: Path) -> None:
        atomic_write_text(folder / "small.txt", "fits\n")
        atomic_write_netcdf(folder / "results.nc", xr.DataTree(xr.Dataset({"a": ("i", np.zeros(50_000))})))

    try:
        atomic_dir(out, fill, force=False)
    except EmvbError as e:
        print(f"EmvbError: {e}")


def test_every_seed_option_refuses_what_cannot_be_stored_and_the_largest_is_stored(tmp_path):
    with_seed = [name for name, p in subcommands().items() if any(a.dest == "seed" for a in options(p))]
    assert set(with_seed) >= {"simulate", "em", "check", "sample", "run", "validate", "pitfalls", "bvm", "study"}
    results = run_cli_many([[name, "--seed", str(MAX_SEED + 1)] for name in with_seed])
    for name, r in zip(with_seed, results, strict=True):
        assert r["code"] == 2 and r["stdout"] == "", (name, r)
        assert r["stderr"].strip().splitlines() == [
            f"emvb {name}: error: argument --seed: must be <= {MAX_SEED}, got {MAX_SEED + 1} "
            f"(see 'emvb {name} --help')"], (name, r)
    # the largest seed accepted is stored as it is: in the JSON sidecar and as a netCDF attribute
    r = run_cli("simulate", "--n", 50, "--seed", MAX_SEED, "--out", tmp_path / "s.csv")
    assert r.returncode == 0, r.stderr
    assert json.loads(sidecar_path(tmp_path / "s.csv").read_text())["seed"] == MAX_SEED
    assert load_data(tmp_path / "s.csv").sha256 == simulate(DEFAULT_TRUTH, 50, seed=MAX_SEED).sha256
    tree = xr.DataTree(xr.Dataset({"a": ("i", [1.0])}))
    tree.attrs["seed"] = MAX_SEED
    atomic_write_netcdf(tmp_path / "t.nc", tree)
    with xr.open_datatree(tmp_path / "t.nc") as back:
        assert int(back.attrs["seed"]) == MAX_SEED


def _mapped(pid: int, needle: str) -> bool:
    try:
        return needle in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not LINUX, reason="start-up stages are told by the shared libraries mapped (/proc/PID/maps)")
@pytest.mark.parametrize("entry, stage", [
    ("script", "_multiarray_umath"),  # numpy's core, loaded while `import emvb` runs
    ("script", "numba/_helperlib"),   # numba, loaded later by the EM kernel
    ("module", "_multiarray_umath"),  # python -m emvb.cli
])
def test_ctrl_c_while_the_command_starts_is_one_line_and_status_130(tmp_path, entry, stage):
    data = save_dataset(simulate(DEFAULT_TRUTH, 200, seed=1), tmp_path / "d.csv")
    script = Path(sys.executable).with_name("emvb")
    if entry == "script" and not script.exists():
        pytest.skip("the console script is not installed beside this interpreter")
    head = [str(script)] if entry == "script" else [sys.executable, "-m", "emvb.cli"]
    proc = subprocess.Popen([*head, "check", "--data", str(data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=cli_env(), start_new_session=True)
    try:
        t0 = time.monotonic()
        while not _mapped(proc.pid, stage):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() - t0 < 120, f"{stage} never loaded"
            time.sleep(0.002)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("interrupted; nothing written"), err


#: A start-up that leaves an object whose finaliser fails (as an interrupted import's open file does under
#: ``PYTHONWARNINGS=error``), then is interrupted or not.
_UNRAISABLE_AT_START = """
import sys
sys.orig_argv = [sys.executable, "-m", "emvb.cli"]  # this process is the command (emvb._command)
import emvb
class Leaky:
    def __del__(self):
        raise ResourceWarning("unclosed file")
Leaky()
if sys.argv[1] == "interrupt":
    raise KeyboardInterrupt
"""


@pytest.mark.parametrize("then", ["interrupt", "finish"])
def test_an_interrupted_start_drops_what_it_left_a_finished_one_reports_it_at_exit(then):
    """The unraisable report of a start-up cut short is dropped with its traceback (one line, status 130);
    a command that goes on reports it when it exits."""
    r = subprocess.run([sys.executable, "-c", _UNRAISABLE_AT_START, then], capture_output=True, text=True,
                       cwd=ROOT, env=cli_env(), timeout=120)
    if then == "interrupt":
        assert (r.returncode, r.stderr) == (130, "emvb: interrupted; nothing written\n")
    else:
        assert r.returncode == 0 and "ResourceWarning: unclosed file" in r.stderr, r.stderr


def test_no_room_outside_the_outputs_is_one_line_other_os_errors_are_not_hidden(monkeypatch, capsys):
    """A library's own write (numba's cache on a full disk) is named in one line; any other OSError is a bug
    and keeps its traceback."""
    import errno

    from emvb.cli import inspect as inspect_cmd
    from emvb.cli.main import main

    def no_room(args):
        raise OSError(errno.ENOSPC, "No space left on device", "/cache/kernel.nbi")

    monkeypatch.setattr(inspect_cmd, "run", no_room)
    assert main(["inspect", "--data", "x.csv"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "emvb inspect: error: /cache/kernel.nbi: writing failed (No space left on device)"]

    def denied(args):
        raise PermissionError(errno.EACCES, "Permission denied", "/cache/kernel.nbi")

    monkeypatch.setattr(inspect_cmd, "run", denied)
    with pytest.raises(PermissionError):
        main(["inspect", "--data", "x.csv"])
