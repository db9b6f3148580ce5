"""Patient data stays on the machine: endpoint checks and privacy-preserving environment.

The endpoint policy, in one place:

- A host name is resolved once (:func:`resolve_host`, or a resolver passed in); every
  address it resolves to must be local, and a connection goes to one of those checked
  addresses (:class:`CheckedAddressTransport`), never to a second lookup of the name,
  so a name cannot be re-pointed ("DNS rebinding") between the check and the connect.
- Local means an explicit allow-list (:data:`LOCAL_NETWORKS`): loopback, the RFC 1918
  private ranges and IPv6 unique-local addresses; link-local only when the caller allows
  it. Everything else is remote, including ranges Python's ``is_private`` accepts
  (Teredo, benchmarking, reserved). An IPv4-mapped IPv6 address is checked as its IPv4 address.
- A remote address is refused unless the user opted in (``--allow-remote-endpoint``).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from workbench.errors import WorkbenchError

PRIVACY_ENVIRONMENT = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "VLLM_NO_USAGE_STATS": "1",
}

# Set with the privacy environment because it too must be in place before mlflow is imported: MLflow's
# INFO lines ("Creating initial MLflow database tables…") are not for the user, least of all in a notebook cell.
QUIET_ENVIRONMENT = {"MLFLOW_LOGGING_LEVEL": "WARNING"}

ALLOW_PROXY_VARIABLE = "WORKBENCH_ALLOW_PROXY"  # "1": let MLflow use HTTP(S)_PROXY from the environment
NO_PROXY_VARIABLES = ("NO_PROXY", "no_proxy")


def apply_privacy_environment() -> None:
    """Switch off telemetry and hub access in this process, and MLflow's INFO lines, unless the user set them.

    Proxies from the environment are switched off for every library that honours
    ``NO_PROXY`` (MLflow's requests session among them) by setting ``NO_PROXY=*``, unless
    the user opted in with ``WORKBENCH_ALLOW_PROXY=1``. The workbench's own HTTP clients
    ignore the environment anyway (``trust_env=False``).
    """
    for name, value in {**PRIVACY_ENVIRONMENT, **QUIET_ENVIRONMENT}.items():
        os.environ.setdefault(name, value)
    if os.environ.get(ALLOW_PROXY_VARIABLE, "").strip() != "1":
        for name in NO_PROXY_VARIABLES:
            os.environ[name] = "*"


class EndpointError(WorkbenchError, ValueError):
    """An endpoint or tracking URI that is malformed or whose host cannot be resolved."""


class RemoteEndpointRefused(WorkbenchError, PermissionError):
    """An endpoint outside loopback and private networks was given without the explicit opt-in."""


Resolver = Callable[[str, int], list[str]]
"""``resolve(host, port)``: the addresses ``host`` resolves to, most preferred first."""

LOCAL_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(network) for network in (
        "127.0.0.0/8", "::1/128",  # loopback
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
        "fc00::/7",  # IPv6 unique local addresses
    )
)
LINK_LOCAL_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(network) for network in ("169.254.0.0/16", "fe80::/10")
)


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses of ``host`` from the system resolver, in its order of preference, without repeats."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_local_address(address: str, *, allow_link_local: bool = False) -> bool:
    """Whether ``address`` is in :data:`LOCAL_NETWORKS` (or :data:`LINK_LOCAL_NETWORKS`, when allowed)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("%eth0") is not part of the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    networks = LOCAL_NETWORKS + (LINK_LOCAL_NETWORKS if allow_link_local else ())
    return any(ip in network for network in networks)


def _resolve_checked(host: str, port: int, *, allow_remote: bool, allow_link_local: bool, resolve: Resolver | None,
                     context: str, refusal: str, opt_in: str) -> list[str]:
    """Resolve ``host`` once and return its addresses; refuse if any is not local and ``allow_remote`` is off.

    ``context`` starts the message of a failed lookup, ``refusal`` and ``opt_in`` the
    message of a refusal.
    """
    resolver = resolve or resolve_host  # looked up at call time, so a test can replace resolve_host
    try:
        addresses = list(dict.fromkeys(resolver(host, port)))
    except OSError as exc:  # socket.gaierror, or any failure of the resolver
        raise EndpointError(f"{context}: cannot resolve host '{host}': {exc}") from exc
    if not addresses:
        raise EndpointError(f"{context}: host '{host}' resolves to no address")
    public = [address for address in addresses if not is_local_address(address, allow_link_local=allow_link_local)]
    if public and not allow_remote:
        raise RemoteEndpointRefused(
            f"{refusal}: host '{host}' resolves to {', '.join(public)}, outside loopback and private networks. "
            f"Prompts and outputs carry patient data; if this endpoint is approved for it, {opt_in}."
        )
    return addresses


def check_endpoint(url: str, *, allow_remote: bool, model_name: str = "", allow_link_local: bool = False,
                   resolve: Resolver | None = None) -> list[str]:
    """Return the addresses ``url``'s host resolves to; refuse any outside the local allow-list.

    Prompts carry patient data, so an endpoint on the public internet is refused unless
    the user passed ``--allow-remote-endpoint`` (or set ``allow_remote_endpoint: true`` in
    their own catalogue entry). The host is resolved once and every address must be local:
    a name that resolves to both a private and a public address is refused. Connect only
    to the returned addresses (:class:`CheckedAddressTransport`), never to the name again.
    """
    parts = urlsplit(url)
    who = f"model '{model_name}': " if model_name else ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"{who}base_url '{url}' is not an http(s) URL with a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise EndpointError(f"{who}base_url '{url}' has an invalid port: {exc}") from exc
    return _resolve_checked(
        parts.hostname, port, allow_remote=allow_remote, allow_link_local=allow_link_local, resolve=resolve,
        context=f"{who}base_url '{url}'", refusal=f"{who}refusing to send prompts to {url}",
        opt_in="pass --allow-remote-endpoint (or set allow_remote_endpoint: true in your catalogue entry)",
    )


LOCAL_TRACKING_SCHEMES = ("", "file", "sqlite")  # a path, a file store, a SQLite database file
DATABASE_TRACKING_SCHEMES = ("postgresql", "mysql", "mssql")  # "postgresql+psycopg2" etc. count as "postgresql"
HOSTED_TRACKING_URIS = ("databricks", "databricks-uc", "uc")  # MLflow's names of hosted stores: not paths
TRACKING_OPT_IN = "pass --allow-remote-endpoint (workbench run, track, report) or allow_remote_endpoint=True (API)"


def check_tracking_uri(uri: str, *, allow_remote: bool, allow_link_local: bool = False,
                       resolve: Resolver | None = None) -> None:
    """Refuse an MLflow tracking URI that would send run data outside loopback and private networks.

    File and SQLite URIs (and plain paths) stay on this machine and pass. For ``http(s)``
    and database URIs (``postgresql://``, ``mysql://``, ``mssql://``) the host goes through the
    same resolve-and-check as a model endpoint. Any other scheme, and MLflow's bare names
    of hosted stores (``databricks``), are remote. With ``allow_remote`` nothing is checked. MLflow connects to the host by name
    itself, so unlike a model endpoint a tracking server is checked, not pinned.
    """
    if allow_remote:
        return
    parts = urlsplit(uri)
    scheme = uri.strip().lower() if uri.strip().lower() in HOSTED_TRACKING_URIS else parts.scheme.lower()
    if scheme in LOCAL_TRACKING_SCHEMES or len(scheme) == 1:  # one letter: a Windows drive, a local path
        return
    shown = _without_credentials(uri)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme, 0)
    except ValueError as exc:
        raise EndpointError(f"tracking URI {shown} has an invalid port: {exc}") from exc
    refusal = f"refusing to send run data (prompts, outputs) to the MLflow tracking URI {shown}"
    if scheme in ("http", "https") or scheme.split("+", 1)[0] in DATABASE_TRACKING_SCHEMES:
        if not parts.hostname:
            raise EndpointError(f"tracking URI {shown} has no host")
        _resolve_checked(parts.hostname, port, allow_remote=False, allow_link_local=allow_link_local,
                         resolve=resolve, context=f"tracking URI {shown}", refusal=refusal, opt_in=TRACKING_OPT_IN)
        return
    raise RemoteEndpointRefused(
        f"{refusal}: a '{scheme}' tracking URI sends data off this machine. Prompts and outputs carry patient data; "
        f"if this store is approved for it, {TRACKING_OPT_IN}."
    )


def _without_credentials(uri: str) -> str:
    """``uri`` with any ``user:password@`` removed, for messages."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()


class CheckedAddressTransport(httpx.HTTPTransport):
    """An httpx transport that connects to addresses already checked for ``host``, never to a new lookup.

    Each request for ``host`` is sent to the first checked address that accepts a
    connection (the one that worked is tried first next time); the URL's host is
    replaced by that address only for the connection. The ``Host`` header keeps the
    original name (httpx set it when the request was built), and for ``https`` the TLS
    server name (SNI) and the certificate check use the original name through httpcore's
    ``sni_hostname`` request extension. A request for any other host is refused.
    Keyword arguments go to :class:`httpx.HTTPTransport` (``limits``, ``verify``, ...).
    """

    def __init__(self, host: str, addresses: list[str], **kwargs: Any) -> None:
        if not addresses:
            raise ValueError(f"no checked address for host '{host}'")
        super().__init__(**kwargs)
        self._host = host.lower()
        self._addresses = list(addresses)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        original = request.url
        if original.host.lower() != self._host:
            raise httpx.ConnectError(
                f"refusing to connect to '{original.host}': this client connects only to '{self._host}'",
                request=request)
        if original.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": self._host}
        addresses = list(self._addresses)
        failure: httpx.TransportError | None = None
        for address in addresses:
            request.url = original.copy_with(host=address)
            try:
                response = super().handle_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing was sent: try the next address
                failure = exc
                continue
            finally:
                request.url = original
            if address != addresses[0]:
                self._addresses = [address] + [other for other in addresses if other != address]
            return response
        assert failure is not None
        raise failure
