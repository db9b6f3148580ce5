"""Prompts carry patient data: endpoints outside loopback and private networks need an explicit opt-in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import workbench_command
from workbench.models.openai_http import OpenAIHTTPBackend
from workbench.models.spec import ModelSpec
from workbench.privacy.egress import RemoteEndpointRefused, check_endpoint


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/v1", "http://localhost:8000/v1", "http://[::1]:8000/v1",
    "http://10.20.30.40:8000/v1", "http://172.16.5.4/v1", "https://192.168.1.20/v1",
])
def test_loopback_and_private_endpoints_are_accepted(url: str) -> None:
    assert check_endpoint(url, allow_remote=False)


@pytest.mark.parametrize("url", ["http://8.8.8.8:8000/v1", "https://1.1.1.1/v1", "http://[2001:4860:4860::8888]/v1"])
def test_public_endpoints_are_refused_without_opt_in(url: str) -> None:
    with pytest.raises(RemoteEndpointRefused, match="--allow-remote-endpoint"):
        check_endpoint(url, allow_remote=False)
    assert check_endpoint(url, allow_remote=True)


def test_backend_refuses_before_sending_anything() -> None:
    spec = ModelSpec(name="cloud", backend="openai", base_url="http://8.8.8.8:8000/v1", model="m")
    with pytest.raises(RemoteEndpointRefused, match="model 'cloud'"):
        OpenAIHTTPBackend(spec)


def test_cli_refuses_a_public_endpoint_and_names_the_opt_in(isolated_cwd: Path) -> None:
    (isolated_cwd / "models.yaml").write_text(
        "models:\n  cloud-model:\n    backend: openai\n    base_url: http://8.8.8.8:8000/v1\n    model: m\n",
        encoding="utf-8",
    )
    completed = subprocess.run(
        workbench_command() + ["run", "-m", "cloud-model", "-e", "smoke-en", "--limit", "1", "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 1
    assert "refusing to send prompts to http://8.8.8.8:8000/v1" in completed.stderr
    assert "--allow-remote-endpoint" in completed.stderr
    records = list((isolated_cwd / "runs").glob("*/cloud-model/records.jsonl"))
    assert records and records[0].read_text() == ""  # no case was sent
