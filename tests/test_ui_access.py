"""Who may open the browser UI: loopback only without a login; a login checked against scrypt hashes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, workbench_command
from tests.test_ui import start_ui, stop
from workbench.ui.access import (
    UIAccessError, add_user, check_bind, is_loopback_host, read_credentials, verify_password,
)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.10.20", "10.1.2.3"])
def test_serving_beyond_loopback_without_credentials_is_refused(host: str) -> None:
    with pytest.raises(UIAccessError, match="without a login"):
        check_bind(host, None)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_credentials(host: str) -> None:
    assert is_loopback_host(host)
    check_bind(host, None)


def test_cli_refuses_a_public_address_without_auth_file(tmp_path: Path) -> None:
    completed = subprocess.run([*workbench_command(), "ui", "--host", "0.0.0.0", "--port", str(free_port())],
                               cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    assert "refusing to serve the UI on '0.0.0.0' without a login" in completed.stderr
    assert "--auth-file" in completed.stderr


def test_credentials_store_hashes_and_name_the_bad_line(tmp_path: Path) -> None:
    auth = tmp_path / "users.txt"
    add_user(auth, "alice", "correct horse battery")
    add_user(auth, "bob", "another long secret")
    add_user(auth, "alice", "changed password!")  # replaces alice
    text = auth.read_text()
    assert "correct horse" not in text and "changed password" not in text
    assert auth.stat().st_mode & 0o077 == 0
    credentials = read_credentials(auth)
    assert sorted(credentials.users) == ["alice", "bob"]
    assert credentials.check("alice", "changed password!")
    assert not credentials.check("alice", "correct horse battery")
    assert not credentials.check("mallory", "changed password!")
    assert not verify_password("x", "not-a-hash")
    with pytest.raises(UIAccessError, match="at least 8"):
        add_user(auth, "carol", "short")
    auth.write_text(text + "carol:plaintext\n")
    with pytest.raises(UIAccessError, match=r"users.txt, line 3: expected 'user:scrypt\$...'"):
        read_credentials(auth)
    with pytest.raises(UIAccessError, match="no such file"):
        read_credentials(tmp_path / "missing.txt")


@pytest.mark.slow
def test_with_an_auth_file_every_page_needs_a_login(tmp_path: Path) -> None:
    auth = tmp_path / "users.txt"
    added = subprocess.run([*workbench_command(), "ui-user", "add", str(auth), "alice", "--password-stdin"],
                           input="a long enough password\n", capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    process, url, _ = start_ui(tmp_path, "--auth-file", str(auth))
    try:
        assert httpx.get(url + "gradio_api/login_check").status_code == 401
        assert httpx.get(url + "gradio_api/info").status_code == 401
        wrong = httpx.post(url + "login", data={"username": "alice", "password": "guess"})
        assert wrong.status_code == 400
        with httpx.Client() as client:
            assert client.post(url + "login", data={"username": "alice", "password": "a long enough password"}).status_code == 200
            assert client.get(url + "gradio_api/login_check").status_code == 200
    finally:
        stop(process)
