"""Patient data stays on the machine: endpoint checks and privacy-preserving environment."""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

from workbench.errors import WorkbenchError

PRIVACY_ENVIRONMENT = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "VLLM_NO_USAGE_STATS": "1",
}


def apply_privacy_environment() -> None:
    """Switch off telemetry and hub access in this process, unless the user set them."""
    for name, value in PRIVACY_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


class RemoteEndpointRefused(WorkbenchError, PermissionError):
    """An endpoint outside loopback and private networks was given without the explicit opt-in."""


def _is_local_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_private or ip.is_link_local


def check_endpoint(url: str, *, allow_remote: bool, model_name: str = "") -> list[str]:
    """Return the addresses ``url`` resolves to; refuse any outside loopback/private ranges.

    Prompts carry patient data, so an endpoint on the public internet is refused unless
    the user passed ``--allow-remote-endpoint`` (or set ``allow_remote_endpoint: true`` in
    their own catalogue entry). Every address a host name resolves to must be local:
    a name that resolves to both a private and a public address is refused.
    """
    parts = urlsplit(url)
    who = f"model '{model_name}': " if model_name else ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{who}base_url '{url}' is not an http(s) URL with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ValueError(f"{who}cannot resolve host '{parts.hostname}' of base_url '{url}': {exc}") from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    public = [address for address in addresses if not _is_local_address(address)]
    if public and not allow_remote:
        raise RemoteEndpointRefused(
            f"{who}refusing to send prompts to {url}: host '{parts.hostname}' resolves to "
            f"{', '.join(public)}, outside loopback and private networks. Prompts carry patient "
            "data; if this endpoint is approved for it, pass --allow-remote-endpoint "
            "(or set allow_remote_endpoint: true in your catalogue entry)."
        )
    return addresses
