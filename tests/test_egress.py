"""The egress policy: one lookup, an explicit allow-list of local ranges, the tracking URI, proxies.

No test here asks real DNS: checks get a fake resolver, and ``socket.getaddrinfo`` only
answers numeric addresses, so a name looked up a second time (at connect time) fails loudly.
Servers are real, on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from workbench.errors import WorkbenchError
from workbench.privacy import egress
from workbench.privacy.egress import RemoteEndpointRefused

PUBLIC = "203.0.113.7"  # TEST-NET-3: stands for any public address
SCRIPTED_CATALOGUE = "models:\n  echo:\n    backend: scripted\n    model: echo-source\n"
REMOTE_TRACKING = "http://mlflow.example:5000"

_real_getaddrinfo = socket.getaddrinfo


def _numeric_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else str(host)
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        raise socket.gaierror(socket.EAI_NONAME, f"test: no DNS lookup of {name!r} allowed") from None
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_real_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _numeric_getaddrinfo)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # a failing MLflow request fails at once
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


class FakeDNS:
    """A resolver with scripted answers: each host's answers in turn, the last one repeated."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answers = self.answers[host]
        return answers[min(self.calls.count(host), len(answers)) - 1]


def _one(host: str, address: str) -> FakeDNS:
    return FakeDNS({host: [[address]]})


# 2. Local is an explicit allow-list -----------------------------------------------------------

@pytest.mark.parametrize("address", [
    "2001:0::1", "2001:0:4136:e378::1",  # Teredo
    "2001:2::1",  # benchmarking (IPv6)
    "2001:10::1",  # ORCHID
    "198.18.0.1", "198.19.255.254",  # benchmarking (IPv4)
    "240.0.0.1", "255.255.255.254",  # reserved
    "::ffff:198.18.0.1", "::ffff:8.8.8.8",  # IPv4-mapped: checked as IPv4
    "172.32.0.1", "11.0.0.1", "100.64.0.1", "fec0::1",
])
def test_ranges_outside_the_allow_list_are_remote(address: str) -> None:
    resolver = _one("model.lan", address)
    with pytest.raises(RemoteEndpointRefused, match="--allow-remote-endpoint"):
        egress.check_endpoint("http://model.lan:8000/v1", allow_remote=False, resolve=resolver)
    assert egress.check_endpoint("http://model.lan:8000/v1", allow_remote=True, resolve=resolver) == [address]


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.255.0.9", "::1",
    "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.20",
    "fc00::1", "fd12:3456::1",
    "::ffff:192.168.1.20", "::ffff:127.0.0.1",
])
def test_loopback_rfc1918_and_ula_are_local(address: str) -> None:
    assert egress.check_endpoint("http://model.lan:8000/v1", allow_remote=False,
                                 resolve=_one("model.lan", address)) == [address]


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "fe80::1%eth0", "::ffff:169.254.1.1"])
def test_link_local_only_when_allowed(address: str) -> None:
    resolver = _one("model.lan", address)
    with pytest.raises(RemoteEndpointRefused):
        egress.check_endpoint("http://model.lan/v1", allow_remote=False, resolve=resolver)
    assert egress.check_endpoint("http://model.lan/v1", allow_remote=False, allow_link_local=True,
                                 resolve=resolver) == [address]


def test_unresolvable_and_malformed_endpoints_are_user_errors() -> None:
    def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(egress.EndpointError, match="cannot resolve host 'nowhere.lan'") as caught:
        egress.check_endpoint("http://nowhere.lan/v1", allow_remote=False, resolve=failing)
    assert isinstance(caught.value, WorkbenchError) and isinstance(caught.value, ValueError)
    with pytest.raises(egress.EndpointError, match="not an http"):
        egress.check_endpoint("ftp://model.lan/v1", allow_remote=False, resolve=failing)


# 1. One lookup, every address checked, the connection goes to a checked address ----------------

def test_the_host_is_resolved_once_and_every_address_is_checked() -> None:
    rebinding = FakeDNS({"model.lan": [["127.0.0.1"], [PUBLIC]]})
    assert egress.check_endpoint("http://model.lan:8000/v1", allow_remote=False, resolve=rebinding) == ["127.0.0.1"]
    assert rebinding.calls == ["model.lan"]
    mixed = FakeDNS({"model.lan": [["10.0.0.5", PUBLIC]]})
    with pytest.raises(RemoteEndpointRefused, match=PUBLIC):
        egress.check_endpoint("http://model.lan:8000/v1", allow_remote=False, resolve=mixed)


class _Recorded:
    def __init__(self) -> None:
        self.hosts: list[str] = []
        self.paths: list[str] = []


def _openai_handler(recorded: _Recorded) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            recorded.hosts.append(self.headers.get("Host", ""))
            recorded.paths.append(self.path)
            self._send(json.dumps({"data": [{"id": "m"}]}).encode(), "application/json")

        def do_POST(self) -> None:
            recorded.hosts.append(self.headers.get("Host", ""))
            recorded.paths.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            chunks = [
                {"choices": [{"delta": {"content": "pinned"}, "finish_reason": None}]},
                {"choices": [{"delta": {}, "finish_reason": "stop"}]},
                {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1}},
            ]
            body = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n"
            self._send(body.encode(), "text/event-stream")

    return Handler


class _LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:  # no reverse lookup of the address (HTTPServer calls getfqdn)
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


@contextmanager
def _serve(handler: type[BaseHTTPRequestHandler],
           wrap: Callable[[socket.socket], socket.socket] | None = None) -> Iterator[int]:
    server = _LoopbackServer(("127.0.0.1", 0), handler)
    if wrap is not None:
        server.socket = wrap(server.socket)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def openai_server() -> Iterator[tuple[int, _Recorded]]:
    recorded = _Recorded()
    with _serve(_openai_handler(recorded)) as port:
        yield port, recorded


def test_backend_connects_to_the_checked_address_not_a_second_lookup(
        openai_server: tuple[int, _Recorded], monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.data.prompts import ChatMessage
    from workbench.models.base import GenerationRequest
    from workbench.models.openai_http import OpenAIHTTPBackend
    from workbench.models.spec import ModelSpec

    port, recorded = openai_server
    # The check sees loopback; any later lookup would see a public address (and the
    # system resolver refuses the name outright); a proxy from the environment is ignored.
    rebinding = FakeDNS({"llm.internal": [["127.0.0.1"], [PUBLIC]]})
    monkeypatch.setattr(egress, "resolve_host", rebinding)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    spec = ModelSpec(name="pinned", backend="openai", base_url=f"http://llm.internal:{port}/v1", model="m")
    backend = OpenAIHTTPBackend(spec)
    try:
        result = backend.generate(GenerationRequest("r1", (ChatMessage("user", "hello"),), "hello"))
        info = backend.info()
    finally:
        backend.close()
    assert result.ok, result.error
    assert result.output == "pinned"
    assert info.details["served_models"] == ["m"]
    assert info.details["addresses"] == ["127.0.0.1"]
    assert rebinding.calls == ["llm.internal"]
    assert recorded.paths == ["/v1/models", "/v1/chat/completions"]
    assert recorded.hosts == [f"llm.internal:{port}"] * 2  # the Host header keeps the name


def test_transport_tries_the_next_checked_address_and_refuses_other_hosts(
        openai_server: tuple[int, _Recorded]) -> None:
    port, recorded = openai_server
    transport = egress.CheckedAddressTransport("llm.internal", ["127.0.0.2", "127.0.0.1"])  # nothing on .2
    with httpx.Client(transport=transport, trust_env=False) as client:
        assert client.get(f"http://llm.internal:{port}/v1/models").json()["data"][0]["id"] == "m"
        assert client.get(f"http://llm.internal:{port}/v1/models").status_code == 200
        with pytest.raises(httpx.ConnectError, match="only to 'llm.internal'"):
            client.get(f"http://elsewhere.internal:{port}/v1/models")
    assert recorded.hosts == [f"llm.internal:{port}"] * 2


def _self_signed(host: str, directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_https_keeps_the_server_name_and_certificate_check_of_the_host(tmp_path: Path) -> None:
    cert_path, key_path = _self_signed("llm.internal", tmp_path)
    server_names: list[str | None] = []
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    server_context.sni_callback = lambda sock, name, context: server_names.append(name)
    recorded = _Recorded()
    client_context = ssl.create_default_context(cafile=str(cert_path))
    with _serve(_openai_handler(recorded), lambda sock: server_context.wrap_socket(sock, server_side=True)) as port:
        transport = egress.CheckedAddressTransport("llm.internal", ["127.0.0.1"], verify=client_context)
        with httpx.Client(transport=transport, trust_env=False) as client:
            assert client.get(f"https://llm.internal:{port}/v1/models").status_code == 200
    assert server_names == ["llm.internal"]  # SNI names the host, and its certificate was accepted
    assert recorded.hosts == [f"llm.internal:{port}"]


# 3. The tracking URI follows the same policy --------------------------------------------------

def _never(host: str, port: int) -> list[str]:
    raise AssertionError(f"no lookup expected, got {host}")


@pytest.mark.parametrize("uri", [
    "sqlite:///mlruns/mlflow.db", "sqlite:////tmp/x/mlflow.db", "file:///tmp/mlruns", "/tmp/mlruns", "mlruns",
])
def test_file_and_sqlite_tracking_uris_pass(uri: str) -> None:
    egress.check_tracking_uri(uri, allow_remote=False, resolve=_never)


def test_http_and_database_tracking_uris_are_resolved_and_checked() -> None:
    egress.check_tracking_uri("http://mlflow.lan:5000", allow_remote=False, resolve=_one("mlflow.lan", "10.0.0.8"))
    egress.check_tracking_uri("https://[::1]:5000", allow_remote=False, resolve=_one("::1", "::1"))
    with pytest.raises(RemoteEndpointRefused, match="tracking URI http://mlflow.example:5000.*--allow-remote-endpoint"):
        egress.check_tracking_uri(REMOTE_TRACKING, allow_remote=False, resolve=_one("mlflow.example", PUBLIC))
    with pytest.raises(RemoteEndpointRefused) as caught:
        egress.check_tracking_uri("postgresql+psycopg2://mlflow:s3cret@db.example/mlflow", allow_remote=False,
                                  resolve=_one("db.example", PUBLIC))
    assert "s3cret" not in str(caught.value)
    with pytest.raises(RemoteEndpointRefused, match="'databricks'"):
        egress.check_tracking_uri("databricks", allow_remote=False, resolve=_never)
    for uri in (REMOTE_TRACKING, "databricks"):
        egress.check_tracking_uri(uri, allow_remote=True, resolve=_never)


@pytest.fixture()
def remote_tracking_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    from workbench.track import store

    resolver = _one("mlflow.example", PUBLIC)
    monkeypatch.setattr(egress, "resolve_host", resolver)
    monkeypatch.setattr(store, "_approved_remote_uris", set())
    return resolver


def test_tracking_clients_need_the_opt_in(remote_tracking_dns: FakeDNS) -> None:
    from workbench.track import store

    with pytest.raises(RemoteEndpointRefused, match="--allow-remote-endpoint"):
        store.client_for(REMOTE_TRACKING)
    with pytest.raises(RemoteEndpointRefused):
        store.ensure_experiment("workbench", tracking_uri=REMOTE_TRACKING)
    # With the opt-in the check passes; the client's first request is refused by the test's resolver.
    with pytest.raises(store.TrackingError, match="mlflow.example:5000 did not answer"):
        store.client_for(REMOTE_TRACKING, allow_remote_endpoint=True)
    assert store.checked_tracking_uri(REMOTE_TRACKING) == REMOTE_TRACKING  # the opt-in holds for this URI


@pytest.fixture(scope="module")
def scripted_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A finished run directory of a scripted model (no real model, no MLflow), and its catalogue."""
    from workbench import api

    root = tmp_path_factory.mktemp("egress-run")
    catalogue = root / "models.yaml"
    catalogue.write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    result = api.evaluate(["echo"], "smoke-en", limit=2, log_to_mlflow=False, runs_dir=root / "runs",
                          catalogue=[catalogue], show_progress=False, use_cache=False)
    assert not result.errors
    return result.run_dir, catalogue


def test_log_comparison_refuses_a_remote_tracking_uri(scripted_run: tuple[Path, Path],
                                                      remote_tracking_dns: FakeDNS) -> None:
    from workbench.track.mlflow_runs import log_comparison

    with pytest.raises(RemoteEndpointRefused, match="mlflow.example"):
        log_comparison(scripted_run[0], tracking_uri=REMOTE_TRACKING)


def test_evaluate_refuses_a_remote_tracking_uri_before_running(
        scripted_run: tuple[Path, Path], remote_tracking_dns: FakeDNS, tmp_path: Path) -> None:
    from workbench import api

    with pytest.raises(RemoteEndpointRefused):
        api.evaluate(["echo"], "smoke-en", limit=1, tracking_uri=REMOTE_TRACKING, runs_dir=tmp_path / "runs",
                     catalogue=[scripted_run[1]], show_progress=False)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_cli_track_report_and_run_refuse_without_the_opt_in(
        scripted_run: tuple[Path, Path], remote_tracking_dns: FakeDNS, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from workbench import cli

    run_dir, catalogue = scripted_run
    runner = CliRunner()
    tracked = runner.invoke(cli.app, ["track", str(run_dir), "--tracking-uri", REMOTE_TRACKING])
    assert isinstance(tracked.exception, RemoteEndpointRefused), tracked.output
    reported = runner.invoke(cli.app, ["report", str(run_dir), "--out", str(tmp_path / "report"),
                                       "--tracking-uri", REMOTE_TRACKING])
    assert isinstance(reported.exception, RemoteEndpointRefused), reported.output
    assert (tmp_path / "report" / "report.html").is_file()  # written locally, not sent
    ran = runner.invoke(cli.app, ["run", "-m", "echo", "-e", "smoke-en", "--limit", "1", "--no-progress",
                                  "--catalogue", str(catalogue), "--runs-dir", str(tmp_path / "runs"),
                                  "--tracking-uri", REMOTE_TRACKING])
    assert ran.exit_code == 2 and "refusing to send run data" in ran.output, ran.output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_cli_track_with_the_opt_in_passes_the_check(scripted_run: tuple[Path, Path],
                                                    remote_tracking_dns: FakeDNS) -> None:
    from typer.testing import CliRunner

    from workbench import cli

    # Past the check, MLflow looks the name up itself; the test's resolver refuses it, so nothing is sent.
    tracked = CliRunner().invoke(cli.app, ["track", str(scripted_run[0]), "--tracking-uri", REMOTE_TRACKING,
                                           "--allow-remote-endpoint"])
    assert tracked.exit_code == 2, tracked.output
    assert "tracking server http://mlflow.example:5000 did not answer" in tracked.output, tracked.output


# 4. Proxies from the environment are not used -------------------------------------------------

def test_privacy_environment_switches_proxies_off_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    import requests.utils

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "corp.example")
    monkeypatch.delenv("WORKBENCH_ALLOW_PROXY", raising=False)
    egress.apply_privacy_environment()
    assert os.environ["NO_PROXY"] == "*" and os.environ["no_proxy"] == "*"
    assert requests.utils.get_environ_proxies("https://mlflow.lan:5000/api") == {}  # what MLflow's session uses

    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "corp.example")
    monkeypatch.setenv("WORKBENCH_ALLOW_PROXY", "1")
    egress.apply_privacy_environment()
    assert os.environ["NO_PROXY"] == "corp.example"
    assert requests.utils.get_environ_proxies("https://mlflow.lan:5000/api")["https"] == "http://proxy.example:3128"
