"""A Ctrl-C while sampling stops sampling.sample() for library users too: nutpie and PyMC both catch it and
would return truncated chains; sample() raises KeyboardInterrupt instead and restores the SIGINT handler."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pymc")

from emvb.models import DEFAULT_TRUTH, simulate  # noqa: E402
from emvb.models.pymc_model import build_model  # noqa: E402
from emvb.sampling.sample import sample  # noqa: E402

ME = os.getpid()


def _nutpie_sampling() -> bool:
    names = []
    for task in Path(f"/proc/{ME}/task").iterdir():
        try:
            names.append((task / "comm").read_text())
        except OSError:
            pass
    return any(n.startswith("nutpie-worker") for n in names)


def _pymc_sampling() -> bool:
    """A forked PyMC worker: a child of ours with our own command line."""
    mine = Path(f"/proc/{ME}/cmdline").read_bytes()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == ME:
                if (proc / "cmdline").read_bytes() == mine:
                    return True
        except (OSError, ValueError, IndexError):
            pass
    return False


#: Seconds to wait for sampling to start (compiling comes first; on a loaded machine it can take minutes).
WAIT_FOR_SAMPLING = 900


def _interrupt_when(sampling, fired: threading.Event) -> None:
    """SIGINT once sampling runs (``fired`` set); if it never does within WAIT_FOR_SAMPLING, SIGINT all the
    same with ``fired`` unset, so that the test fails at once instead of sampling its millions of draws."""
    deadline = time.monotonic() + WAIT_FOR_SAMPLING
    while time.monotonic() < deadline:
        if sampling():
            time.sleep(0.5)  # well inside sampling
            fired.set()
            break
        time.sleep(0.02)
    os.kill(ME, signal.SIGINT)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sampling is detected through /proc")
@pytest.mark.parametrize("sampler, sampling, draws", [("nutpie", _nutpie_sampling, 2_000_000),
                                                      ("pymc", _pymc_sampling, 200_000)])
def test_ctrl_c_while_sampling_raises_instead_of_returning_truncated_chains(sampler, sampling, draws):
    # A test run started in the background of a non-interactive shell inherits SIGINT ignored, where no
    # Ctrl-C can arrive (the watcher's SIGINT would be lost and sampling run on); the case under test is
    # a terminal's, with Python's own handler.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        model = build_model(simulate(DEFAULT_TRUTH, 100, seed=1), ordered=True)
        fired = threading.Event()
        watcher = threading.Thread(target=_interrupt_when, args=(sampling, fired), daemon=True)
        watcher.start()
        with pytest.raises(KeyboardInterrupt):
            sample(model, chains=2, draws=draws, tune=100, seed=1, sampler=sampler, init="em", start=DEFAULT_TRUTH)
        assert fired.is_set(), f"sampling was not seen running within {WAIT_FOR_SAMPLING} s"
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)
