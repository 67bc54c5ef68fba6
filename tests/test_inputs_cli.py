"""Every command knows all of its inputs, and no output ever replaces one (issue 21, items 1 and 2).

The subcommands and their options are enumerated from the parser itself: a new subcommand, a new
file option or a new output is covered without editing this file, and an option that names a file but
is not declared an input (:func:`cli.args.reads_files`) fails the first test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, cli_env, run_cli_many

from emvb.cli import args as cli_args
from emvb.cli.main import build_parser
from emvb.files.datafile import save_dataset, sidecar_path
from emvb.models import DEFAULT_TRUTH, simulate

#: A metavar that names a file or folder: FILE, FOLDER, or a name with a suffix (POST.nc, FILE.csv).
FILE_METAVAR = re.compile(r"FILE|FOLDER|\.\w+$")


def subcommands() -> dict:
    """name -> subparser, from the parser itself."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    return dict(sub.choices)


def options(parser) -> list:
    return [a for a in parser._actions if a.option_strings and a.dest != "help"]


def test_every_option_that_names_a_file_is_a_declared_input():
    marked = {}
    for name, parser in subcommands().items():
        for action in options(parser):
            if action.dest == "out":
                continue
            names_a_file = bool(FILE_METAVAR.search(str(action.metavar or "")))
            is_input = hasattr(action.type, "input_files")
            assert is_input or not names_a_file, (
                f"emvb {name} {action.option_strings[0]} ({action.metavar}) names a file but is not declared an "
                "input: give it a type of cli/args.py marked by reads_files")
            if is_input:
                marked.setdefault(action.dest, set()).add(name)
    # the enumeration sees the inputs the commands have (a check that could be false)
    assert marked["data"] >= {"inspect", "em", "check", "sample", "run", "labels", "validate"}
    assert marked["posterior"] == {"labels"}
    assert marked["priors"] == {"sample", "run", "study"}


def _sample_value(action, files: dict) -> str:
    """A value for an input option (one per marked type) or for a required option (its first choice)."""
    kinds = {cli_args.data_file: "data", cli_args.input_file: "file", cli_args.priors_spec: "priors"}
    if hasattr(action.type, "input_files"):
        assert action.type in kinds, f"{action.dest}: a new kind of input; give this test a sample of it"
        return str(files[kinds[action.type]])
    assert action.choices, f"{action.dest}: a required option without choices; give this test a value for it"
    return str(next(iter(action.choices)))


@pytest.fixture
def inputs(tmp_path) -> dict:
    data = save_dataset(simulate(DEFAULT_TRUTH, 200, seed=1), tmp_path / "d.csv")
    (tmp_path / "post.nc").write_bytes(b"a posterior")  # refused before it is read: any bytes do
    (tmp_path / "p.toml").write_text('pi1 = "beta:1,1"\n')
    return {"data": data, "file": tmp_path / "post.nc", "priors": tmp_path / "p.toml"}


def _cases(files: dict) -> list:
    """(argv, the input file used as --out, what the refusal says) for every command with --out, every input
    option, every file that option stands for, with and without --force; folders also as the input's folder."""
    cases = []
    for name, parser in subcommands().items():
        acts = options(parser)
        out = next((a for a in acts if a.dest == "out"), None)
        if out is None:
            continue
        required = [a for a in acts if a.required and a.dest != "out"]
        folder = FILE_METAVAR.search(str(out.metavar)) and "FOLDER" in str(out.metavar)
        for inp in (a for a in acts if hasattr(a.type, "input_files")):
            base = [name] + [x for a in {*required, inp} for x in (a.option_strings[0], _sample_value(a, files))]
            for victim in inp.type.input_files(_sample_value(inp, files)):
                targets = [(victim, "is the input")] + ([(victim.parent, "contains the input")] if folder else [])
                for target, what in targets:
                    for force in ([], ["--force"]):
                        argv = [*base, "--out", str(target), *force]
                        if all(argv != c[0] for c in cases):
                            cases.append((argv, victim, what))
    return cases


def test_no_command_writes_over_any_of_its_inputs(inputs):
    files = [inputs["data"], sidecar_path(inputs["data"]), inputs["file"], inputs["priors"]]
    before = {p: p.read_bytes() for p in files}
    cases = _cases(inputs)
    commands = {c[0][0] for c in cases}
    assert commands >= {"sample", "run", "labels", "study"}  # the commands that read files and write
    assert {Path(c[1]).name for c in cases} == {p.name for p in files}  # every input file was tried
    results = run_cli_many([c[0] for c in cases], cwd=inputs["data"].parent)
    for (argv, victim, what), r in zip(cases, results, strict=True):
        assert r["code"] == 2, (argv, r)
        lines = r["stderr"].strip().splitlines()
        assert len(lines) == 1 and what in lines[0] and "never replaces an input" in lines[0], (argv, r)
        assert what != "is the input" or f"is the input {victim}" in lines[0], (argv, r)
    assert {p: p.read_bytes() for p in files} == before
    assert sorted(p.name for p in inputs["data"].parent.iterdir()) == sorted(p.name for p in files)


def test_stdin_is_an_input_only_when_it_is_a_file(inputs, tmp_path):
    """A pipe is no file an output could replace; stdin redirected from a file is that file."""
    data = inputs["data"]
    out = tmp_path / "relabelled.nc"
    base = [sys.executable, "-m", "emvb.cli", "labels", "--data", "-", "--posterior", str(inputs["file"])]
    with open(data, "rb") as f:
        r = subprocess.run([*base, "--out", str(data), "--force"], stdin=f, capture_output=True, text=True,
                           cwd=ROOT, env=cli_env(), timeout=300)
    assert r.returncode == 2 and "is the input" in r.stderr and str(data) in r.stderr, r.stderr
    # piped: --out is claimed, the data are read, and the (junk) posterior is what stops the command
    r = subprocess.run([*base, "--out", str(out)], input=data.read_bytes(), capture_output=True, cwd=ROOT,
                       env=cli_env(), timeout=300)
    err = r.stderr.decode()
    assert r.returncode == 2 and "post.nc: cannot read it as a netCDF posterior" in err, err
    assert len(err.strip().splitlines()) == 1 and not out.exists()
