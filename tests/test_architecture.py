"""The layout holds: the core never imports a door, notebooks use the public API only, and each
metric name is written only where it is declared and where it is computed."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from tests.conftest import PROJECT_ROOT
from workbench.scoring.registry import all_metrics

PACKAGE = PROJECT_ROOT / "workbench"
DOORS = ("workbench.ui", "workbench.cli", "workbench.__main__", "apps")
# Where a metric's name may be written: its declaration, and the code that computes its value.
COMPUTING_MODULES = {
    "scoring/registry.py", "scoring/scorer.py", "scoring/phi.py", "scoring/rouge.py", "scoring/structure.py", "scoring/values.py",
    "scoring/latency.py", "run/system_metrics.py",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(tree: ast.AST) -> set[str]:
    """Every module an ``import`` or ``from ... import`` names, at any depth (function-level imports too)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _is_door(module: str) -> bool:
    return any(module == door or module.startswith(door + ".") for door in DOORS)


def test_the_core_never_imports_a_door() -> None:
    offenders = []
    core = [path for path in PACKAGE.rglob("*.py") if not _is_door(_module_name(path))]
    assert len(core) > 40, "the walk must see the core modules"
    for path in core:
        for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            if _is_door(module):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)} imports {module}")
    assert not offenders, "\n".join(offenders)


def test_the_walk_would_see_a_door_import(tmp_path: Path) -> None:
    tree = ast.parse("def f():\n    from workbench.ui.app import build_app\n")
    assert any(_is_door(module) for module in _imported_modules(tree))


def test_notebooks_import_only_the_public_api() -> None:
    notebooks = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
        workbench_imports = {m for m in _imported_modules(ast.parse(source)) if m.split(".")[0] == "workbench"}
        assert workbench_imports <= {"workbench", "workbench.api"}, f"{path.name}: {sorted(workbench_imports)}"


def _string_constants(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
        elif isinstance(node, ast.JoinedStr):  # f"..." parts
            found.update(part.value for part in node.values if isinstance(part, ast.Constant) and isinstance(part.value, str))
    return found


def test_metric_names_are_written_only_where_declared_or_computed() -> None:
    names = {metric.name for metric in all_metrics() if metric.aggregation != "run"} | {
        metric.name for metric in all_metrics() if metric.headline}
    assert "phi_leak_rate" in names
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in COMPUTING_MODULES or relative.startswith("scoring/hf_metrics/"):
            continue  # the evaluate modules wrap the scorers and return their values under the same names
        written = names & _string_constants(ast.parse(path.read_text(encoding="utf-8")))
        if written:
            offenders.append(f"workbench/{relative}: {', '.join(sorted(written))}")
    assert not offenders, "metric names written outside the registry and the scorers:\n" + "\n".join(offenders)
