"""Content scores of a large set computed by several processes at once.

The content scores (:func:`~workbench.scoring.scorer.content_scores`: ROUGE, clinical values,
structure, plausibility, lengths, gold PHI leakage) are pure functions of a case and its output,
so a large set is cut into one contiguous slice per worker. This process scores the first slice
while each other slice goes to a fresh ``python -m workbench.scoring.parallel`` over a pipe, and
the slices are put back together in case order: the scores are the same as one process gives.

Workers are plain child processes of this interpreter, not ``multiprocessing`` ones, so nothing of
the calling program is imported again in them (a notebook, a script without a ``__main__`` guard,
the UI server with its threads), and the data never leaves the machine. A worker that fails is
reported in the log and its slice scored here: nothing already computed is lost.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.data.evalsets import Case

_logger = logging.getLogger(__name__)

# Below this many cases a worker's start (an interpreter and the scoring modules, about a second) costs
# more than it saves; each worker is given at least this many cases.
PARALLEL_MIN_CASES = 2000
MAX_WORKERS = 8


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_for(cases: int, cores: int | None = None) -> int:
    """How many processes score ``cases`` cases by default: one per core, at most :data:`MAX_WORKERS`,
    each with at least :data:`PARALLEL_MIN_CASES` cases (so one for a set below twice that)."""
    cores = available_cores() if cores is None else cores
    return max(1, min(cores, MAX_WORKERS, cases // PARALLEL_MIN_CASES))


@dataclass(frozen=True)
class ScoringTask:
    """What a worker needs to score its slice: the cases, their outputs and the set's scoring settings."""

    cases: tuple[Case, ...]
    outputs: tuple[str, ...]
    required_sections: tuple[str, ...]
    synonyms: dict[str, tuple[str, ...]] | None
    rouge: str

    def run(self) -> list[dict[str, Any]]:
        from workbench.scoring.scorer import content_scores, cycle_collector_paused

        with cycle_collector_paused():
            return [content_scores(case, output, self.required_sections, self.synonyms, self.rouge)
                    for case, output in zip(self.cases, self.outputs)]


def _slices(count: int, parts: int) -> list[range]:
    """``range(count)`` cut into ``parts`` contiguous slices whose sizes differ by at most one."""
    size, extra = divmod(count, parts)
    bounds = [0]
    for index in range(parts):
        bounds.append(bounds[-1] + size + (1 if index < extra else 0))
    return [range(start, end) for start, end in zip(bounds, bounds[1:])]


class _Worker:
    """One child process scoring one task: the task is written and the scores read on a thread of its own,
    so this process scores its own slice meanwhile."""

    def __init__(self, task: ScoringTask) -> None:
        self.task = task
        self.scores: list[dict[str, Any]] | None = None
        self.failure: str | None = None
        self._thread = threading.Thread(target=self._run, name="scoring-worker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
        try:
            with tempfile.TemporaryFile() as errors:
                process = subprocess.Popen([sys.executable, "-m", "workbench.scoring.parallel"], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, stderr=errors, env=environment)
                assert process.stdin is not None and process.stdout is not None
                # One write and one read, each a single blocking call that lets go of the interpreter lock: sent
                # piece by piece (``communicate``), every piece would wait for the lock that this process's own
                # scoring holds, and the worker would get its cases only once this process was done.
                with process.stdin:
                    process.stdin.write(pickle.dumps(self.task, protocol=pickle.HIGHEST_PROTOCOL))
                answer = process.stdout.read()
                process.stdout.close()
                process.wait()
                if process.returncode != 0:
                    errors.seek(0)
                    tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
                    self.failure = f"exit status {process.returncode}: {' / '.join(tail) or 'no message'}"
                    return
            scores = pickle.loads(answer)
            if len(scores) != len(self.task.cases):
                self.failure = f"{len(scores)} scores for {len(self.task.cases)} cases"
                return
            self.scores = scores
        except Exception as exc:  # the process could not start, or its answer could not be read
            self.failure = f"{type(exc).__name__}: {exc}"

    def result(self) -> list[dict[str, Any]]:
        """The task's scores; a worker that failed is reported and its slice scored in this process."""
        self._thread.join()
        if self.scores is not None:
            return self.scores
        first, last = self.task.cases[0].id, self.task.cases[-1].id
        _logger.warning("a scoring worker failed (%s); its %d cases (%s … %s) are scored in this process",
                        self.failure, len(self.task.cases), first, last)
        return self.task.run()


def content_scores_in_workers(cases: Sequence[Case], outputs: dict[str, str], required_sections: tuple[str, ...],
                              synonyms: dict[str, tuple[str, ...]] | None, rouge: str, *,
                              workers: int) -> list[dict[str, Any]]:
    """:func:`~workbench.scoring.scorer.content_scores` of every case of ``cases`` with its output, in case
    order, computed by ``workers`` processes (this one included)."""
    slices = _slices(len(cases), max(1, min(workers, len(cases))))
    tasks = [ScoringTask(cases=tuple(cases[index] for index in part),
                         outputs=tuple(outputs[cases[index].id] for index in part),
                         required_sections=required_sections, synonyms=synonyms, rouge=rouge)
             for part in slices]
    children = [_Worker(task) for task in tasks[1:]]
    scores = tasks[0].run()
    for child in children:
        scores.extend(child.result())
    return scores


def _serve() -> None:
    """A worker: read one pickled :class:`ScoringTask` from stdin, write its pickled scores to stdout."""
    from workbench.scoring.parallel import ScoringTask as Task  # the class the caller pickled, not __main__'s copy

    task = pickle.load(sys.stdin.buffer)
    if not isinstance(task, Task):
        raise SystemExit(f"expected a ScoringTask on stdin, got {type(task).__name__}")
    pickle.dump(task.run(), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _serve()
