"""The course's widget notebook runs from top to bottom in a real kernel (no browser: the
widgets' Python side, the magics and the cleanup at its end)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pycontainer_lab.linux.cgroups import Layout

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or Layout.detect().version == 0,
                    reason="needs root and mounted cgroups")
def test_the_see_it_live_notebook_runs_and_cleans_up(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    nb = nbformat.read(REPO / "notebooks" / "05-widgets-tour.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = {i: c.outputs for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    errors = [o for outs in outputs.values() for o in outs if o.output_type == "error"]
    assert errors == []
    text = "".join(o.get("text", "") for outs in outputs.values() for o in outs)
    assert "hello from" in text  # the %%container cell ran in a container
    widgets = [o for outs in outputs.values() for o in outs
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 4  # tree, monitor, layer stack, lifecycle
