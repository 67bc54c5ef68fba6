"""``emvb em`` as a user runs it: a subprocess (the refusals share one, conftest.run_cli_many)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import run_cli_many

from emvb import em
from emvb.files.datafile import load_data, save_dataset
from emvb.models import MixtureParams, simulate


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("em") / "d.csv"
    save_dataset(simulate(MixtureParams(0.3, 5.0, 15.0, 2.0), 1500, 5), path)
    return path


def test_json_is_one_object_equal_to_the_in_process_fit(cli, data_file):
    r = cli("em", "--data", data_file, "--json", "--n-init", "4", "--seed", "3")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)  # exactly one JSON document on stdout
    assert r.stdout.strip().count("\n") == 0
    expect = em.fit(load_data(data_file), n_init=4, seed=3).to_json_dict()
    assert d.keys() == expect.keys() and d["se"].keys() == expect["se"].keys()
    assert d["sha256"] == expect["sha256"] and d["n"] == 1500 and d["converged"] is True
    for k in ("pi1", "mu1", "mu2", "sigma", "loglik"):
        assert d[k] == pytest.approx(expect[k], rel=1e-12)


def test_table_shows_estimate_se_ci_and_convergence(cli, data_file):
    r = cli("em", "--data", data_file)
    assert r.returncode == 0, r.stderr
    res = em.fit(load_data(data_file))
    lines = r.stdout.splitlines()
    row = next(line for line in lines if line.startswith("mu2"))
    lo, hi = res.ci()["mu2"]
    assert f"{res.params.mu2:.6g}" in row and f"{res.se.mu2:.4g}" in row and f"[{lo:.6g}, {hi:.6g}]" in row
    assert "converged after" in r.stdout and "95% CI" in r.stdout


def test_column_option(cli, tmp_path):
    x = simulate(MixtureParams(0.4, 0.0, 6.0, 1.0), 400, 2).values
    path = tmp_path / "two.csv"
    np.savetxt(path, np.column_stack([np.arange(x.size), x]), delimiter=",", header="id,value", comments="")
    r = cli("em", "--data", path, "--column", "value", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["mu1"] == pytest.approx(em.fit(x).params.mu1, rel=1e-12)


BAD_DATA = [
    (None, "no such file"),
    ("x\n1\n2\nabc\n" + "3\n" * 10, "not a number"),
    ("x\n" + "1\n2\n" * 10, "distinct"),
]


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """Each bad data file, then a bad option, refused one after the other in ONE fresh interpreter
    (conftest.run_cli_many: a new interpreter per refusal costs seconds apiece)."""
    argvs = []
    for content, _ in BAD_DATA:
        path = tmp_path_factory.mktemp("bad") / "bad.csv"
        if content is not None:
            path.write_text(content)
        argvs.append(["em", "--data", path])
    argvs.append(["em", "--data", "x.csv", "--n-init", "0"])
    return run_cli_many(argvs, silent=True)


@pytest.mark.parametrize("case", range(len(BAD_DATA)), ids=[n for _, n in BAD_DATA])
def test_bad_data_exits_2_with_one_line(refusals, case):
    r, needle = refusals[case], BAD_DATA[case][1]
    assert r["code"] == 2 and r["stdout"] == ""
    assert r["stderr"].count("\n") == 1 and needle in r["stderr"] and "Traceback" not in r["stderr"]


def test_bad_option_exits_2(refusals):
    r = refusals[-1]
    assert r["code"] == 2 and "n-init" in r["stderr"]


def test_import_em_pulls_in_neither_pymc_nor_sklearn():
    code = ("import sys, emvb.em; bad = [m for m in ('pymc', 'pytensor', 'sklearn', 'arviz') if m in sys.modules];"
            " assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
