"""Running a study's tasks on Dask distributed: one code path for one machine and for many.

Without a scheduler address, :func:`dask_client` starts a ``LocalCluster`` of ``workers`` processes
with one thread each (every worker samples its chains on one core, so the cores are never
oversubscribed); with ``tcp://HOST:PORT`` it connects to a running scheduler, whose workers may be
on other hosts (``dask scheduler`` / ``dask worker``, see the README). Either way the client submits
one task per posterior replicate (EM-only replicates in batches, :func:`plan`) and writes each
result to the store as it arrives (:mod:`study.store`: the client is the only writer).

A worker process that dies costs only the tasks it was running: the scheduler gives them to another
worker. A task the scheduler gives up on (its workers died repeatedly) is left unrecorded and named
in :class:`RunOutcome`, so running the same command again retries it.
"""

from __future__ import annotations

import logging
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass

from ..files.interrupt import sigint_ignored
from ..models.errors import EmvbError
from .progress import WAIT_WORKERS, Progress
from .replicate import Task, run_task
from .settings import StudySettings
from .store import Store

#: Data points one EM-only task may hold in total (replicates x N): a task of about a tenth of a second.
EM_BATCH_POINTS = 100_000
#: At most this many EM-only replicates per task (a killed worker loses at most that many).
EM_BATCH_MAX = 200
#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT = 5
_ADDRESS = re.compile(r"^tcp://[^\s:/]+:\d{1,5}$")


def plan(settings: StudySettings, done: set | frozenset = frozenset()) -> list[Task]:
    """The tasks still to run: one per posterior or SBC replicate, EM-only replicates batched.

    Posterior replicates are ordered replicate by replicate across N, so an interrupted study has
    about as many replicates at every N.
    """
    tasks: list[Task] = []
    width = max([*settings.replicates, settings.sbc, 0])
    for i in range(width):
        for n, r in zip(settings.ns, settings.replicates, strict=True):
            if i < r and ("main", n, i) not in done:
                tasks.append(Task("main", n, (i,)))
        if i < settings.sbc and ("sbc", settings.sbc_n, i) not in done:
            tasks.append(Task("sbc", settings.sbc_n, (i,)))
    for n, r, m in zip(settings.ns, settings.replicates, settings.em_replicates, strict=True):
        size = max(1, min(EM_BATCH_MAX, EM_BATCH_POINTS // n))
        todo = [i for i in range(r, m) if ("main", n, i) not in done]
        tasks += [Task("main", n, tuple(todo[k:k + size])) for k in range(0, len(todo), size)]
    return tasks


def total_replicates(settings: StudySettings) -> int:
    """Replicates the whole study records (main part at every N, and SBC)."""
    return sum(settings.em_replicates) + settings.sbc


def check_address(address: str) -> str:
    """``tcp://HOST:PORT`` or a one-line :class:`EmvbError`."""
    if not _ADDRESS.match(address or ""):
        raise EmvbError(f"--scheduler {address!r}: expected tcp://HOST:PORT")
    return address


#: Loggers of the client side of Dask. Their messages (a connection cut by a closing client or a Ctrl-C,
#: "Stream is closed" with a traceback; a worker that died) reach emvb's user as emvb's own one-line
#: messages or as lost tasks in the summary, so the client process keeps them quiet while it runs.
CLIENT_NOISE = ("distributed", "tornado")


@contextmanager
def _quiet_client_logs():
    """Silence :data:`CLIENT_NOISE` for the client's lifetime; restore the levels after a normal exit.

    The loop thread can log a cut connection at any moment after a Ctrl-C, before or after the
    client is closed, so the loggers are quiet from the start. After an interrupt or error the command
    ends, and they stay quiet through the shutdown.
    """
    # Dask's logging configuration sets levels on children (e.g. "tornado.application": error), which
    # override their parent's: every existing logger under these names is set, not only the roots.
    names = set(CLIENT_NOISE) | {n for n in logging.root.manager.loggerDict
                                 if any(n.startswith(root + ".") for root in CLIENT_NOISE)}
    loggers = [logging.getLogger(name) for name in sorted(names)]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    yield
    for lg, level in zip(loggers, levels, strict=True):
        lg.setLevel(level)


def wait_for_workers(client, address: str, wait: float) -> int:
    """The number of workers of the scheduler at ``address``; if it has none, say so (one line on stderr)
    and wait up to ``wait`` seconds for one, then give up with an :class:`EmvbError`."""
    n = len(client.scheduler_info().get("workers", {}))
    if n:
        return n
    print(f"emvb study: the scheduler {address} has 0 workers; waiting up to {wait:g} s for one "
          "(start them with `dask worker ADDRESS`; --wait-workers changes the wait)", file=sys.stderr, flush=True)
    try:
        client.wait_for_workers(1, timeout=wait)
    except TimeoutError:
        raise EmvbError(f"--scheduler {address}: no worker joined within {wait:g} s (the scheduler has 0 workers; "
                        "start some with `dask worker ADDRESS`, or wait longer with --wait-workers)") from None
    return len(client.scheduler_info().get("workers", {}))


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None, quiet: bool = False,
                wait_workers: float = WAIT_WORKERS):
    """A ``distributed.Client``: on a new ``LocalCluster`` (``workers`` processes, 1 thread each) or
    connected to ``scheduler``, which must have a worker within ``wait_workers`` seconds
    (:func:`wait_for_workers`). Closed (and the local cluster shut down) on exit."""
    from distributed import Client

    level = logging.CRITICAL if quiet else logging.ERROR
    if scheduler is not None:
        address = check_address(scheduler)
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as e:
            raise EmvbError(f"--scheduler {address}: no Dask scheduler answered within {CONNECT_TIMEOUT} s "
                            f"({type(e).__name__})") from None
        with _quiet_client_logs(), client:
            wait_for_workers(client, address, wait_workers)
            yield client
        return
    cluster = local_cluster(int(workers), level)
    with _quiet_client_logs(), cluster, Client(cluster) as client:
        yield client


def local_cluster(workers: int, level: int = logging.ERROR):
    """A ``LocalCluster`` of ``workers`` processes with one thread each, its logs at ``level``.

    Started with SIGINT ignored, which its worker processes inherit: Ctrl-C in a terminal reaches the whole
    process group, and only the client should react (it then closes the cluster).
    The scheduler serves HTTP even without a dashboard, on port 8787 unless told otherwise; a busy 8787
    (another cluster) would make it warn, so it takes a free loopback port and no dashboard.
    """
    from distributed import LocalCluster

    with sigint_ignored():
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                            silence_logs=level)


@dataclass(frozen=True)
class RunOutcome:
    """What one run added: replicates recorded (and failed among them), and tasks Dask gave up on."""

    recorded: int
    failed: int
    lost: tuple[str, ...]


def run_tasks(settings: StudySettings, store: Store, client, progress: Progress) -> RunOutcome:
    """Submit every task not yet in ``store``; record each result as it arrives."""
    from distributed import as_completed

    tasks = plan(settings, store.done())
    futures = {client.submit(run_task, settings, t, pure=False): t for t in tasks}
    recorded = failed = 0
    lost = []
    for future, result in as_completed(futures, with_results=True, raise_errors=False):
        task = futures[future]
        if isinstance(result, BaseException):
            lost.append(f"{task.part} N={task.n} replicates {task.replicates[0]}-{task.replicates[-1]}: "
                        f"{type(result).__name__}")
            continue
        store.add(result)
        n_failed = sum(not r.ok for r in result)
        recorded += len(result)
        failed += n_failed
        progress.advance(len(result), n_failed)
        future.release()
    return RunOutcome(recorded, failed, tuple(lost))
