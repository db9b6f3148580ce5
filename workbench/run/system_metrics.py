"""Sample CPU, memory and (where NVML finds a GPU) GPU memory while a model generates."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import psutil


@dataclass(frozen=True)
class SystemSample:
    elapsed_s: float
    cpu_percent: float  # whole machine, all cores
    process_cpu_percent: float  # this process (can exceed 100 on several cores)
    process_rss_mb: float
    memory_used_percent: float
    gpu_memory_used_mb: float | None = None
    gpu_utilization_percent: float | None = None


class _GPU:
    """NVML handles for GPU 0, or nothing when pynvml or a GPU is missing."""

    def __init__(self) -> None:
        self.handle: Any = None
        try:
            import pynvml

            pynvml.nvmlInit()
            self.handle = pynvml.nvmlDeviceGetHandleByIndex(0)
            self._nvml = pynvml
        except Exception:
            self.handle = None

    def read(self) -> tuple[float | None, float | None]:
        if self.handle is None:
            return None, None
        memory = self._nvml.nvmlDeviceGetMemoryInfo(self.handle)
        utilization = self._nvml.nvmlDeviceGetUtilizationRates(self.handle)
        return memory.used / 2**20, float(utilization.gpu)


class SystemSampler:
    """Background sampler; use as a context manager around the generation phase."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self.samples: list[SystemSample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="system-sampler", daemon=True)
        self._process = psutil.Process()
        self._gpu = _GPU()

    def __enter__(self) -> "SystemSampler":
        psutil.cpu_percent(None)
        self._process.cpu_percent(None)
        self._start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._take()

    def _take(self) -> None:
        gpu_memory, gpu_utilization = self._gpu.read()
        self.samples.append(SystemSample(
            elapsed_s=time.perf_counter() - self._start,
            cpu_percent=psutil.cpu_percent(None),
            process_cpu_percent=self._process.cpu_percent(None),
            process_rss_mb=self._process.memory_info().rss / 2**20,
            memory_used_percent=psutil.virtual_memory().percent,
            gpu_memory_used_mb=gpu_memory,
            gpu_utilization_percent=gpu_utilization,
        ))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._take()

    def summary(self) -> dict[str, float | None]:
        """Mean and peak of each series, as metrics (``system_...``)."""
        figures: dict[str, float | None] = {}
        for name in ("cpu_percent", "process_cpu_percent", "process_rss_mb", "memory_used_percent",
                     "gpu_memory_used_mb", "gpu_utilization_percent"):
            values = [getattr(s, name) for s in self.samples if getattr(s, name) is not None]
            figures[f"system_{name}_mean"] = sum(values) / len(values) if values else None
            figures[f"system_{name}_max"] = max(values) if values else None
        return figures

    def as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(sample) for sample in self.samples]
