"""The workbench as a GPU server gets it: a wheel, installed into a fresh virtual environment outside
the checkout, run from an empty directory. Shipped sets, prompts and the catalogue must come with it.

The fresh environment holds only the workbench wheel; its dependencies are read from the test
environment through a path entry, so the test needs no network and no second copy of PyTorch-size
packages. The checkout is never on its path: the commands must find everything in the installed package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT


def _clean_environment(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("WORKBENCH_", "MLFLOW_", "PYTHON", "VIRTUAL_ENV"))}
    env["HOME"] = str(home)
    env["WORKBENCH_MODEL_CACHE"] = str(home / "models")
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    source = root / "source"  # a copy, so that building writes nothing into the checkout
    shutil.copytree(PROJECT_ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "runs", "mlruns", "build", "dist", "test-artifacts", "*.egg-info", "__pycache__", "audit"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "--wheel-dir", str(dist), str(source)], check=True, timeout=600, cwd=root)
    wheels = list(dist.glob("workbench-*.whl"))
    assert len(wheels) == 1, wheels
    environment = root / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    purelib = Path(subprocess.run([str(environment / "bin" / "python"), "-c",
                                   "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    # Dependencies from the test environment, after the fresh site-packages (a plain path: its .pth files,
    # among them the editable install of the checkout, are not processed).
    (purelib / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(environment / "bin" / "python"), "install",
                    "--no-deps", "--no-index", "--quiet", str(wheels[0])], check=True, timeout=600)
    home = root / "home"
    home.mkdir()
    return environment, _clean_environment(home)


def _run(installed: tuple[Path, dict[str, str]], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment, env = installed
    return subprocess.run([str(environment / "bin" / "workbench"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


def test_the_wheel_carries_the_shipped_sets_and_prompts(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    environment, env = installed
    where = subprocess.run([str(environment / "bin" / "python"), "-c", "import workbench; print(workbench.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(environment), f"imported the checkout, not the wheel: {where}"
    listed = _run(installed, tmp_path, "evalsets", "list")
    assert listed.returncode == 0, listed.stderr
    for name in ("smoke-en", "smoke-zh", "clinical-summary-en", "inpatient-summary-zh", "long-records-en"):
        assert name in listed.stdout, listed.stdout
    assert str(PROJECT_ROOT) not in listed.stdout  # found in the installed package, not the checkout
    prompts = _run(installed, tmp_path, "prompts", "list")
    assert prompts.returncode == 0 and "clinical-summary-en" in prompts.stdout, prompts.stderr
    assert list(tmp_path.iterdir()) == []  # listing writes nothing into the working directory


@pytest.mark.slow
def test_the_installed_workbench_runs_the_embedded_model(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    run = _run(installed, tmp_path, "run", "-m", "smollm2-135m", "-e", "smoke-en", "--limit", "1",
               "--max-tokens", "16", "--no-progress")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "smollm2-135m" in run.stdout and "mlflow: run" in run.stdout
    assert (tmp_path / "runs").is_dir() and (tmp_path / "mlruns" / "mlflow.db").is_file()


def test_an_unknown_set_is_one_clear_line(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    run = _run(installed, tmp_path, "run", "-m", "smollm2-135m", "-e", "no-such-set", "--limit", "1")
    assert run.returncode == 2
    assert "evaluation set 'no-such-set' not found" in run.stderr and "smoke-en" in run.stderr
    assert "Traceback" not in run.stderr
