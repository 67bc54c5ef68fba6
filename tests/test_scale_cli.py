"""``emvb inspect`` and ``emvb em`` at any scale, as a user runs them (subprocesses; all but one share
one fresh interpreter, conftest.run_cli_many).

Issue 12: values near 1e300 made ``inspect`` print "sd inf" (with a numpy overflow warning) while
``em`` said "data have zero spread" without naming the file. Both now run on the one
standardisation of models/scaling.py and ``inspect`` checks exactly what the fits check.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import run_cli_many

from emvb import em
from emvb.models import MixtureParams, simulate

X = simulate(MixtureParams(0.4, 0.0, 5.0, 1.0), 500, 1).values


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("scale")
    out = {}
    for name, y in (("big", 1e300 * X / 10), ("tiny", 1e-300 * X), ("wide", np.append(X, 1e120)), ("plain", X)):
        out[name] = d / f"{name}.npy"
        np.save(out[name], y)
    return out


#: The commands of the tests below, by case.
COMMANDS = {
    **{(command, name): [command, "--data", name] + (["--json"] if command == "em" else [])
       for command in ("inspect", "em") for name in ("big", "tiny")},
    **{(command, "wide"): [command, "--data", "wide"] for command in ("inspect", "em")},
    ("em", "max_iter"): ["em", "--data", "plain", "--max-iter", "2"], ("em", "plain"): ["em", "--data", "plain"],
}


@pytest.fixture(scope="module")
def runs(files):
    """Every command above, one after the other in ONE fresh interpreter (conftest.run_cli_many: a new
    interpreter per command costs seconds apiece), with the data names replaced by the files."""
    argvs = [[str(files[a]) if a in files else a for a in argv] for argv in COMMANDS.values()]
    return dict(zip(COMMANDS, run_cli_many(argvs, silent=True), strict=True))  # as each alone: no other stderr


@pytest.mark.parametrize("name, a", [("big", 1e299), ("tiny", 1e-300)])
def test_inspect_and_em_describe_and_fit_data_near_the_float_limits(runs, name, a):
    r = runs[("inspect", name)]
    assert r["code"] == 0 and "Warning" not in r["stderr"], r["stderr"]
    sd = float(r["stdout"].split(" sd ")[1].split(";")[0])
    assert sd == pytest.approx(a * X.std(ddof=1), rel=1e-5)  # printed to 6 significant digits
    r = runs[("em", name)]
    assert r["code"] == 0 and "Warning" not in r["stderr"], r["stderr"]
    got = json.loads(r["stdout"])
    p = em.fit(X).params
    np.testing.assert_allclose([got[k] for k in ("pi1", "mu1", "mu2", "sigma")],
                               [p.pi1, a * p.mu1, a * p.mu2, a * p.sigma], rtol=1e-9)


def test_inspect_refuses_exactly_what_em_refuses_naming_the_file(runs):
    lines = []
    for command in ("inspect", "em"):
        r = runs[(command, "wide")]
        assert r["code"] == 2 and r["stdout"] == "" and r["stderr"].count("\n") == 1, r["stderr"]
        assert "wide.npy: the values reach" in r["stderr"] and "Traceback" not in r["stderr"]
        lines.append(r["stderr"].split("error: ", 1)[1])
    assert lines[0] == lines[1]


def test_em_warns_and_exits_1_when_the_best_fit_did_not_converge(runs):
    r = runs[("em", "max_iter")]
    assert r["code"] == 1, r["stderr"]
    assert "NOT converged" in r["stdout"] and "max_iter reached" in r["stdout"]
    assert r["stderr"].startswith("emvb em: warning: the best of 10 EM runs did NOT converge (max_iter reached)")
    r = runs[("em", "plain")]
    assert r["code"] == 0 and r["stderr"] == ""


def test_em_marks_the_ridge_end_point_as_a_saddle(cli, tmp_path):
    # Overlapping components (n = 200, seed 2026): some starts stop on the one-normal ridge mu1 ~ mu2.
    x = simulate(MixtureParams(0.3, 0.0, 1.5, 1.0), 200, 2026).values
    fit = em.fit(x)
    ridge = [j for j, o in enumerate(fit.runs.optima) if not o.is_max]
    assert ridge and fit.converged
    path = tmp_path / "overlap.npy"
    np.save(path, x)
    r = cli("em", "--data", path)
    assert r.returncode == 0
    saddle_lines = [line for line in r.stdout.splitlines() if "a saddle on the one-normal ridge" in line]
    assert len(saddle_lines) == len(ridge)
    for j in ridge:
        assert any(line.startswith(f"  other end point {j}:") for line in saddle_lines)
