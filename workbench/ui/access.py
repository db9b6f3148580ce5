"""Who may open the browser UI: loopback needs no login, any other address needs credentials.

Credentials live in a file of ``user:scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>`` lines
(``workbench ui-user add FILE NAME`` writes them); passwords are never stored in clear.
Every login attempt goes through a ``LoginGuard``: it is written to the audit log (user name
and outcome, never the password), a failure costs a short delay, and a user name with too
many recent failures is locked out for a while.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import ipaddress
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from workbench.errors import WorkbenchError
from workbench.privacy.audit import AuditLog

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
        if stored is None:  # the same scrypt work as for a real user: timing does not tell who exists
            verify_password(password, _unknown_user_hash())
            return False
        return verify_password(password, stored)


@functools.cache
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_hex(16))


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


MAX_FAILURES = 5  # failed logins for one user name within FAILURE_WINDOW_S lock it
FAILURE_WINDOW_S = 300.0
FIRST_LOCKOUT_S = 60.0  # doubles with each lockout in a row, up to MAX_LOCKOUT_S
MAX_LOCKOUT_S = 900.0
FAILURE_DELAY_S = 0.5
MAX_AUDITED_NAME_CHARS = 64
MAX_TRACKED_NAMES = 1024  # above this, forgotten entries are pruned


@dataclass
class _Attempts:
    failures: list[float] = field(default_factory=list)  # clock times of failures within the window
    locked_until: float = 0.0
    lockouts: int = 0  # lockouts in a row; the next one lasts FIRST_LOCKOUT_S * 2**lockouts


class LoginGuard:
    """The login check Gradio calls: audited, slowed on failure, and locked after repeated failures.

    Gradio's ``auth`` callback gets no client address, so failures are counted per user name,
    whoever sends them. ``MAX_FAILURES`` failures within ``FAILURE_WINDOW_S`` lock that name for
    ``FIRST_LOCKOUT_S``, doubling with each further lockout up to ``MAX_LOCKOUT_S``; while it is
    locked every attempt is refused without checking the password. A success resets the name, and
    so does ``MAX_LOCKOUT_S`` without failures after a lockout ended. ``clock`` and ``sleep`` are
    injectable for tests.
    """

    def __init__(self, credentials: Credentials, audit: AuditLog | None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 max_failures: int = MAX_FAILURES, window_s: float = FAILURE_WINDOW_S,
                 first_lockout_s: float = FIRST_LOCKOUT_S, max_lockout_s: float = MAX_LOCKOUT_S,
                 failure_delay_s: float = FAILURE_DELAY_S) -> None:
        self.credentials = credentials
        self.audit = audit
        self.clock = clock
        self.sleep = sleep
        self.max_failures = max_failures
        self.window_s = window_s
        self.first_lockout_s = first_lockout_s
        self.max_lockout_s = max_lockout_s
        self.failure_delay_s = failure_delay_s
        self._attempts: dict[str, _Attempts] = {}
        self._lock = threading.Lock()

    def locked_for(self, user: str) -> float:
        """Seconds until ``user`` may try again (0 when not locked)."""
        with self._lock:
            attempts = self._attempts.get(user)
            return max(0.0, attempts.locked_until - self.clock()) if attempts else 0.0

    def check(self, user: str, password: str) -> bool:
        with self._lock:  # one check at a time, so concurrent guesses cannot slip past the count
            now = self.clock()
            if len(self._attempts) > MAX_TRACKED_NAMES:
                self._prune(now)
            attempts = self._attempts.setdefault(user, _Attempts())
            attempts.failures = [t for t in attempts.failures if now - t < self.window_s]
            if not attempts.failures and attempts.locked_until + self.max_lockout_s <= now:
                attempts.lockouts = 0  # quiet for long enough: the next lockout starts short again
            if attempts.locked_until > now:
                outcome, accepted = "locked", False  # refused without looking at the password
            elif self.credentials.check(user, password):
                del self._attempts[user]
                outcome, accepted = "ok", True
            else:
                attempts.failures.append(now)
                outcome, accepted = "failed", False
                if len(attempts.failures) >= self.max_failures:
                    attempts.locked_until = now + min(self.first_lockout_s * 2 ** attempts.lockouts, self.max_lockout_s)
                    attempts.lockouts += 1
                    attempts.failures = []
            details: dict[str, str | int | float | bool | None] = {
                "known_user": user in self.credentials.users,
                "recent_failures": len(attempts.failures),
                "locked_for_s": round(max(0.0, attempts.locked_until - now)),
            }
        if self.audit is not None:  # the name as typed (shortened), the outcome; never the password
            self.audit.record(user=user[:MAX_AUDITED_NAME_CHARS], action="login", outcome=outcome, details=details)
        if not accepted:
            self.sleep(self.failure_delay_s)
        return accepted

    async def check_async(self, user: str, password: str) -> bool:
        """``check`` on a worker thread, for Gradio (it awaits a coroutine ``auth``): the scrypt work
        and the failure delay then hold up no other request."""
        return await asyncio.to_thread(self.check, user, password)

    def _prune(self, now: float) -> None:
        """Forget names with no failure in the window whose last lockout ended long enough ago."""
        for user in [user for user, attempts in self._attempts.items()
                     if not any(now - t < self.window_s for t in attempts.failures)
                     and attempts.locked_until + self.max_lockout_s <= now]:
            del self._attempts[user]
