"""``emvb pitfalls`` in a fresh interpreter: writes the folder, refuses to overwrite it, --force replaces."""

import json

from conftest import run_cli_many

from emvb.teaching.figures import FIGURES


def test_pitfalls_cli_writes_refuses_and_forces(cli, tmp_path):
    out = tmp_path / "pitfalls"
    r = cli("pitfalls", "--seed", "3", "--n", "400", "--out", out)
    assert r.returncode == 0, r.stderr
    assert {p.name for p in out.iterdir()} == {"README.md", "pitfalls.json", *FIGURES.values()}
    assert json.loads((out / "pitfalls.json").read_text())["seed"] == 3
    assert "--seed 3" in (out / "README.md").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left

    before = {p.name: p.read_bytes() for p in out.iterdir()}
    r = cli("pitfalls", "--seed", "4", "--n", "400", "--out", out)
    assert r.returncode == 2
    assert "already exists" in r.stderr and "--force" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    r = cli("pitfalls", "--seed", "4", "--n", "400", "--out", out, "--force")
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "pitfalls.json").read_text())["seed"] == 4


def test_pitfalls_cli_rejects_bad_options(tmp_path):
    small, seed = run_cli_many([["pitfalls", "--n", "50", "--out", tmp_path / "p"],
                                ["pitfalls", "--seed", "-1", "--out", tmp_path / "p"]], silent=True)
    assert small["code"] == 2 and "at least 100" in small["stderr"] and "Traceback" not in small["stderr"]
    assert seed["code"] == 2 and "must be >= 0" in seed["stderr"]
    assert not (tmp_path / "p").exists()
