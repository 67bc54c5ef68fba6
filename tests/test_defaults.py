"""One default everywhere: the chains' start (``init``) is the same for the API, ``emvb sample``,
``emvb run`` and the README."""

from __future__ import annotations

import inspect
import re

from conftest import ROOT

import emvb
from emvb.cli.main import build_parser
from emvb.sampling.options import DEFAULT_INIT, Settings


def test_every_entry_point_starts_the_chains_the_same_way():
    defaults = {"sample_posterior": inspect.signature(emvb.sample_posterior).parameters["settings"].default.init,
                "Settings": Settings().init}
    parser = build_parser()
    for cmd in ("sample", "run"):
        argv = [cmd, "--out", "x"] + (["--data", "d.csv", "--model", "ordered"] if cmd == "sample" else [])
        defaults[f"emvb {cmd}"] = parser.parse_args(argv).init
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    defaults["README"] = re.search(r"Chains start at independent draws from the prior by default \(`--init (\w+)`\)",
                                   readme).group(1)
    assert set(defaults.values()) == {DEFAULT_INIT}, defaults
