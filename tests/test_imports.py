"""The package layout: one `emvb` namespace, no import cycles, light imports, every command reachable."""

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Top-level folders installed as subpackages of `emvb` (api/ is `emvb` itself); see pyproject.toml.
PACKAGES = ("models", "em", "adequacy", "geometry", "files", "sampling", "labels", "compare", "report", "teaching",
            "study", "cli")
#: The declared dependency graph between packages (a DAG, not a chain): each package may import only
#: the packages listed for it. labels depends on models and files only; em on models only; geometry (is an
#: estimate a maximum? `emvb validate`) on em and adequacy; sampling (the posterior, and the one Settings
#: class, whose checks use EM's and the bootstrap's rules) on em and adequacy.
DEPENDS = {
    "models": set(),
    "files": {"models"},
    "em": {"models"},
    "adequacy": {"models", "em"},
    "geometry": {"models", "em", "adequacy"},
    "sampling": {"models", "files", "em", "adequacy"},
    "labels": {"models", "files"},
    "compare": {"models", "files", "em", "adequacy", "sampling", "labels"},
    "report": {"models", "files", "adequacy", "sampling", "labels", "compare"},
    "teaching": {"models", "files", "em", "labels", "compare", "report"},
    "study": {"models", "files", "em", "sampling", "labels", "compare", "report"},
    "cli": {"models", "files", "em", "adequacy", "geometry", "sampling", "labels", "compare", "report", "teaching",
            "study"},
}


def _modules():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).glob("*.py")):
            name = path.stem
            yield f"emvb.{pkg}" + ("" if name == "__init__" else f".{name}")


ALL_MODULES = list(_modules())


def _run(code: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd)


def _same_package_imports(path: Path, pkg: str) -> set[str]:
    """Modules of the same package a module imports (``from .x import`` or ``from . import x``), at
    module level or inside a function: an import inside a function hides a circle, it does not remove it."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(f"emvb.{pkg}.{node.module.split('.')[0]}")
            else:
                out.update(f"emvb.{pkg}.{a.name}" for a in node.names)
    return out


def test_no_import_cycle_inside_a_package():
    """The import graph of each package's modules is acyclic, counting imports inside functions
    (between packages, DEPENDS rules)."""
    graph = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).glob("*.py"):
            name = f"emvb.{pkg}" + ("" if path.stem == "__init__" else f".{path.stem}")
            graph[name] = {m for m in _same_package_imports(path, pkg) if m in ALL_MODULES} - {name}
    state: dict[str, int] = {}

    def visit(m, trail):
        if state.get(m) == 1:
            raise AssertionError("import cycle: " + " -> ".join([*trail, m]))
        if state.get(m) == 2:
            return
        state[m] = 1
        for n in sorted(graph.get(m, ())):
            visit(n, [*trail, m])
        state[m] = 2

    for m in sorted(graph):
        visit(m, [])


def test_every_module_imports():
    """Every module imports (one fresh interpreter: catches broken imports the static checks cannot)."""
    mods = [m for m in ALL_MODULES if not m.endswith("__main__")]
    r = _run("import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in mods))
    assert r.returncode == 0, r.stderr


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


def test_declared_dependencies_form_a_dag():
    """DEPENDS names every package once and has no circle (graphlib raises CycleError on one)."""
    assert set(DEPENDS) == set(PACKAGES)
    assert all(deps <= set(PACKAGES) for deps in DEPENDS.values())
    assert len(tuple(graphlib.TopologicalSorter(DEPENDS).static_order())) == len(PACKAGES)


def test_imports_follow_the_declared_dag():
    """Every package imports only what DEPENDS allows it, counting imports inside functions."""
    wrong = []
    for pkg in PACKAGES:
        for path in (ROOT / pkg).glob("*.py"):
            for other in _imported_packages(path, pkg) - DEPENDS[pkg]:
                wrong.append(f"{pkg}/{path.name} imports {other}")
    assert wrong == []


@pytest.mark.parametrize("module", ["emvb", "emvb.models", "emvb.em", "emvb.adequacy.checks", "emvb.files.datafile",
                                    "emvb.cli.main"])
def test_import_does_not_pull_in_pymc(module):
    code = f"import sys, {module}; assert 'pymc' not in sys.modules and 'pytensor' not in sys.modules, '{module}'"
    r = _run(code)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("module", ["emvb", "emvb.em"])
def test_em_path_does_not_pull_in_xarray(module):
    """``emvb em`` builds the parser and fits without xarray or pandas (each costs ~0.5 s at start-up)."""
    code = (f"import sys, {module}, emvb.cli.main as m; m.build_parser(); "
            "assert not {'xarray', 'pandas'} & set(sys.modules), sorted({'xarray', 'pandas'} & set(sys.modules))")
    r = _run(code)
    assert r.returncode == 0, r.stderr


def test_emvb_imports_beside_a_users_models_and_em(tmp_path):
    """A research folder with its own models.py and em/ must not shadow the installed package."""
    (tmp_path / "models.py").write_text("raise SystemExit('the user models.py was imported')\n")
    (tmp_path / "em").mkdir()
    (tmp_path / "em" / "__init__.py").write_text("raise SystemExit('the user em/ was imported')\n")
    (tmp_path / "compare.py").write_text("raise SystemExit('the user compare.py was imported')\n")
    code = ("import emvb.em, emvb.models, emvb.compare.pipeline, emvb; "
            "r = emvb.fit_em(emvb.simulate(emvb.models.DEFAULT_TRUTH, n=500, seed=1)); print(round(r.params.mu1))")
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
    cli_modules = {p.stem for p in (ROOT / "cli").glob("*.py")} - {"__init__", "__main__", "main", "args", "progress"}
    assert set(COMMANDS) == cli_modules  # a subcommand module not listed (or listed and missing) fails
    for name in COMMANDS:
        assert f"    {name} " in text or f"    {name}\n" in text, name


def test_each_command_has_help(capsys):
    """Every subcommand's --help works (in-process: the parser is the one `emvb` builds)."""
    from emvb.cli.main import COMMANDS, build_parser

    for command in COMMANDS:
        with pytest.raises(SystemExit) as e:
            build_parser().parse_args([command, "--help"])
        out = capsys.readouterr().out
        assert e.value.code == 0 and out.startswith(f"usage: emvb {command}"), command


def test_emvb_help_starts_without_pymc(cli):
    r = cli("--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: emvb"), r.stderr
