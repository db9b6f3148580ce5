"""Where review tasks, assignments and answers are kept: ``<run_dir>/reviews.sqlite``, beside the run they review.

SQLite in write-ahead-log mode, one connection per operation and a wait for a busy database, so several
reviewers answering through one UI (or several processes) at once each get their answer stored; answers
survive restarts. Each record is kept as its typed JSON (``workbench.review.tasks``), checked when read.
A reviewer answers only their own assignments; answering again replaces the earlier answer.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from workbench.review.tasks import Assignment, PlannedReview, ReviewAnswer, ReviewItem, ReviewTask, ReviewTaskError, now_iso

REVIEWS_FILE = "reviews.sqlite"
BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (task_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (task_id TEXT NOT NULL, item_id INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (task_id, item_id));
CREATE TABLE IF NOT EXISTS assignments (task_id TEXT NOT NULL, item_id INTEGER NOT NULL, reviewer TEXT NOT NULL,
    position INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (task_id, item_id, reviewer));
CREATE TABLE IF NOT EXISTS answers (task_id TEXT NOT NULL, item_id INTEGER NOT NULL, reviewer TEXT NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (task_id, item_id, reviewer));
CREATE TABLE IF NOT EXISTS logged (task_id TEXT NOT NULL, item_id INTEGER NOT NULL, reviewer TEXT NOT NULL,
    answered_at TEXT NOT NULL, destination TEXT NOT NULL,
    PRIMARY KEY (task_id, item_id, reviewer, answered_at, destination));
"""


@dataclass(frozen=True)
class Progress:
    answered: int
    assigned: int
    by_reviewer: dict[str, tuple[int, int]]  # reviewer -> (answered, assigned)

    @property
    def complete(self) -> bool:
        return self.assigned > 0 and self.answered == self.assigned


class ReviewStore:
    """The review tasks of one run directory."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / REVIEWS_FILE

    def exists(self) -> bool:
        return self.path.is_file()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if not self.run_dir.is_dir():
            raise ReviewTaskError(f"{self.run_dir}: no such run directory")
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.executescript(_SCHEMA)
            yield connection
        finally:
            connection.close()

    def _rows(self, query: str, *arguments: object) -> list[tuple[str]]:
        if not self.exists():
            return []
        with self._connection() as connection:
            return connection.execute(query, arguments).fetchall()

    # --- writing ------------------------------------------------------------------------------------------

    def add(self, planned: PlannedReview) -> ReviewTask:
        """Store a planned task with its items and assignments, all or nothing."""
        task = planned.task
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.execute("INSERT INTO tasks VALUES (?, ?)", (task.task_id, task.model_dump_json()))
                connection.executemany("INSERT INTO items VALUES (?, ?, ?)",
                                       [(task.task_id, item.item_id, item.model_dump_json()) for item in planned.items])
                connection.executemany(
                    "INSERT INTO assignments VALUES (?, ?, ?, ?, ?)",
                    [(task.task_id, a.item_id, a.reviewer, a.position, a.model_dump_json()) for a in planned.assignments])
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return task

    def save_answer(self, answer: ReviewAnswer) -> bool:
        """Store ``answer`` (the reviewer must hold the assignment, with the order it was shown in); True when
        it replaced an earlier answer of the same reviewer to the same item."""
        assignment = self.assignment(answer.task_id, answer.item_id, answer.reviewer)
        if assignment is None:
            raise ReviewTaskError(f"task {answer.task_id}: item {answer.item_id} is not assigned to {answer.reviewer}")
        if assignment.shown != answer.shown:
            raise ReviewTaskError(f"task {answer.task_id}: item {answer.item_id} was not shown to {answer.reviewer} "
                                  "in the order the answer gives")
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            replaced = connection.execute("SELECT 1 FROM answers WHERE task_id = ? AND item_id = ? AND reviewer = ?",
                                          (answer.task_id, answer.item_id, answer.reviewer)).fetchone() is not None
            connection.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                               (answer.task_id, answer.item_id, answer.reviewer, answer.model_dump_json()))
            connection.execute("COMMIT")
        return replaced

    def mark_logged(self, answers: list[ReviewAnswer], destination: str) -> None:
        """Record that ``answers`` are in ``destination`` (an MLflow parent run), so they are not logged there twice."""
        with self._connection() as connection:
            connection.executemany("INSERT OR IGNORE INTO logged VALUES (?, ?, ?, ?, ?)",
                                   [(a.task_id, a.item_id, a.reviewer, a.answered_at, destination) for a in answers])

    def unlogged_answers(self, task_id: str, destination: str) -> list[ReviewAnswer]:
        """The task's answers not yet logged to ``destination`` (an answer given again counts as new)."""
        logged = {(int(item_id), str(reviewer), str(answered_at)) for item_id, reviewer, answered_at in self._rows(
            "SELECT item_id, reviewer, answered_at FROM logged WHERE task_id = ? AND destination = ?",
            task_id, destination)}
        return [answer for answer in self.answers(task_id)
                if (answer.item_id, answer.reviewer, answer.answered_at) not in logged]

    def reveal(self, task_id: str, by: str) -> ReviewTask:
        """Record that ``by`` showed the models' names of ``task_id`` before it was complete."""
        task = self.task(task_id).model_copy(update={"revealed_by": by, "revealed_at": now_iso()})
        with self._connection() as connection:
            connection.execute("UPDATE tasks SET body = ? WHERE task_id = ?", (task.model_dump_json(), task_id))
        return task

    # --- reading ------------------------------------------------------------------------------------------

    def _parsed(self, kind: type, body: str, where: str):  # type: ignore[no-untyped-def]
        try:
            return kind.model_validate(json.loads(body))
        except (ValueError, ValidationError) as exc:
            raise ReviewTaskError(f"{self.path}: {where} cannot be read: {exc}") from exc

    def tasks(self) -> list[ReviewTask]:
        """Every task of the run, in the order they were created."""
        return [self._parsed(ReviewTask, body, f"task {task_id}")
                for task_id, body in self._rows("SELECT task_id, body FROM tasks ORDER BY rowid")]

    def task(self, task_id: str) -> ReviewTask:
        rows = self._rows("SELECT body FROM tasks WHERE task_id = ?", task_id)
        if not rows:
            known = ", ".join(task.task_id for task in self.tasks()) or "none"
            raise ReviewTaskError(f"no review task {task_id!r} in {self.run_dir} (its tasks: {known})")
        return self._parsed(ReviewTask, rows[0][0], f"task {task_id}")

    def items(self, task_id: str) -> list[ReviewItem]:
        rows = self._rows("SELECT item_id, body FROM items WHERE task_id = ? ORDER BY item_id", task_id)
        return [self._parsed(ReviewItem, body, f"task {task_id} item {item_id}") for item_id, body in rows]

    def item(self, task_id: str, item_id: int) -> ReviewItem:
        rows = self._rows("SELECT body FROM items WHERE task_id = ? AND item_id = ?", task_id, item_id)
        if not rows:
            raise ReviewTaskError(f"task {task_id} has no item {item_id}")
        return self._parsed(ReviewItem, rows[0][0], f"task {task_id} item {item_id}")

    def assignments(self, task_id: str, reviewer: str | None = None) -> list[Assignment]:
        """The task's assignments (of one reviewer, in their order, when ``reviewer`` is given)."""
        if reviewer is None:
            rows = self._rows("SELECT item_id, body FROM assignments WHERE task_id = ? ORDER BY reviewer, position",
                              task_id)
        else:
            rows = self._rows("SELECT item_id, body FROM assignments WHERE task_id = ? AND reviewer = ? "
                              "ORDER BY position", task_id, reviewer)
        return [self._parsed(Assignment, body, f"task {task_id} assignment of item {item_id}") for item_id, body in rows]

    def assignment(self, task_id: str, item_id: int, reviewer: str) -> Assignment | None:
        rows = self._rows("SELECT body FROM assignments WHERE task_id = ? AND item_id = ? AND reviewer = ?",
                          task_id, item_id, reviewer)
        return self._parsed(Assignment, rows[0][0], f"task {task_id} assignment of item {item_id}") if rows else None

    def answers(self, task_id: str, reviewer: str | None = None) -> list[ReviewAnswer]:
        if reviewer is None:
            rows = self._rows("SELECT item_id, body FROM answers WHERE task_id = ? ORDER BY item_id, reviewer", task_id)
        else:
            rows = self._rows("SELECT item_id, body FROM answers WHERE task_id = ? AND reviewer = ? ORDER BY item_id",
                              task_id, reviewer)
        return [self._parsed(ReviewAnswer, body, f"task {task_id} answer to item {item_id}") for item_id, body in rows]

    def next_assignment(self, task_id: str, reviewer: str) -> Assignment | None:
        """The reviewer's first unanswered assignment in their order (None when they have answered all)."""
        answered = {answer.item_id for answer in self.answers(task_id, reviewer)}
        return next((a for a in self.assignments(task_id, reviewer) if a.item_id not in answered), None)

    def progress(self, task_id: str) -> Progress:
        counts: dict[str, list[int]] = {}
        for reviewer, assigned in self._rows("SELECT reviewer, COUNT(*) FROM assignments WHERE task_id = ? "
                                             "GROUP BY reviewer", task_id):
            counts[str(reviewer)] = [0, int(assigned)]
        for reviewer, answered in self._rows("SELECT reviewer, COUNT(*) FROM answers WHERE task_id = ? "
                                             "GROUP BY reviewer", task_id):
            counts.setdefault(str(reviewer), [0, 0])[0] = int(answered)
        by_reviewer = {name: (done, total) for name, (done, total) in sorted(counts.items())}
        return Progress(answered=sum(done for done, _ in by_reviewer.values()),
                        assigned=sum(total for _, total in by_reviewer.values()), by_reviewer=by_reviewer)


def run_dirs_with_reviews(run_dirs: list[Path]) -> list[Path]:
    """The run directories that hold review tasks."""
    return [run_dir for run_dir in run_dirs if (Path(run_dir) / REVIEWS_FILE).is_file()]
