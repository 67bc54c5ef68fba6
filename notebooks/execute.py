"""Execute the teaching notebooks in place with this Python's own kernel (``make notebooks``).

Usage::

    .venv/bin/python notebooks/execute.py [NOTEBOOK.ipynb ...]     # default: every notebook, solutions last

Each notebook is run top to bottom by nbclient in a kernel started from ``sys.executable`` (so the
virtual environment's emvb and libraries are used, whatever Jupyter kernels the machine has
installed), its outputs are stored in the file, and the time it took is printed. A cell that raises
stops the run with the error; the notebook file is only rewritten once every cell has run.

The notebooks read their sample sizes from the environment, which the kernel inherits:
``EMVB_NOTEBOOK_DRAWS`` and ``EMVB_NOTEBOOK_TUNE`` (draws and warm-up steps per chain, default 1000),
``EMVB_NOTEBOOK_REPS`` (replicate data sets in notebook 2, default 400) and ``EMVB_NOTEBOOK_N`` (points
per data set in notebook 4, default 10,000); the solutions notebook reads the same four. The tests set
them small.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Seconds one cell may run before the execution is abandoned.
CELL_TIMEOUT = 900
KERNEL_NAME = "emvb-venv"


def notebooks() -> list[Path]:
    """The teaching notebooks in their numbered order, then the solutions (notebooks/solutions/)."""
    return sorted(HERE.glob("[0-9]*.ipynb")) + sorted((HERE / "solutions").glob("*.ipynb"))


def _kernel_manager(spec_root: Path):
    """A kernel manager whose only kernel runs ``sys.executable -m ipykernel_launcher``."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    spec = spec_root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})", "language": "python",
    }))
    # IPC sockets in the temporary folder: local only (TCP would serve the kernel on a network port).
    return AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=str(spec_root / "kernel-ipc"),
                         kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_root / "kernels")]))


def execute(path, timeout: int = CELL_TIMEOUT):
    """Run the notebook at ``path`` top to bottom; return ``(notebook with outputs, seconds)``.

    The file itself is not changed. Raises ``nbclient.exceptions.CellExecutionError`` if a cell fails.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        # No per-cell timestamps in the stored file: re-running would change every cell's metadata.
        client = NotebookClient(nb, km=_kernel_manager(Path(tmp)), timeout=timeout, record_timing=False,
                                resources={"metadata": {"path": str(path.parent)}})
        t0 = time.perf_counter()
        client.execute(cleanup_kc=True)  # shut our kernel down afterwards (nbclient keeps a km it was given)
        seconds = time.perf_counter() - t0
    return nb, seconds


def main(argv: list[str]) -> int:
    import nbformat

    paths = [Path(a) for a in argv] or notebooks()
    for path in paths:
        nb, seconds = execute(path)
        nbformat.write(nb, path)
        print(f"{path.name}: executed in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
