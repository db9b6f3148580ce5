"""`workbench run` catches the user's mistakes before anything runs: mistyped names get the closest
known ones, a limit above the set's size is said, a prompt in another language than the set is
refused, and `--help` shows every option name whole without a terminal."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import workbench_command
from workbench import cli
from workbench.data.evalsets import EvalSetError, load_evalset
from workbench.data.prompts import PromptError, PromptTemplate, get_prompt, language_mismatch
from workbench.models.catalogue import CatalogueError, get_model_spec
from workbench.suggest import close_names, did_you_mean

ECHO_CATALOGUE = "models:\n  echo:\n    backend: scripted\n    model: echo-source\n"


def _run(cwd: Path, *args: str) -> tuple[int, str, str]:
    """`workbench run` with a scripted model, no MLflow and no progress bar; (exit code, stdout, stderr)."""
    catalogue = cwd / "models.yaml"
    catalogue.write_text(ECHO_CATALOGUE, encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["run", *args, "--catalogue", str(catalogue), "--runs-dir", str(cwd / "runs"),
                                          "--no-mlflow", "--no-progress"])
    return result.exit_code, result.stdout, result.stderr


def _records(cwd: Path) -> list[Path]:
    return sorted((cwd / "runs").rglob("records.jsonl"))


# --- did you mean ---------------------------------------------------------------------------------


def test_the_closest_known_names_are_offered_best_first_and_at_most_three() -> None:
    models = ["smollm2-135m", "gemma3-270m", "qwen3-14b", "qwen3-4b", "qwen3-1.7b", "medgemma-4b-it"]
    assert did_you_mean("qwen3-14", models) == "; did you mean 'qwen3-14b' or 'qwen3-4b'?"
    assert did_you_mean("smoke-eng", ["smoke-en", "smoke-zh", "clinical-summary-en"]) == "; did you mean 'smoke-en'?"
    assert close_names("qwen3", models) == ["qwen3-4b", "qwen3-14b", "qwen3-1.7b"]
    assert len(close_names("qwen3", models + ["qwen3-8b", "qwen3-32b"])) == 3
    assert close_names("Qwen3-14B", models) == ["qwen3-14b"]  # case differs only: the one meant
    assert did_you_mean("gpt-9", models) == "" and did_you_mean("anything", []) == ""


def test_the_python_api_names_the_closest_model_set_and_prompt(isolated_cwd: Path) -> None:
    with pytest.raises(CatalogueError, match=r"^unknown model 'qwen3-14'; known models: .*qwen3-14b.*; "
                                             r"did you mean 'qwen3-14b' or 'qwen3-4b'\?$"):
        get_model_spec("qwen3-14")
    with pytest.raises(EvalSetError, match=r"^evaluation set 'smoke-eng' not found \(no cases\.jsonl\); known sets: "
                                           r".*smoke-zh; did you mean 'smoke-en'\?$"):
        load_evalset("smoke-eng")
    with pytest.raises(PromptError, match=r"^unknown prompt 'clinical-sumary-en'; known prompts: clinical-coding-en, "
                                          r"clinical-summary-en, inpatient-coding-zh, inpatient-summary-zh; "
                                          r"did you mean 'clinical-summary-en@1'\?$"):
        get_prompt("clinical-sumary-en@1")
    with pytest.raises(PromptError, match=r"did you mean 'clinical-summary-en'\?$"):
        get_prompt("clinical-sumary-en")
    with pytest.raises(CatalogueError, match=r"^unknown model 'gpt-9'; known models: [^;]*$"):  # nothing close
        get_model_spec("gpt-9")


def test_run_with_a_mistyped_name_suggests_and_runs_nothing(isolated_cwd: Path) -> None:
    for args, expected in (
        (["-m", "ech", "-e", "smoke-en"], "unknown model 'ech'; known models: echo, "),
        (["-m", "echo", "-e", "smoke-eng"], "did you mean 'smoke-en'?"),
        (["-m", "echo", "-e", "smoke-en", "-p", "clinical-sumary-en@1"], "did you mean 'clinical-summary-en@1'?"),
    ):
        code, _, stderr = _run(isolated_cwd, *args)
        assert code == 2, stderr
        assert expected in stderr and stderr.startswith("error: ") and stderr.count("\n") == 1
    assert "did you mean 'echo'?" in _run(isolated_cwd, "-m", "ech", "-e", "smoke-en")[2]
    assert not _records(isolated_cwd)


# --- --limit --------------------------------------------------------------------------------------


def test_a_limit_above_the_set_size_is_noted_and_every_case_runs(isolated_cwd: Path) -> None:
    code, stdout, stderr = _run(isolated_cwd, "-m", "echo", "-e", "smoke-en", "--limit", "99")
    assert code == 0, stderr
    assert "note: --limit 99 is more than the 4 cases of smoke-en: all 4 are run\n" in stderr
    assert "evalset smoke-en v1 (4 cases" in stdout
    records = _records(isolated_cwd)
    assert len(records) == 1 and len(records[0].read_text(encoding="utf-8").splitlines()) == 4


def test_a_limit_within_the_set_says_nothing(isolated_cwd: Path) -> None:
    code, _, stderr = _run(isolated_cwd, "-m", "echo", "-e", "smoke-en", "--limit", "4")
    assert code == 0, stderr
    assert "--limit" not in stderr


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_limit_below_one_is_refused_naming_the_option(isolated_cwd: Path, value: str) -> None:
    code, _, stderr = _run(isolated_cwd, "-m", "echo", "-e", "smoke-en", "--limit", value)
    assert code == 2
    assert "Invalid value for '--limit'" in stderr
    assert not _records(isolated_cwd)


# --- prompt and set languages ---------------------------------------------------------------------


def test_language_mismatch_names_both_or_says_nothing() -> None:
    english = get_prompt("clinical-summary-en@1")
    assert language_mismatch(english, "smoke-zh", "zh") == (
        "prompt clinical-summary-en@1 is in English (en) but evaluation set smoke-zh is in Chinese (zh): the outputs "
        "would be scored against section headings and references in another language")
    assert language_mismatch(english, "smoke-en", "en") is None
    assert language_mismatch(english, "notes-gb", "en-GB") is None  # a region is the same language
    assert language_mismatch(english, "unlabelled", None) is None
    undeclared = PromptTemplate(name="plain", version=1, task="summary", messages=[{"role": "user", "content": "x"}])
    assert language_mismatch(undeclared, "smoke-zh", "zh") is None  # no language declared: nothing inferred


def test_run_refuses_a_prompt_in_another_language_than_the_set(isolated_cwd: Path) -> None:
    code, _, stderr = _run(isolated_cwd, "-m", "echo", "-e", "smoke-zh", "-p", "clinical-summary-en@1")
    assert code == 2
    assert stderr == ("error: prompt clinical-summary-en@1 is in English (en) but evaluation set smoke-zh is in "
                      "Chinese (zh): the outputs would be scored against section headings and references in another "
                      "language; --allow-language-mismatch runs it anyway\n")
    assert not _records(isolated_cwd)


def test_allow_language_mismatch_runs_it_and_says_so(isolated_cwd: Path) -> None:
    code, stdout, stderr = _run(isolated_cwd, "-m", "echo", "-e", "smoke-en", "-p", "inpatient-summary-zh@1",
                                "--limit", "1", "--allow-language-mismatch")
    assert code == 0, stderr
    assert "note: prompt inpatient-summary-zh@1 is in Chinese (zh) but evaluation set smoke-en is in English" in stderr
    assert "prompt inpatient-summary-zh@1" in stdout and len(_records(isolated_cwd)) == 1


def test_a_prompt_without_a_language_runs_on_any_set(isolated_cwd: Path) -> None:
    prompts = isolated_cwd / "my-prompts"
    prompts.mkdir()
    (prompts / "plain-summary@1.yaml").write_text(
        "name: plain-summary\nversion: 1\ntask: summary\nmessages:\n  - role: user\n    content: '{{source}}'\n",
        encoding="utf-8")
    code, _, stderr = _run(isolated_cwd, "-m", "echo", "-e", "smoke-zh", "-p", "plain-summary@1", "--limit", "1",
                           "--prompts-dir", str(prompts))
    assert code == 0, stderr
    assert "language" not in stderr


# --- help without a terminal ----------------------------------------------------------------------


def test_run_help_shows_every_option_name_whole_without_a_terminal(isolated_cwd: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES", "TERMINAL_WIDTH")}
    completed = subprocess.run(workbench_command() + ["run", "--help"], capture_output=True, text=True, env=env,
                               stdin=subprocess.DEVNULL, timeout=120)
    assert completed.returncode == 0, completed.stderr
    words = set(completed.stdout.replace(",", " ").replace("/", " ").split())
    command = typer.main.get_command(cli.app).commands["run"]  # type: ignore[attr-defined]
    names = [name for param in command.params for name in (*param.opts, *param.secondary_opts)]
    assert {"--allow-remote-endpoint", "--rouge-scheme", "--allow-language-mismatch"} <= set(names)
    assert [name for name in names if name not in words] == []
    assert "…" not in completed.stdout
    assert max(len(line) for line in completed.stdout.splitlines()) <= 80


def test_the_browser_workbench_refuses_a_prompt_in_another_language(tmp_path: Path) -> None:
    from workbench.privacy.audit import AuditLog
    from workbench.ui.app import UIConfig, run_evaluation

    config = UIConfig(runs_dir=tmp_path / "runs", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
                      audit=AuditLog(tmp_path / "audit.jsonl"))
    messages = list(run_evaluation(config, ["smollm2-135m"], "smoke-zh", "clinical-summary-en@1", None, None, False,
                                   None))  # type: ignore[arg-type]
    assert len(messages) == 1 and messages[0][1] == []
    assert "clinical-summary-en@1" in messages[0][0] and "smoke-zh" in messages[0][0]
    assert "choose a prompt in the set's language" in messages[0][0]
    assert not (tmp_path / "runs").exists()  # nothing was run
    assert not [entry for entry in AuditLog(tmp_path / "audit.jsonl").entries() if entry.action == "run.start"]
