"""An append-only, tamper-evident audit log of what users did: who, when, which action, models and sets, input hashes.

Texts (notes, prompts, outputs) are never written: each is recorded as the SHA-256 of its
UTF-8 bytes, so a reviewer can prove which input was used without the log holding patient
data. One JSON object per line, flushed and fsynced as it is written.

The lines form a hash chain: each carries ``prev_hash``, the SHA-256 of the previous line's
bytes (``GENESIS_HASH`` for the first line), and ``hash``, the SHA-256 of its own content
without ``hash``. ``verify_audit_log`` (``workbench audit verify PATH``) finds an edited,
inserted, removed or truncated line anywhere but at the very end (removing the last lines
leaves a shorter, intact chain). Lines written before the chain existed have neither field;
they are counted as entries before the hash chain, and only the first chained line's
``prev_hash`` vouches for the last of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.hashing import canonical_json

AUDIT_ENV_VAR = "WORKBENCH_AUDIT_LOG"
DEFAULT_AUDIT_LOG = Path("audit") / "ui-audit.jsonl"
GENESIS_HASH = "0" * 64  # the prev_hash of a log's first line


class AuditLogError(WorkbenchError):
    """The audit log to verify is missing or cannot be read."""


def text_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def line_hash(line: bytes) -> str:
    """The SHA-256 of one line's bytes, without its end of line: the next line's ``prev_hash``."""
    return hashlib.sha256(line).hexdigest()


def entry_hash(fields: dict[str, Any]) -> str:
    """The SHA-256 of an entry's canonical JSON without its ``hash`` field."""
    content = {key: value for key, value in fields.items() if key != "hash"}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    time: str
    user: str
    action: str
    models: list[str] = field(default_factory=list)
    evalset: str | None = None
    input_hashes: dict[str, str] = field(default_factory=dict)
    details: dict[str, str | int | float | bool | None] = field(default_factory=dict)
    outcome: str = "ok"
    prev_hash: str | None = None  # None: written before the hash chain existed
    hash: str | None = None


# One lock per log file, shared by every AuditLog of this process that writes it.
_FILE_LOCKS: dict[Path, threading.Lock] = {}
_FILE_LOCKS_GUARD = threading.Lock()


def _file_lock(path: Path) -> threading.Lock:
    key = path.resolve()
    with _FILE_LOCKS_GUARD:
        return _FILE_LOCKS.setdefault(key, threading.Lock())


def _last_line(handle: Any) -> tuple[bytes | None, bool]:
    """The last line of a file open for binary reading (without its end of line), and whether the
    file ends with an end of line; (None, True) for an empty file."""
    size = handle.seek(0, os.SEEK_END)
    if size == 0:
        return None, True
    chunk = 4096
    position = size
    tail = b""
    while position > 0:
        position = max(0, position - chunk)
        handle.seek(position)
        tail = handle.read(size - position)
        if tail.rstrip(b"\n").rfind(b"\n") >= 0:
            break
    ends_with_newline = tail.endswith(b"\n")
    body = tail[:-1] if ends_with_newline else tail
    return body.rsplit(b"\n", 1)[-1], ends_with_newline


class AuditLog:
    """Thread-safe JSONL writer; ``record`` takes texts only to hash them and keeps the hash chain."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _file_lock(self.path)

    def record(self, *, user: str, action: str, models: list[str] | None = None, evalset: str | None = None,
               inputs: dict[str, str] | None = None,
               details: dict[str, str | int | float | bool | None] | None = None, outcome: str = "ok") -> AuditEntry:
        entry = AuditEntry(
            time=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            user=user, action=action, models=list(models or []), evalset=evalset,
            input_hashes={name: text_hash(text) for name, text in (inputs or {}).items()},
            details=dict(details or {}), outcome=outcome,
        )
        with self._lock, self.path.open("a+b") as handle:
            previous, ends_with_newline = _last_line(handle)
            prefix = b"" if ends_with_newline else b"\n"  # a line cut short stays on its own line (and fails verify)
            entry = replace(entry, prev_hash=GENESIS_HASH if previous is None else line_hash(previous))
            entry = replace(entry, hash=entry_hash(asdict(entry)))
            handle.write(prefix + json.dumps(asdict(entry), ensure_ascii=False).encode("utf-8") + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        return entry

    def entries(self) -> list[AuditEntry]:
        if not self.path.exists():
            return []
        return [AuditEntry(**json.loads(line)) for line in self.path.read_text(encoding="utf-8").splitlines() if line]


def default_audit_path() -> Path:
    return Path(os.environ.get(AUDIT_ENV_VAR) or DEFAULT_AUDIT_LOG)


@dataclass(frozen=True)
class AuditVerification:
    entries: int  # lines that are entries (chained or not)
    entries_before_chain: int  # entries written before the hash chain existed
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_audit_log(path: Path) -> AuditVerification:
    """Walk the hash chain of an audit log; every problem names its line number."""
    path = Path(path)
    if not path.is_file():
        raise AuditLogError(f"{path}: no such audit log")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuditLogError(f"{path}: cannot read the audit log ({exc})") from exc
    problems: list[str] = []
    lines = data.split(b"\n")
    truncated = lines[-1] != b""  # the last line has no end of line: its write was cut short, or it was cut
    if not truncated:
        lines.pop()
    entries = 0
    before_chain = 0
    chain_started = False
    previous: bytes | None = None
    for number, line in enumerate(lines, start=1):
        expected_prev = GENESIS_HASH if previous is None else line_hash(previous)
        previous = line
        try:
            fields = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            fields = None
        if not isinstance(fields, dict):
            problems.append(f"line {number}: not a JSON object (edited or truncated)")
            chain_started = True  # what follows must still chain to this line's bytes
            continue
        entries += 1
        if "hash" not in fields and "prev_hash" not in fields:
            if chain_started:
                problems.append(f"line {number}: no hash after the chain began (inserted or edited)")
            else:
                before_chain += 1
            continue
        chain_started = True
        if fields.get("hash") != entry_hash(fields):
            problems.append(f"line {number}: its content does not match its hash (edited)")
        if fields.get("prev_hash") != expected_prev:
            problems.append(f"line {number}: prev_hash does not match line {number - 1} "
                            "(a line before it was edited, inserted or removed)" if number > 1 else
                            f"line {number}: prev_hash is not the start of a chain (lines before it were removed)")
    if truncated:
        problems.append(f"line {len(lines)}: truncated (the file does not end with an end of line)")
    return AuditVerification(entries=entries, entries_before_chain=before_chain, problems=problems)


def verify_audit_log(path: Path) -> list[str]:
    """The problems of an audit log's hash chain, each naming its line; empty when intact."""
    return check_audit_log(path).problems
