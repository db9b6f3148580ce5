"""Response cache: a finished generation is never computed twice.

Keyed by (model settings, prompt version and its content, case content, sampling, the strategy for records
longer than the context and its settings).
SQLite commits each entry atomically, so a run killed with SIGKILL loses at most the
generation that was in flight; a restarted run takes everything else from here.
Failed generations are not cached: a re-run retries them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from workbench.hashing import canonical_json, sha256_hex


def cache_key(*, model_settings: dict[str, Any], prompt_ref: str, prompt_hash: str, case_hash: str,
              long_records: dict[str, Any] | None = None) -> str:
    """``long_records``: the strategy for records longer than the context and its settings
    (``LongRecordSettings.describe``), so that an answer to the whole record never stands in for a truncated
    or chunked one."""
    key: dict[str, Any] = {"model": model_settings, "prompt": prompt_ref, "prompt_hash": prompt_hash, "case": case_hash}
    if long_records is not None:
        key["long_records"] = long_records
    return sha256_hex(canonical_json(key))


class GenerationCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA busy_timeout=30000")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS generations ("
            " key TEXT PRIMARY KEY, result TEXT NOT NULL, model TEXT, case_id TEXT, created_at REAL)"
        )

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._connection.execute("SELECT result FROM generations WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, result: dict[str, Any], *, model: str, case_id: str) -> None:
        with self._lock:
            self._connection.execute(
                "INSERT OR REPLACE INTO generations (key, result, model, case_id, created_at) VALUES (?, ?, ?, ?, ?)",
                (key, json.dumps(result, ensure_ascii=False), model, case_id, time.time()),
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._connection.execute("SELECT COUNT(*) FROM generations").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._connection.close()
