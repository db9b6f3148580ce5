"""MLflow (and the UI's and the detector's libraries) are imported only by the commands that need them,
and never before the privacy environment (telemetry off) is in place.

Each check runs in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SCRIPTED_CATALOGUE

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "workbench"

# Libraries that cost seconds to import and that a command must not load unless it uses them.
HEAVY_LIBRARIES = ("mlflow", "gradio", "plotly", "pandas", "presidio_analyzer", "spacy")

MODULES_MARKER = "LOADED-MODULES:"

# Runs the workbench CLI with the given arguments and, on the way out, prints which heavy libraries it loaded.
CLI_DRIVER = f"""
import atexit, json, sys
atexit.register(lambda: print({MODULES_MARKER!r} + json.dumps(
    [name for name in {HEAVY_LIBRARIES!r} if name in sys.modules]), file=sys.stderr))
sys.argv = ["workbench", *sys.argv[1:]]
from workbench.cli import main
main()
"""


def _clean_environment() -> dict[str, str]:
    environment = dict(os.environ)
    for name in ("WORKBENCH_CATALOGUE", "WORKBENCH_PROMPTS", "WORKBENCH_RUNS_DIR", "MLFLOW_TRACKING_URI"):
        environment.pop(name, None)
    return environment


def _loaded_by_command(cwd: Path, *args: str) -> list[str]:
    """The heavy libraries a `workbench ARGS` process loaded; the command must succeed."""
    done = subprocess.run([sys.executable, "-c", CLI_DRIVER, *args], cwd=cwd, env=_clean_environment(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    marker_lines = [line for line in done.stderr.splitlines() if line.startswith(MODULES_MARKER)]
    assert marker_lines, done.stderr
    return json.loads(marker_lines[-1][len(MODULES_MARKER):])


def test_importing_the_doors_loads_no_heavy_library() -> None:
    modules = ["workbench.cli", "workbench.api", "workbench.track.store", "workbench.report.publish"]
    code = (f"import json, sys, {', '.join(modules)}; "
            f"print(json.dumps([name for name in {HEAVY_LIBRARIES!r} if name in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], env=_clean_environment(), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [], f"loaded by importing {modules}"


def test_commands_that_do_not_track_never_import_mlflow(isolated_cwd: Path) -> None:
    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    assert _loaded_by_command(isolated_cwd, "--help") == []
    assert _loaded_by_command(isolated_cwd, "evalsets", "list") == []
    assert _loaded_by_command(isolated_cwd, "models", "list") == []
    assert _loaded_by_command(isolated_cwd, "prompts", "list") == []  # no store here: nothing to read
    loaded_by_run = _loaded_by_command(isolated_cwd, "run", "-m", "echo", "-e", "smoke-en", "--limit", "1",
                                       "--no-mlflow", "--no-progress")
    assert "mlflow" not in loaded_by_run
    (run_dir,) = [path for path in (isolated_cwd / "runs").iterdir() if path.is_dir()]
    assert _loaded_by_command(isolated_cwd, "report", str(run_dir), "--no-mlflow") == []
    assert not (isolated_cwd / "mlruns").exists()


# Records, at the first import of mlflow, whether telemetry was already switched off.
FIRST_MLFLOW_IMPORT_WATCH = """
import importlib.abc, json, os, sys
seen = []
class FirstMlflowImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "mlflow" and not seen:
            seen.append(os.environ.get("MLFLOW_DISABLE_TELEMETRY"))
        return None
sys.meta_path.insert(0, FirstMlflowImport())
"""


@pytest.mark.parametrize("statement", [
    "from workbench.track.store import client_for; client_for('sqlite:///{database}')",
    "import workbench.track.leaderboard",
])
def test_mlflow_is_first_imported_with_telemetry_off(statement: str, tmp_path: Path) -> None:
    code = FIRST_MLFLOW_IMPORT_WATCH + statement.format(database=tmp_path / "mlflow.db") + "\nprint(json.dumps(seen))"
    environment = _clean_environment()
    environment.pop("MLFLOW_DISABLE_TELEMETRY", None)
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["true"]


def _imports_mlflow(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "mlflow" for alias in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "mlflow"


def _sets_privacy_environment(node: ast.stmt) -> bool:
    """A top-level statement that imports the tracking store or calls apply_privacy_environment()."""
    if isinstance(node, ast.ImportFrom) and node.module == "workbench.track.store":
        return True
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "apply_privacy_environment")


def test_every_module_that_imports_mlflow_sets_the_privacy_environment_first() -> None:
    """A module that imports mlflow, at its top or in a function, first imports workbench.track.store or calls
    apply_privacy_environment() at its top, before any top-level mlflow import."""
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(_imports_mlflow(node) for node in ast.walk(tree)):
            continue
        top_level = list(tree.body)
        first_mlflow = next((i for i, node in enumerate(top_level) if _imports_mlflow(node)), len(top_level))
        if not any(_sets_privacy_environment(node) for node in top_level[:first_mlflow]):
            offenders.append(str(path.relative_to(PACKAGE_DIR)))
    assert offenders == []
