"""What ``emvb study`` tells its user: a scheduler without workers is waited for (saying so) and then
given up on (exit 2); in a log, progress lines at a steady interval; after Ctrl-C, how many replicates
are kept and that the same command resumes."""

from __future__ import annotations

import logging
import re
import signal
import time

import pytest
from conftest import run_cli
from test_study_dask import recorded, start, wait_until

pytestmark = pytest.mark.slow

#: An EM-only study far longer than the test (about 500 replicates per second on one worker).
LONG = ["--em-only", "--n", "1000", "--replicates", "50000", "--seed", "3", "--workers", "1"]
TOTAL = 50000


def test_a_scheduler_without_workers_is_waited_for_then_given_up_on(tmp_path):
    from emvb.study.runner import local_cluster

    with local_cluster(0, logging.ERROR) as cluster:
        t0 = time.monotonic()
        r = run_cli("study", "--em-only", "--n", "50", "--replicates", "5", "--quiet", "--scheduler",
                    cluster.scheduler_address, "--wait-workers", "2", "--out", tmp_path / "s")
        elapsed = time.monotonic() - t0
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 2, r.stderr
    assert "has 0 workers; waiting up to 2 s" in lines[0] and "--wait-workers" in lines[0]
    assert "no worker joined within 2 s" in lines[1] and "Traceback" not in r.stderr
    assert elapsed < 2 + 5 + 15  # the wait, the connection's limit, an interpreter's start on a busy machine
    assert not (tmp_path / "s").exists()


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A long EM-only study, its stderr a pipe (as in a log), progress every 0.5 s, Ctrl-C'd after 2 s of work."""
    out = tmp_path_factory.mktemp("int") / "study"
    p = start(*LONG, "--progress-every", "0.5", "--out", out)
    wait_until(out, 1, p)
    time.sleep(2.0)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=120)
    return p.returncode, stdout, stderr, recorded(out), out


def test_progress_lines_appear_at_a_steady_interval_when_not_in_a_terminal(interrupted):
    _, _, stderr, _, out = interrupted
    counts = [int(m) for m in re.findall(rf"emvb study -> {re.escape(str(out))}: (\d+)/{TOTAL} replicates "
                                         r"\(\d+ failed\), [\d.]+ rep/s", stderr)]
    assert len(counts) >= 3, stderr  # 2 s of work at one line per 0.5 s
    assert counts == sorted(counts) and counts[-1] > 0


def test_ctrl_c_says_how_many_replicates_are_kept_and_that_rerunning_resumes(interrupted):
    code, stdout, stderr, kept, out = interrupted
    assert code == 130 and "Traceback" not in stderr and 0 < kept < TOTAL
    last = stderr.strip().splitlines()[-1]
    assert f"interrupted; {kept} of {TOTAL} replicates are kept in {out}/study.sqlite ({kept} finished in this run)" \
        in last, stderr
    assert "run the same command again to resume" in last and "nothing written" not in stderr
