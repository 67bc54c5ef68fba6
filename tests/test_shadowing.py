"""When a folder named ``emvb`` shadows the installed emvb (README, "Layout"): measured, not assumed.

Python's path finder (first on ``sys.meta_path``) returns a folder ``emvb/`` without ``__init__.py``
found on ``sys.path`` as a namespace package unless some ``sys.path`` entry holds a regular package
``emvb``. A regular install puts one in site-packages, so it wins; an editable install (``make venv``,
``pip install -e``) has no ``emvb`` folder on ``sys.path``: setuptools' finder is appended to
``sys.meta_path`` and is asked only after the path finder, which has already returned the folder.
"""

from __future__ import annotations

import subprocess
import sys

#: Prints what ``import emvb`` gave: "namespace" or "package", and whether it has the API.
PROBE = "import emvb; print('namespace' if emvb.__file__ is None else 'package', hasattr(emvb, 'simulate'))"


def _editable() -> bool:
    """Whether this environment's emvb comes from setuptools' editable finder (not a folder on sys.path)."""
    r = subprocess.run([sys.executable, "-c", "import sys; print(any('__editable__' in getattr(f, '__module__', '') "
                        "for f in sys.meta_path))"], capture_output=True, text=True, cwd="/")
    return r.stdout.strip() == "True"


def test_a_folder_named_emvb_shadows_an_editable_install_only(tmp_path):
    (tmp_path / "emvb" / "models").mkdir(parents=True)  # a clone of the repository is such a folder
    (tmp_path / "script.py").write_text(PROBE + "\n")
    by_script = subprocess.run([sys.executable, "script.py"], capture_output=True, text=True, cwd=tmp_path)
    by_c = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=tmp_path)
    elsewhere = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=tmp_path / "emvb")
    expected = "namespace False" if _editable() else "package True"
    assert by_script.stdout.strip() == by_c.stdout.strip() == expected, (by_script, by_c)
    assert elsewhere.stdout.strip() == "package True", elsewhere  # from any other folder, the installed emvb


def test_a_regular_package_later_on_sys_path_beats_the_namespace_folder(tmp_path):
    """What a regular install has: a real ``emvb/__init__.py`` on sys.path, behind the user's folder."""
    (tmp_path / "user" / "emvb").mkdir(parents=True)
    (tmp_path / "site" / "emvb").mkdir(parents=True)
    (tmp_path / "site" / "emvb" / "__init__.py").write_text("simulate = 'the installed one'\n")
    code = (f"import sys; sys.path[:0] = [{str(tmp_path / 'user')!r}]; sys.path.append({str(tmp_path / 'site')!r}); "
            "import emvb; print(emvb.__file__)")
    r = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.stdout.strip() == str(tmp_path / "site" / "emvb" / "__init__.py"), r
