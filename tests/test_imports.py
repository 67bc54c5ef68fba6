"""`models` (numpy part) and `em` import without pymc: fast start, usable alone."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["models", "em", "compare.cli"])
def test_import_does_not_pull_in_pymc(module):
    code = f"import sys, {module}; assert 'pymc' not in sys.modules and 'pytensor' not in sys.modules, '{module}'"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_help_lists_every_command():
    from compare.cli import build_parser

    text = build_parser().format_help()
    for name in ("simulate", "inspect"):
        assert name in text
