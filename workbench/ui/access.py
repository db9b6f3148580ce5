"""Who may open the browser UI: loopback needs no login, any other address needs credentials.

Credentials live in a file of ``user:scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>`` lines
(``workbench ui-user add FILE NAME`` writes them); passwords are never stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class UIAccessError(WorkbenchError, ValueError):
    """The UI would be reachable by others without a login, or the credentials file is wrong."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


@dataclass(frozen=True)
class Credentials:
    source: Path
    users: dict[str, str]  # user -> stored scrypt hash

    def check(self, user: str, password: str) -> bool:
        stored = self.users.get(user)
        return stored is not None and verify_password(password, stored)


def read_credentials(path: Path) -> Credentials:
    path = Path(path)
    if not path.is_file():
        raise UIAccessError(f"--auth-file {path}: no such file (create it with `workbench ui-user add {path} NAME`)")
    users: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, stored = line.partition(":")
        if not sep or not user or not stored.startswith("scrypt$") or stored.count("$") != 5:
            raise UIAccessError(f"{path}, line {number}: expected 'user:scrypt$...' "
                                f"(write it with `workbench ui-user add {path} NAME`)")
        users[user] = stored
    if not users:
        raise UIAccessError(f"{path}: no users; add one with `workbench ui-user add {path} NAME`")
    return Credentials(source=path, users=users)


def add_user(path: Path, user: str, password: str) -> None:
    """Add or replace ``user`` in the credentials file (created with owner-only permissions)."""
    if not user or ":" in user or user.strip() != user:
        raise UIAccessError(f"user name {user!r}: must be non-empty, without ':' or surrounding spaces")
    if len(password) < 8:
        raise UIAccessError("password: at least 8 characters")
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    lines = [line for line in lines if line.partition(":")[0] != user]
    lines.append(f"{user}:{hash_password(password)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def is_loopback_host(host: str) -> bool:
    """True when every address ``host`` resolves to is a loopback address."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    addresses = {str(info[4][0]).split("%", 1)[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(address).is_loopback for address in addresses)


def check_bind(host: str, credentials: Credentials | None) -> None:
    """Refuse to serve on anything but loopback without a login."""
    if credentials is None and not is_loopback_host(host):
        raise UIAccessError(
            f"refusing to serve the UI on {host!r} without a login: anyone who can reach this address could run "
            "models on patient notes and read the results. Pass --auth-file FILE "
            "(users from `workbench ui-user add FILE NAME`), or keep the default --host 127.0.0.1.")
