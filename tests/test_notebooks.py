"""Notebooks are stored thin: no outputs, a tagged parameters cell, the named kernel."""
import json
from pathlib import Path

import pytest

from evaluation.report.pipeline import KERNEL_NAME, notebook_paths

NOTEBOOKS = notebook_paths(Path(__file__).resolve().parents[1] / "notebooks")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "strip outputs before committing"
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    assert {"study", "lang", "output_dir"} <= {line.split("=")[0].strip() for line in "".join(params[0]["source"]).splitlines() if "=" in line}
    assert nb["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    # thin: every code cell after the parameters starts from the evaluation package
    assert "nb.setup(" in "".join(code[1]["source"])
