"""One first-come-first-served queue per device, so several users never load one GPU at once.

Model work (an evaluation run, a playground request) names the devices its models occupy
(``device_key``) and waits for all of them; waiting work can report its place in line.
Devices are always taken in sorted order, so two jobs that need the same two devices
cannot deadlock.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from workbench.models.registry import get_backend
from workbench.models.spec import ModelSpec


def device_key(spec: ModelSpec) -> str:
    """The device a model's work runs on: the local CPU or GPU, or the server behind an endpoint."""
    return get_backend(spec.backend).device_of(spec)


class DeviceQueue:
    """A FIFO lock for one device: ``acquire`` serves callers in the order they arrived."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._condition = threading.Condition()
        self._tickets = itertools.count()
        self._serving = 0
        self._waiting: list[int] = []
        self._abandoned: set[int] = set()

    def waiting(self) -> int:
        with self._condition:
            return len(self._waiting)

    def acquire(self, on_wait: Callable[[int], None] | None = None, poll_s: float = 0.5) -> None:
        """Block until this caller's turn; ``on_wait(jobs ahead)`` is called while waiting."""
        with self._condition:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
            try:
                while ticket != self._serving:
                    if on_wait is not None:
                        on_wait(ticket - self._serving)
                    self._condition.wait(timeout=poll_s)
            except BaseException:  # a caller that gives up while waiting must not block those behind it
                self._abandoned.add(ticket)
                self._skip_abandoned()
                raise
            finally:
                self._waiting.remove(ticket)

    def release(self) -> None:
        with self._condition:
            self._serving += 1
            self._skip_abandoned()

    def _skip_abandoned(self) -> None:
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1
        self._condition.notify_all()


class DeviceQueues:
    """The queues of every device this process has seen, created on first use."""

    def __init__(self) -> None:
        self._queues: dict[str, DeviceQueue] = {}
        self._lock = threading.Lock()

    def queue(self, device: str) -> DeviceQueue:
        with self._lock:
            return self._queues.setdefault(device, DeviceQueue(device))

    @contextmanager
    def hold(self, devices: list[str], on_wait: Callable[[str, int], None] | None = None) -> Iterator[None]:
        taken: list[DeviceQueue] = []
        try:
            for device in sorted(set(devices)):
                queue = self.queue(device)
                queue.acquire(None if on_wait is None else (lambda ahead, d=device: on_wait(d, ahead)))
                taken.append(queue)
            yield
        finally:
            for queue in reversed(taken):
                queue.release()
