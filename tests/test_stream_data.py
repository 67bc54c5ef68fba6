"""Data from standard input and pipes, and blank lines among the rows (issue 21, items 10 and 17)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from conftest import ROOT, cli_env

from emvb.files.datafile import load_data, save_dataset
from emvb.models import DEFAULT_TRUTH, simulate


def _emvb(*args, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emvb.cli", *map(str, args)], input=stdin, capture_output=True,
                          cwd=ROOT, env=cli_env(), timeout=300)


@pytest.fixture
def data(tmp_path):
    return save_dataset(simulate(DEFAULT_TRUTH, 300, seed=5), tmp_path / "d.csv")


def _sha_line(stdout: bytes) -> str:
    return stdout.decode().splitlines()[0]


def test_csv_piped_to_dash_or_dev_stdin_is_read_with_the_files_fingerprint(data):
    sha = load_data(data).sha256
    for name in ("-", "/dev/stdin"):
        r = _emvb("inspect", "--data", name, stdin=data.read_bytes())
        assert r.returncode == 0, r.stderr
        shown = "stdin" if name == "-" else name  # /dev/stdin is a pipe here: read like one
        assert _sha_line(r.stdout) == f"{shown}: n=300, distinct=300, sha256 {sha}"
    r = _emvb("em", "--data", "-", "--json", stdin=data.read_bytes())
    assert r.returncode == 0, r.stderr
    assert f'"sha256": "{sha}"' in r.stdout.decode()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_read_and_its_name_kept(data, tmp_path):
    fifo = tmp_path / "feed.csv"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as f:
            f.write(data.read_bytes())

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    r = _emvb("inspect", "--data", fifo)
    writer.join(timeout=60)
    assert r.returncode == 0, r.stderr
    assert _sha_line(r.stdout) == f"{fifo}: n=300, distinct=300, sha256 {load_data(data).sha256}"


def test_bad_piped_data_is_one_line_naming_stdin(data):
    for stdin, message in ((b"", "stdin: is empty: nothing was read from it"),
                           (b"x\n1\n2\nabc\n" + b"3\n" * 20, "stdin: line 4: 'abc' in column 'x' is not a number")):
        r = _emvb("inspect", "--data", "-", stdin=stdin)
        assert r.returncode == 2 and r.stdout == b"", r
        assert r.stderr.decode().strip().splitlines() == [f"emvb inspect: error: {message}"]


def test_blank_lines_anywhere_are_skipped_and_line_numbers_kept(tmp_path):
    values = np.linspace(0.0, 1.0, 15)
    plain = tmp_path / "plain.csv"
    plain.write_text("x\n" + "\n".join(repr(float(v)) for v in values) + "\n")
    gaps = tmp_path / "gaps.csv"
    gaps.write_text("\n x\n\n" + "\n\n".join(repr(float(v)) for v in values) + "\n  \n\n")
    assert load_data(gaps).sha256 == load_data(plain).sha256
    two = tmp_path / "two.csv"
    # a blank line after every row
    two.write_text("a,b\n" + "\n".join(f"{float(v)!r},{float(2 * v)!r}\n" for v in values))
    np.testing.assert_array_equal(load_data(two, "b").values, 2 * values)
    # the lines a message names are the file's own lines, blank ones counted
    bad = tmp_path / "bad.csv"
    bad.write_text("x\n1\n\n2\nfoo\n" + "3\n" * 20)
    r = _emvb("inspect", "--data", bad)
    assert r.returncode == 2 and "line 5: 'foo' in column 'x' is not a number" in r.stderr.decode()
    # an empty cell in a row of several cells is still refused: that is a missing value, not a blank line
    holes = tmp_path / "holes.csv"
    holes.write_text("a,b\n" + "\n".join(f"{float(v)!r},{float(v)!r}" for v in values) + "\n,\n")
    r = _emvb("inspect", "--data", holes, "--column", "a")
    assert r.returncode == 2 and f"line {len(values) + 2}: an empty cell" in r.stderr.decode()
