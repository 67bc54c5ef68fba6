"""The study's results store: one SQLite file in the output folder (standard library ``sqlite3``).

One writer, the client: workers return records and only the client writes them, each finished
task in one transaction. The journal is write-ahead (WAL) with ``synchronous=FULL``, so a study
killed at any moment (SIGINT, SIGKILL, power loss) leaves every committed replicate intact and no
partial one. Tables:

``meta``        key/value: the study's settings (JSON) and the emvb version that started it
``replicates``  one row per finished replicate: status (ok / failed), reason, data sha256, wall
                times per stage (JSON), worker; primary key (part, n, replicate)
``results``     the tidy rows of :data:`study.records.COLUMNS`; primary key (part, n, replicate,
                method, param)

A replicate is written together with its rows or not at all; a replicate already present is left
as it is (a task that Dask ran twice cannot duplicate anything).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..models.errors import EmvbError
from .records import COLUMNS, KEY, TYPES, ReplicateResult

#: File name of the store inside the study folder.
STORE_NAME = "study.sqlite"
_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS replicates (part TEXT NOT NULL, n INTEGER NOT NULL, replicate INTEGER NOT NULL, "
    "status TEXT NOT NULL, reason TEXT, sha256 TEXT, seconds TEXT, worker TEXT, "
    "PRIMARY KEY (part, n, replicate))",
    "CREATE TABLE IF NOT EXISTS results ("
    + ", ".join(f'"{c}" {TYPES.get(c, "REAL")}' for c in COLUMNS)
    + ", PRIMARY KEY (" + ", ".join(KEY) + "))",
]
_BOOL = ("ok", "em_converged", "em_first_start_global")


class Store:
    """The SQLite store of one study folder (a context manager; closes the connection on exit)."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            for stmt in _SCHEMA:
                self.conn.execute(stmt)
        except sqlite3.DatabaseError as e:
            raise EmvbError(f"{self.path}: not a study store ({e})") from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # -- the study's identity ---------------------------------------------------------------
    def get_meta(self, key: str):
        r = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if r is None else json.loads(r[0])

    def set_meta(self, **values) -> None:
        with self._transaction():
            self.conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                  [(k, json.dumps(v, sort_keys=True)) for k, v in values.items()])

    # -- replicates -------------------------------------------------------------------------
    def done(self) -> set[tuple[str, int, int]]:
        """``(part, n, replicate)`` of every replicate already recorded."""
        return {(p, int(n), int(i)) for p, n, i in self.conn.execute("SELECT part, n, replicate FROM replicates")}

    def add(self, results: list[ReplicateResult]) -> int:
        """Record finished replicates (one transaction); returns how many were new."""
        new = 0
        placeholders = ", ".join("?" for _ in COLUMNS)
        with self._transaction():
            for r in results:
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO replicates (part, n, replicate, status, reason, sha256, seconds, worker) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (r.part, r.n, r.replicate, "ok" if r.ok else "failed", r.reason or None, r.sha256,
                     json.dumps(r.seconds, sort_keys=True), r.worker))
                if cur.rowcount == 1:
                    new += 1
                    self.conn.executemany(f"INSERT INTO results VALUES ({placeholders})",
                                          [tuple(_sql(row[c]) for c in COLUMNS) for row in r.rows])
        return new

    def counts(self) -> tuple[int, int]:
        """``(finished, failed)`` replicates recorded."""
        done, failed = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(status = 'failed'), 0) FROM replicates").fetchone()
        return int(done), int(failed)

    # -- reading back -----------------------------------------------------------------------
    def results(self) -> pd.DataFrame:
        """Every result row, ordered by part, n, replicate, method, parameter (booleans as bool)."""
        df = pd.read_sql_query("SELECT * FROM results ORDER BY " + ", ".join(KEY), self.conn)
        for c in _BOOL:
            df[c] = df[c].map({1: True, 0: False}, na_action="ignore").astype("boolean")
        return df

    def replicates(self) -> pd.DataFrame:
        """One row per replicate: part, n, replicate, status, reason, sha256, worker and ``seconds_<stage>``."""
        df = pd.read_sql_query("SELECT * FROM replicates ORDER BY part, n, replicate", self.conn)
        seconds = pd.json_normalize([json.loads(s or "{}") for s in df.pop("seconds")]).add_prefix("seconds_")
        return pd.concat([df, seconds], axis=1)

    @contextmanager
    def _transaction(self):
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception, Ctrl-C included)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")


def _sql(v):
    """Python/numpy scalar -> SQLite value (NaN stays NaN as REAL; bools as 0/1)."""
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    return int(v) if isinstance(v, bool) else v
