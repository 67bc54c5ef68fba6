"""The package layout: one `emvb` namespace, no import cycles, light imports, every command reachable."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Top-level folders installed as subpackages of `emvb` (api/ is `emvb` itself); see pyproject.toml.
PACKAGES = ("models", "em", "files", "sampling", "labels", "compare", "report", "teaching", "cli")
#: Allowed direction of imports between packages: a package may import only those listed before it.
LAYERS = ("models", "files", "em", "sampling", "labels", "compare", "report", "teaching", "cli")


def _modules():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).glob("*.py")):
            name = path.stem
            yield f"emvb.{pkg}" + ("" if name == "__init__" else f".{name}")


ALL_MODULES = list(_modules())


def _run(code: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd)


def test_every_module_imports_alone():
    """Each module imported first in a fresh interpreter: an import cycle fails here."""
    code = ("import importlib, subprocess, sys\n"
            f"mods = {[m for m in ALL_MODULES if not m.endswith('__main__')]!r}\n"
            "bad = []\n"
            "for m in mods:\n"
            "    r = subprocess.run([sys.executable, '-c', f'import {m}'], capture_output=True, text=True)\n"
            "    if r.returncode: bad.append((m, r.stderr.strip().splitlines()[-1]))\n"
            "print(bad)\n"
            "sys.exit(1 if bad else 0)\n")
    r = _run(code)
    assert r.returncode == 0, r.stdout + r.stderr


def _imported_packages(path: Path, pkg: str) -> set[str]:
    """Sibling packages a module imports (relative imports ``from ..x`` or ``from .. import x``)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 2:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("emvb."):
            out.add(node.module.split(".")[1])
    return out - {pkg}


def test_imports_flow_one_way():
    """No package imports one above it in LAYERS, so no cycle between packages is possible."""
    wrong = []
    for pkg in PACKAGES:
        allowed = set(LAYERS[: LAYERS.index(pkg)])
        for path in (ROOT / pkg).glob("*.py"):
            for other in _imported_packages(path, pkg) - allowed:
                wrong.append(f"{pkg}/{path.name} imports {other}")
    assert wrong == []


@pytest.mark.parametrize("module", ["emvb", "emvb.models", "emvb.em", "emvb.files.datafile", "emvb.cli.main"])
def test_import_does_not_pull_in_pymc(module):
    code = f"import sys, {module}; assert 'pymc' not in sys.modules and 'pytensor' not in sys.modules, '{module}'"
    r = _run(code)
    assert r.returncode == 0, r.stderr


def test_emvb_imports_beside_a_users_models_and_em(tmp_path):
    """A research folder with its own models.py and em/ must not shadow the installed package."""
    (tmp_path / "models.py").write_text("raise SystemExit('the user models.py was imported')\n")
    (tmp_path / "em").mkdir()
    (tmp_path / "em" / "__init__.py").write_text("raise SystemExit('the user em/ was imported')\n")
    (tmp_path / "compare.py").write_text("raise SystemExit('the user compare.py was imported')\n")
    code = ("import emvb.em, emvb.models, emvb.compare.pipeline, emvb; "
            "r = emvb.fit_em(emvb.simulate(emvb.DEFAULT_TRUTH, n=500, seed=1)); print(round(r.params.mu1))")
    r = _run(code, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "5"


def test_public_api_names_exist():
    import emvb

    for name in emvb.__all__:
        assert hasattr(emvb, name), name


def test_help_lists_every_command_module():
    from emvb.cli.main import COMMANDS, build_parser

    text = build_parser().format_help()
    cli_modules = {p.stem for p in (ROOT / "cli").glob("*.py")} - {"__init__", "__main__", "main", "args"}
    assert set(COMMANDS) == cli_modules  # a subcommand module not listed (or listed and missing) fails
    for name in COMMANDS:
        assert f"    {name} " in text or f"    {name}\n" in text, name


@pytest.mark.parametrize("command", ["simulate", "inspect", "em", "sample", "run", "labels", "validate", "pitfalls"])
def test_each_command_has_help(cli, command):
    r = cli(command, "--help")
    assert r.returncode == 0 and r.stdout.startswith(f"usage: emvb {command}"), r.stderr
