"""Every user-supplied name that becomes a path is a safe name, resolved inside its root.

Set names typed in the playground, catalogue model names, run directories posted to the
Cases tab and prompt names registered from the Prompts tab: each is refused with an error
naming what is wrong, and nothing is written outside its root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.conftest import workbench_command
from workbench.data.prompts import PromptError, PromptTemplate, parse_prompt_file
from workbench.errors import WorkbenchError
from workbench.models.catalogue import CatalogueError, load_catalogue
from workbench.privacy.audit import AuditLog
from workbench.run.files import RunDirectoryError, model_directory
from workbench.run.playground import save_as_case
from workbench.safe_names import UnsafeNameError, is_safe_name, safe_child
from workbench.ui.app import UIConfig, choose_run, register_edited_prompt, save_playground_case, show_case

NOTE = "Fever 38.9 °C for two days, CRP 120 mg/L."
SCHEMA_1_RUN = Path(__file__).resolve().parent / "data" / "run-schema-1"
UNSAFE_NAMES = ["", ".", "..", "../outside", "a/b", "a\\b", "/etc", ".hidden", "-flag", "has space", "x@1",
                "name\n", "é", "x" * 129]


def _files_under(directory: Path) -> set[Path]:
    return {path for path in directory.rglob("*")} if directory.exists() else set()


def _shown(markdown: str) -> str:
    """A UI status as read, without the backslashes that keep markdown from rendering user text."""
    return markdown.replace("\\", "")


def _config(root: Path) -> UIConfig:
    return UIConfig(runs_dir=root / "runs", tracking_uri=f"sqlite:///{root / 'mlruns' / 'mlflow.db'}",
                    audit=AuditLog(root / "audit.jsonl"), saved_cases_dir=root / "evalsets")


# --- the rule ---------------------------------------------------------------------------------------


def test_safe_names_and_safe_children(tmp_path: Path) -> None:
    for name in ["a", "ward-notes", "qwen3-1.7b", "Set_2.v1", "9x", "x" * 128]:
        assert is_safe_name(name), name
        assert safe_child(tmp_path, name, "set name") == tmp_path / name
    for name in UNSAFE_NAMES:
        assert not is_safe_name(name), name
        with pytest.raises(UnsafeNameError, match="set name") as raised:
            safe_child(tmp_path, name, "set name")
        assert repr(name) in str(raised.value)
        assert isinstance(raised.value, WorkbenchError) and isinstance(raised.value, ValueError)


def test_a_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "inner").symlink_to(root / "real", target_is_directory=True)  # a link that stays inside is fine
    with pytest.raises(UnsafeNameError, match=r"run directory 'link' leads outside"):
        safe_child(root, "link", "run directory")
    assert safe_child(root, "inner", "run directory") == root / "inner"


# --- playground: saving a case to a set ---------------------------------------------------------------


@pytest.mark.parametrize("set_name", ["../outside/escaped-set", "ABSOLUTE"])
def test_saving_a_case_to_a_set_outside_the_saved_cases_root_is_refused(tmp_path: Path, set_name: str) -> None:
    sets_root = tmp_path / "evalsets"
    if set_name == "ABSOLUTE":
        set_name = str(tmp_path / "absolute" / "escaped-set")
    with pytest.raises(UnsafeNameError, match="evaluation set name"):
        save_as_case(NOTE, sets_root=sets_root, set_name=set_name, case_id="note-1")
    assert _files_under(tmp_path) == set()

    config = _config(tmp_path)
    status = _shown(save_playground_case(config, NOTE, "", set_name, "note-1", None))
    assert status.startswith("**Not saved:**") and "evaluation set name" in status and set_name in status, status
    assert not list(tmp_path.rglob("cases.jsonl")) and not list(tmp_path.rglob("manifest.yaml"))
    assert not (tmp_path / "outside").exists() and not (tmp_path / "absolute").exists()


def test_saving_through_a_set_symlinked_out_of_the_root_is_refused(tmp_path: Path) -> None:
    sets_root, outside = tmp_path / "evalsets", tmp_path / "outside"
    sets_root.mkdir()
    outside.mkdir()
    (sets_root / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeNameError, match="'linked' leads outside"):
        save_as_case(NOTE, sets_root=sets_root, set_name="linked", case_id="note-1")
    assert list(outside.iterdir()) == []


def test_the_ui_saves_a_safe_set_name_inside_the_root(tmp_path: Path) -> None:
    config = _config(tmp_path)
    status = _shown(save_playground_case(config, NOTE, "A reference summary.", "  ward-notes ", "note-1", None))
    assert status.startswith("Saved case") and "ward-notes" in status, status
    assert (tmp_path / "evalsets" / "ward-notes" / "cases.jsonl").is_file()
    assert (tmp_path / "evalsets" / "ward-notes" / "manifest.yaml").is_file()


# --- catalogue model names --------------------------------------------------------------------------


def test_the_catalogue_refuses_a_model_name_that_is_not_a_safe_name(tmp_path: Path) -> None:
    for text in ("models:\n  ../../escaped-model:\n    backend: scripted\n    model: echo-source\n",
                 "models:\n  fine:\n    name: ../../escaped-model\n    backend: scripted\n    model: echo-source\n"):
        catalogue = tmp_path / "models.yaml"
        catalogue.write_text(text, encoding="utf-8")
        with pytest.raises(CatalogueError, match=r"models.yaml: models\.(\.\./\.\./escaped-model|fine): model name "
                                                 r"'\.\./\.\./escaped-model' cannot name a directory"):
            load_catalogue([catalogue])


def test_a_run_never_writes_a_model_outside_its_run_directory(isolated_cwd: Path) -> None:
    catalogue = isolated_cwd / "models.yaml"
    catalogue.write_text("models:\n  ../../escaped-model:\n    backend: scripted\n    model: echo-source\n",
                         encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKBENCH_")}
    completed = subprocess.run(
        workbench_command() + ["run", "-m", "../../escaped-model", "-e", "smoke-en", "--limit", "1",
                               "--catalogue", str(catalogue), "--runs-dir", str(isolated_cwd / "runs"),
                               "--no-mlflow", "--no-progress"],
        capture_output=True, text=True, env=env, cwd=isolated_cwd, timeout=300)
    assert completed.returncode == 2, completed.stderr
    assert f"{catalogue}: models.../../escaped-model: model name '../../escaped-model'" in completed.stderr
    assert not [path for path in isolated_cwd.parent.rglob("escaped-model*")]
    assert not list(isolated_cwd.rglob("records.jsonl"))

    run_dir = isolated_cwd / "runs" / "run-1"
    with pytest.raises(RunDirectoryError, match="model name '../../escaped-model'"):
        model_directory(run_dir, "../../escaped-model")
    run_dir.mkdir(parents=True)
    (run_dir / "linked").symlink_to(isolated_cwd, target_is_directory=True)
    with pytest.raises(RunDirectoryError, match="model name 'linked' leads outside"):
        model_directory(run_dir, "linked")
    assert model_directory(run_dir, "qwen3-1.7b") == run_dir / "qwen3-1.7b"


# --- the Cases tab: run directories -------------------------------------------------------------------


def test_the_cases_tab_shows_only_run_directories_inside_the_runs_directory(tmp_path: Path) -> None:
    config = _config(tmp_path)
    inside = config.runs_dir / SCHEMA_1_RUN.name
    outside = tmp_path / "elsewhere" / SCHEMA_1_RUN.name
    shutil.copytree(SCHEMA_1_RUN, inside)
    shutil.copytree(SCHEMA_1_RUN, outside)
    (config.runs_dir / "linked").symlink_to(outside, target_is_directory=True)

    chosen = choose_run(config, str(inside))
    case_id = chosen["value"]
    assert case_id and len(chosen["choices"]) == 2
    assert show_case(config, str(inside), case_id, None)[3].startswith("Run ")

    for posted in (str(outside), str(config.runs_dir / ".." / "elsewhere" / SCHEMA_1_RUN.name),
                   str(config.runs_dir / "linked"), "..", "/"):
        assert choose_run(config, posted)["choices"] == [], posted
        summary = _shown(show_case(config, posted, case_id, None)[3])
        assert summary.startswith("**Cannot show this run:** run directory"), (posted, summary)


# --- prompt names -----------------------------------------------------------------------------------


def _prompt(name: str) -> dict[str, object]:
    return {"name": name, "version": 1, "task": "clinical-summary",
            "messages": [{"role": "user", "content": "Summarise: {{source}}"}]}


def test_the_prompt_model_refuses_unsafe_names(tmp_path: Path) -> None:
    assert PromptTemplate.model_validate(_prompt("clinical-summary-en")).ref == "clinical-summary-en@1"
    for name in ["../escaped", "a/b", "..", "x@2", "has space", "x" * 129]:
        with pytest.raises(ValidationError, match=rf"prompt name {name!r} cannot name a file"):
            PromptTemplate.model_validate(_prompt(name))
    path = tmp_path / "x@1.yaml"
    path.write_text(f"name: {'x' * 129}\nversion: 1\ntask: t\nmessages:\n  - role: user\n    content: hi\n",
                    encoding="utf-8")
    with pytest.raises(PromptError, match=r"x@1.yaml: name: .*prompt name 'x{129}' cannot name a file"):
        parse_prompt_file(path)


def test_the_prompts_tab_refuses_an_unsafe_name_before_touching_the_registry(isolated_cwd: Path) -> None:
    config = _config(isolated_cwd)
    text = "task: clinical-summary\nmessages:\n  - role: user\n    content: 'Summarise: {{source}}'\n"
    for name in ["../escaped", "x' OR name LIKE '%"]:
        status = _shown(register_edited_prompt(config, name, text, "try it", None))
        assert status.startswith("**Not registered:** prompt name"), status
        assert repr(name) in status
    assert not (isolated_cwd / "mlruns").exists()
    assert "prompts.register" in (isolated_cwd / "audit.jsonl").read_text(encoding="utf-8")
