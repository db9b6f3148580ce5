"""Every notebook runs top to bottom on the embedded CPU default; a failing cell fails the build."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ARTIFACTS, PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_are_there() -> None:
    assert [path.stem for path in NOTEBOOKS] == ["01_quickstart", "02_compare_models", "03_phi_leakage", "04_latency"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_headless(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MLFLOW_TRACKING_URI", "WORKBENCH_RUNS_DIR", "WORKBENCH_CATALOGUE", "WORKBENCH_PROMPTS"):
        monkeypatch.delenv(name, raising=False)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()  # raises CellExecutionError naming the cell and its traceback
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        nbformat.write(notebook, ARTIFACTS / f"{path.stem}.executed.ipynb")
    assert (tmp_path / "runs").is_dir()
