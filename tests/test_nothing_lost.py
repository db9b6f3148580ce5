"""Nothing finished is lost: a full disk, a read-only runs directory, Ctrl-C, and settings no run can honour."""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.data.evalsets import EvalSet, load_evalset
from workbench.data.prompts import PromptTemplate, get_prompt
from workbench.errors import WorkbenchError
from workbench.models import BackendEntry, BackendInfo, GenerationRequest, GenerationResult, ModelSpec
from workbench.models.registry import register_backend, unregister_backend
from workbench.run.cache import GenerationCache
from workbench.run.files import (
    RECORDS_FILE, GenerationRecord, RecordWriter, RunFileWriteError, read_records,
)
from workbench.run.runner import RunSettings, run_comparison

ECHO = ModelSpec(name="echo", backend="scripted", model="echo-source")


@pytest.fixture()
def evalset() -> EvalSet:
    return load_evalset("smoke-en")


@pytest.fixture()
def prompt(evalset: EvalSet) -> PromptTemplate:
    return get_prompt(evalset.manifest.default_prompt)


def _settings(runs: Path, **overrides: Any) -> RunSettings:
    return RunSettings(runs_dir=runs, show_progress=False, **overrides)


def _records_files(runs: Path, model: str) -> list[Path]:
    return sorted(runs.glob(f"*/{model}/{RECORDS_FILE}"))


def _cached(runs: Path) -> int:
    cache = GenerationCache(runs / "cache.sqlite")
    try:
        return len(cache)
    finally:
        cache.close()


def _record(case_id: str, index: int) -> GenerationRecord:
    return GenerationRecord(
        run_id="20260101-000000-abcdef", case_id=case_id, case_index=index, case_hash="sha256:0", model="echo",
        evalset="smoke-en", evalset_version="1.0", evalset_hash="sha256:1", prompt="p@1", prompt_version=1,
        prompt_hash="sha256:2", rendered_prompt_hash="sha256:3", messages=[{"role": "user", "content": "note"}],
        generation_settings={}, cache_key=f"key-{case_id}", output=f"summary of {case_id}",
    )


# --- a full disk ---------------------------------------------------------------------------------


class FillingDisk:
    """The writer's file on a disk that fills up: ``records`` writes go through, then only ``spare``
    more bytes fit and every later write raises ``OSError(code)``."""

    def __init__(self, real: Any, *, records: int, spare: int, code: int = errno.ENOSPC,
                 truncate_fails: bool = False) -> None:
        self.real = real
        self.records_left = records
        self.room: int | None = None
        self.spare = spare
        self.code = code
        self.truncate_fails = truncate_fails

    def write(self, data: bytes | memoryview) -> int:
        if self.room is None:
            if self.records_left > 0:
                self.records_left -= 1
                return int(self.real.write(data))
            self.room = self.spare
        if self.room <= 0:
            raise OSError(self.code, os.strerror(self.code))
        written = int(self.real.write(bytes(data[:self.room])))
        self.room -= written
        return written

    def truncate(self, size: int) -> int:
        if self.truncate_fails:
            raise OSError(self.code, os.strerror(self.code))
        return int(self.real.truncate(size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def _fill_disk_after(monkeypatch: pytest.MonkeyPatch, **how: Any) -> None:
    opened = RecordWriter.__init__

    def on_a_filling_disk(self: RecordWriter, directory: Path) -> None:
        opened(self, directory)
        self._handle = FillingDisk(self._handle, **how)  # type: ignore[assignment]

    monkeypatch.setattr(RecordWriter, "__init__", on_a_filling_disk)


@pytest.mark.parametrize(("code", "reason"), [
    (errno.ENOSPC, "no space left on the device"),
    (errno.EROFS, "the file system is read-only"),
    (errno.EACCES, "permission denied"),
])
def test_a_write_that_fails_mid_run_keeps_every_finished_case_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, evalset: EvalSet, prompt: PromptTemplate,
        code: int, reason: str) -> None:
    runs = tmp_path / "runs"
    _fill_disk_after(monkeypatch, records=2, spare=25, code=code)
    with pytest.raises(RunFileWriteError) as raised:
        run_comparison([ECHO], prompt, evalset, _settings(runs))
    assert isinstance(raised.value, WorkbenchError)
    [records_file] = _records_files(runs, "echo")
    message = str(raised.value)
    assert str(records_file) in message and reason in message
    assert "Kept: the 2 case(s)" in message and "response cache" in message
    assert f"case {evalset.cases[2].id!r} was not recorded" in message

    # The half-written third line was cut back: the file holds exactly the two finished records.
    assert records_file.read_bytes().endswith(b"\n")
    assert [r.case_id for r in read_records(records_file.parent)] == [c.id for c in evalset.cases[:2]]
    assert _cached(runs) == 3  # the third case was generated and cached before its record failed

    # Once there is room again, the same command takes the three finished cases from the cache.
    monkeypatch.undo()
    again = run_comparison([ECHO], prompt, evalset, _settings(runs))
    [evaluation] = again.evaluations
    assert evaluation.error is None
    assert sorted(r.case_id for r in evaluation.records) == sorted(c.id for c in evalset.cases)
    assert sum(r.cached for r in evaluation.records) == 3


def test_a_torn_last_line_is_never_read_as_a_record_and_is_cut_off_when_the_file_is_reopened(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "echo"
    writer = RecordWriter(directory)
    writer.write(_record("a", 0))
    writer.write(_record("b", 1))
    writer.close()
    records_file = directory / RECORDS_FILE
    whole = records_file.read_bytes()
    # A third record written whole but for its newline: complete JSON, still not a finished line.
    third = _record("c", 2).model_dump_json().encode("utf-8")
    records_file.write_bytes(whole + third)
    assert [r.case_id for r in read_records(directory)] == ["a", "b"]
    records_file.write_bytes(whole + third[:40])  # and one cut in the middle
    assert [r.case_id for r in read_records(directory)] == ["a", "b"]

    reopened = RecordWriter(directory)
    assert f"{records_file}: removed an unfinished last line (40 bytes)" in capsys.readouterr().err
    assert records_file.read_bytes() == whole
    reopened.write(_record("c", 2))
    reopened.close()
    assert [r.case_id for r in read_records(directory)] == ["a", "b", "c"]


def test_when_the_torn_line_cannot_even_be_cut_back_readers_and_the_next_writer_still_ignore_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "echo"
    writer = RecordWriter(directory)
    writer.write(_record("a", 0))
    writer._handle = FillingDisk(writer._handle, records=0, spare=30, truncate_fails=True)  # type: ignore[assignment]
    with pytest.raises(RunFileWriteError, match=r"no space left on the device; case 'b' was not recorded\. "
                                                r"Kept: the 1 case\(s\) already in "):
        writer.write(_record("b", 1))
    writer.close()
    records_file = directory / RECORDS_FILE
    assert not records_file.read_bytes().endswith(b"\n")  # 30 bytes of 'b' are left on disk
    assert [r.case_id for r in read_records(directory)] == ["a"]
    RecordWriter(directory).close()
    assert "removed an unfinished last line (30 bytes)" in capsys.readouterr().err
    assert [r.case_id for r in read_records(directory)] == ["a"]
    assert records_file.read_bytes().endswith(b"\n")


def test_a_record_file_whose_middle_line_is_broken_is_refused_with_its_line(tmp_path: Path) -> None:
    directory = tmp_path / "echo"
    good = _record("a", 0).model_dump_json()
    (directory).mkdir()
    (directory / RECORDS_FILE).write_text(good + "\n{not json\n" + good + "\n", encoding="utf-8")
    with pytest.raises(WorkbenchError, match=rf"{RECORDS_FILE}:2: not valid JSON"):
        read_records(directory)


# --- a runs directory that cannot be written ----------------------------------------------------


def test_a_read_only_runs_directory_is_refused_before_any_model_is_loaded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, evalset: EvalSet, prompt: PromptTemplate) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    runs.chmod(0o555)
    try:
        probe = runs / "probe"
        try:
            probe.touch()
        except PermissionError:
            pass
        else:  # root writes through any permission bits: make the check see what a user would
            probe.unlink()
            real_access = os.access

            def access(path: Any, mode: int, **kwargs: Any) -> bool:
                if Path(path) == runs and mode & os.W_OK:
                    return False
                return real_access(path, mode, **kwargs)

            monkeypatch.setattr(os, "access", access)
        opened: list[str] = []

        def factory(spec: ModelSpec, options: Any) -> Any:
            opened.append(spec.name)
            raise AssertionError("no model may be loaded")

        with pytest.raises(RunFileWriteError, match=rf"runs directory {runs} is not writable; nothing was run"):
            run_comparison([ECHO], prompt, evalset, _settings(runs, use_cache=False), backend_factory=factory)
        assert opened == []
        assert list(runs.iterdir()) == []
    finally:
        runs.chmod(0o755)


def test_a_runs_directory_that_cannot_be_created_is_refused(
        tmp_path: Path, evalset: EvalSet, prompt: PromptTemplate) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(RunFileWriteError, match=rf"runs directory {blocker / 'runs'} cannot be created"):
        run_comparison([ECHO], prompt, evalset, _settings(blocker / "runs"))


# --- invalid settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(("overrides", "problem"), [
    ({"concurrency": 0}, "concurrency must be a whole number of at least 1, got 0"),
    ({"concurrency": -3}, "concurrency must be a whole number of at least 1, got -3"),
    ({"warmup": -1}, "warmup must be a whole number of at least 0, got -1"),
    ({"limit": 0}, r"limit must be a whole number of at least 1 \(or none for every case\), got 0"),
])
def test_settings_no_run_can_honour_are_refused_before_anything_runs(
        tmp_path: Path, evalset: EvalSet, prompt: PromptTemplate, overrides: dict[str, int], problem: str) -> None:
    runs = tmp_path / "runs"
    with pytest.raises(WorkbenchError, match=rf"^invalid run settings: {problem}$"):
        run_comparison([ECHO], prompt, evalset, _settings(runs, **overrides))
    assert not runs.exists()


# --- Ctrl-C ---------------------------------------------------------------------------------------------


class GatedBackend:
    """Answers the first case at once; the second only when ``release`` is set (then sets ``second_done``);
    any later case at once."""

    def __init__(self, spec: ModelSpec, release: threading.Event, second_done: threading.Event,
                 second_case: str) -> None:
        self.spec = spec
        self.release = release
        self.second_done = second_done
        self.second_case = second_case

    def info(self) -> BackendInfo:
        return BackendInfo(backend="gated", backend_version="1", model_id="gate", max_concurrency=2)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        case_id = request.request_id.rsplit(":", 1)[-1]
        if case_id == self.second_case and not self.release.is_set():
            assert self.release.wait(timeout=30)
            result = GenerationResult(request_id=request.request_id, output=f"summary of {case_id}")
            self.second_done.set()
            return result
        return GenerationResult(request_id=request.request_id, output=f"summary of {case_id}")

    def close(self) -> None:
        pass


@pytest.fixture()
def gated(evalset: EvalSet) -> Iterator[tuple[threading.Event, threading.Event]]:
    release, second_done = threading.Event(), threading.Event()
    register_backend(BackendEntry(
        name="gated-test", description="a test backend whose second case waits to be released",
        open=lambda spec, options: GatedBackend(spec, release, second_done, evalset.cases[1].id),
    ))
    try:
        yield release, second_done
    finally:
        unregister_backend("gated-test")


def test_ctrl_c_still_records_and_caches_a_case_that_had_finished_generating(
        tmp_path: Path, evalset: EvalSet, prompt: PromptTemplate,
        gated: tuple[threading.Event, threading.Event]) -> None:
    release, second_done = gated
    spec = ModelSpec(name="gate", backend="gated-test", model="gate")
    runs = tmp_path / "runs"
    seen: list[str] = []

    def interrupt_after_the_first_record(record: GenerationRecord) -> None:
        seen.append(record.case_id)
        if len(seen) == 1:
            # While the first case is being recorded the second finishes generating; then Ctrl-C arrives.
            release.set()
            assert second_done.wait(timeout=30)
            time.sleep(0.3)  # its future is marked done just after generate returns
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_comparison([spec], prompt, evalset, _settings(runs, concurrency=2),
                       on_record=interrupt_after_the_first_record)
    [records_file] = _records_files(runs, "gate")
    first, second = evalset.cases[0].id, evalset.cases[1].id
    assert sorted(r.case_id for r in read_records(records_file.parent)) == sorted([first, second])
    assert _cached(runs) == 2

    # The same command again generates only the two cases that had not finished.
    again = run_comparison([spec], prompt, evalset, _settings(runs, concurrency=2))
    [evaluation] = again.evaluations
    assert evaluation.error is None
    assert {r.case_id for r in evaluation.records if r.cached} == {first, second}
    assert len(evaluation.records) == len(evalset.cases)
