"""report.figures.PngWriter: the PNG compressed in a background thread is the file ``save`` writes, and a
failed write is raised when the block ends, not lost with its thread."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from emvb.report.figures import PngWriter, save  # noqa: E402


def _figure():
    fig, ax = plt.subplots(figsize=(4.3, 2.1))  # 4.3 x 100 and 2.1 x 100 are not whole numbers in floating point
    ax.plot(np.sin(np.linspace(0, 6, 200)), label="sin")
    ax.set_xlabel("x")
    ax.legend()
    fig.tight_layout()
    return fig


def test_png_writer_writes_the_bytes_save_writes(tmp_path):
    save(_figure(), tmp_path / "save.png")
    with PngWriter() as write:
        write(_figure(), tmp_path / "writer.png")
        write(_figure(), tmp_path / "writer2.png")
    expected = (tmp_path / "save.png").read_bytes()
    assert expected[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "writer.png").read_bytes() == expected
    assert (tmp_path / "writer2.png").read_bytes() == expected
    assert plt.get_fignums() == []  # each figure closed once drawn


def test_png_writer_raises_a_failed_write_when_the_block_ends(tmp_path):
    with pytest.raises(FileNotFoundError), PngWriter() as write:
        write(_figure(), tmp_path / "no such folder" / "f.png")
    assert not (tmp_path / "no such folder").exists()
