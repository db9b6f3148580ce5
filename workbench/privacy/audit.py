"""An append-only audit log of what users did: who, when, which action, models and sets, input hashes.

Texts (notes, prompts, outputs) are never written: each is recorded as the SHA-256 of its
UTF-8 bytes, so a reviewer can prove which input was used without the log holding patient
data. One JSON object per line, flushed and fsynced as it is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

AUDIT_ENV_VAR = "WORKBENCH_AUDIT_LOG"
DEFAULT_AUDIT_LOG = Path("audit") / "ui-audit.jsonl"


def text_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


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


class AuditLog:
    """Thread-safe JSONL writer; ``record`` takes texts only to hash them."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def record(self, *, user: str, action: str, models: list[str] | None = None, evalset: str | None = None,
               inputs: dict[str, str] | None = None,
               details: dict[str, str | int | float | bool | None] | None = None, outcome: str = "ok") -> AuditEntry:
        entry = AuditEntry(
            time=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            user=user, action=action, models=list(models or []), evalset=evalset,
            input_hashes={name: text_hash(text) for name, text in (inputs or {}).items()},
            details=dict(details or {}), outcome=outcome,
        )
        line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        return entry

    def entries(self) -> list[AuditEntry]:
        if not self.path.exists():
            return []
        return [AuditEntry(**json.loads(line)) for line in self.path.read_text(encoding="utf-8").splitlines() if line]


def default_audit_path() -> Path:
    return Path(os.environ.get(AUDIT_ENV_VAR) or DEFAULT_AUDIT_LOG)
