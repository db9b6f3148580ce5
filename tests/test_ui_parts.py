"""The pieces behind the browser UI, on real inputs: device queues, audit log, case view, saved cases."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from workbench.privacy.audit import AuditLog, text_hash
from workbench.run.run_cases import RunCases, highlighted, output_phi_spans
from workbench.run.device_queue import DeviceQueues, device_key
from workbench.data.evalset_tools import validate_evalset_dir
from workbench.data.evalsets import EvalSetError, load_evalset, load_evalset_dir
from workbench.track.leaderboard import LeaderboardEntry, leaderboard_headers, ranked_rows
from workbench.run.files import CaseScores, GenerationRecord
from workbench.models.catalogue import get_model_spec
from workbench.run.playground import guess_language, save_as_case


def test_device_queue_serves_jobs_one_at_a_time_in_arrival_order() -> None:
    queues = DeviceQueues()
    order: list[int] = []
    inside = 0
    peak = 0
    lock = threading.Lock()
    waits: list[tuple[str, int]] = []

    def job(number: int) -> None:
        nonlocal inside, peak
        with queues.hold(["cpu"], on_wait=lambda device, ahead: waits.append((device, ahead))):
            with lock:
                inside += 1
                peak = max(peak, inside)
                order.append(number)
            time.sleep(0.05)
            with lock:
                inside -= 1

    threads = []
    for number in range(5):
        thread = threading.Thread(target=job, args=(number,))
        thread.start()
        threads.append(thread)
        time.sleep(0.01)  # arrive in order
    for thread in threads:
        thread.join(10)
    assert order == [0, 1, 2, 3, 4]
    assert peak == 1
    assert waits and all(device == "cpu" and ahead >= 1 for device, ahead in waits)


def test_a_job_that_gives_up_while_waiting_does_not_block_the_queue() -> None:
    queues = DeviceQueues()
    release = threading.Event()
    holder_started = threading.Event()

    def holder() -> None:
        with queues.hold(["gpu"]):
            holder_started.set()
            release.wait(5)

    def impatient(device: str, ahead: int) -> None:
        raise TimeoutError("the page was closed")

    first = threading.Thread(target=holder)
    first.start()
    holder_started.wait(5)
    with pytest.raises(TimeoutError):
        with queues.hold(["gpu"], on_wait=impatient):
            pass
    release.set()
    first.join(5)
    done = threading.Event()
    threading.Thread(target=lambda: (queues.hold(["gpu"]).__enter__(), done.set())).start()
    assert done.wait(5), "the queue stayed blocked by the job that gave up"


def test_device_of_each_backend() -> None:
    assert device_key(get_model_spec("smollm2-135m")) == "cpu"
    assert device_key(get_model_spec("qwen3-14b")) == "gpu"


def test_audit_log_keeps_hashes_not_text(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit" / "log.jsonl")
    note = "Patient Jane Roe, MRN 123456, chest pain."
    entry = log.record(user="alice", action="playground.run", models=["smollm2-135m"], inputs={"note": note},
                       details={"prompt": "clinical-summary-en@1"})
    assert entry.input_hashes == {"note": text_hash(note)}
    text = log.path.read_text(encoding="utf-8")
    assert "Jane" not in text and "123456" not in text and "chest pain" not in text
    assert log.entries()[0].user == "alice" and log.entries()[0].models == ["smollm2-135m"]


def test_cases_where_models_disagree_come_first_and_phi_is_marked() -> None:
    evalset = load_evalset("smoke-en")
    first, second = evalset.cases[0], evalset.cases[1]
    name = first.source[first.phi[0].start:first.phi[0].end]
    run = RunCases(run_id="r", run_dir=Path("."), evalset=evalset.head(2), models=["a", "b"])
    def record(output: str) -> GenerationRecord:
        return GenerationRecord.model_construct(output=output, error=None)

    def scores(case_id: str, **values: object) -> CaseScores:
        return CaseScores.model_validate({"id": case_id, **values})

    run.records = {"a": {first.id: record(f"Patient {name}."), second.id: record("x")},
                   "b": {first.id: record("A summary."), second.id: record("y")}}
    run.scores = {
        "a": {first.id: scores(first.id, rougeL=0.30, phi_case_leak_rate=0.5,
                               phi_leaked=[{"label": first.phi[0].label, "text": name}]),
              second.id: scores(second.id, rougeL=0.40, phi_case_leak_rate=0.0)},
        "b": {first.id: scores(first.id, rougeL=0.35, phi_case_leak_rate=0.0),
              second.id: scores(second.id, rougeL=0.10, phi_case_leak_rate=0.0)},
    }
    ordered = run.ordered()
    assert [item.case_id for item in ordered] == [first.id, second.id]  # 0.05 + 0.5 beats 0.3
    assert ordered[0].disagreement == pytest.approx(0.55)
    view = run.view(first.id)
    marked = view.outputs[0].spans
    assert [(span.label, view.outputs[0].output[span.start:span.end]) for span in marked] == [
        (f"leaked {first.phi[0].label}", name)]
    assert view.outputs[1].spans == []
    assert highlighted(view.source, view.source_spans)["entities"][0] == {
        "entity": first.phi[0].label, "start": first.phi[0].start, "end": first.phi[0].end}


def test_overlapping_marks_keep_the_first_and_longest() -> None:
    scores = CaseScores(id="c", phi_leaked=[{"label": "NAME", "text": "Jane Roe"}],
                        phi_detected=[{"label": "NAME", "text": "Roe", "origin": "copied"},
                                      {"label": "DATE", "text": "03/01/2026", "origin": "invented"}])
    spans = output_phi_spans("Jane Roe was seen 03/01/2026.", scores)
    assert [(s.label, s.start, s.end) for s in spans] == [("leaked NAME", 0, 8), ("invented DATE", 18, 28)]


def test_saving_a_pasted_note_makes_a_valid_versioned_set(tmp_path: Path) -> None:
    sets_root = tmp_path / "evalsets"
    set_dir = sets_root / "ward-notes"
    save_as_case("Fever 38.9 °C for two days, CRP 120 mg/L.", sets_root=sets_root, set_name="ward-notes", case_id="note-1",
                 reference="Fever 38.9 °C; CRP 120 mg/L.")
    first = load_evalset_dir(set_dir)
    assert first.manifest.version == "1.0" and [c.id for c in first.cases] == ["note-1"]
    save_as_case("Cough for a week, SpO2 93%.", sets_root=sets_root, set_name="ward-notes", case_id="note-2",
                 reference="Cough; SpO2 93%.")
    second = load_evalset_dir(set_dir)
    assert second.manifest.version == "1.1" and second.cases[1].reference == "Cough; SpO2 93%."
    assert second.content_hash() != first.content_hash()
    assert validate_evalset_dir(set_dir).ok
    with pytest.raises(EvalSetError, match="already exists"):
        save_as_case("Another note.", sets_root=sets_root, set_name="ward-notes", case_id="note-1", reference="x")
    with pytest.raises(ValueError, match="case id"):
        save_as_case("Another note.", sets_root=sets_root, set_name="ward-notes", case_id="has space", reference="x")
    with pytest.raises(EvalSetError, match="is in language 'en', this note is 'zh'"):
        save_as_case("患者发热3天，体温39.1℃。", sets_root=sets_root, set_name="ward-notes", case_id="note-3",
                     reference="发热3天。")
    with pytest.raises(ValueError, match="empty"):
        save_as_case("  ", sets_root=sets_root, set_name="ward-notes", case_id="note-3", reference="x")
    assert guess_language("BP 120/80 mmHg") == "en" and guess_language("体温39.1℃，BP 120/80") == "zh"


NOTE_WITH_PHI = ("Clinic note. Patient: Rosalind Ashgrove, MRN 77120456, seen 02/09/2026. Cough for 3 weeks, "
                 "temperature 38.4 °C. Plan: amoxicillin.")


def test_a_saved_case_keeps_the_highlighted_identifiers_as_gold_phi_and_needs_a_reference(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from workbench.privacy.audit import AuditLog
    from workbench.run.playground import source_phi
    from workbench.scoring.phi_detector import PHIDetector
    from workbench.ui.app import UIConfig, save_playground_case

    config = UIConfig(runs_dir=tmp_path / "runs", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
                      audit=AuditLog(tmp_path / "audit.jsonl"), saved_cases_dir=tmp_path / "evalsets")
    request = SimpleNamespace(username=None, session_hash="s1")
    refused = save_playground_case(config, NOTE_WITH_PHI, "   ", "ward", "c1", request)
    assert refused.startswith("**Not saved:**") and "reference" in refused, refused
    assert not (tmp_path / "evalsets" / "ward").exists()

    status = save_playground_case(config, NOTE_WITH_PHI, "Cough for 3 weeks, 38.4 °C; amoxicillin.", "ward", "c1",
                                  request)
    assert status.startswith("Saved case") and "gold PHI span" in status, status
    saved = load_evalset_dir(tmp_path / "evalsets" / "ward")
    assert validate_evalset_dir(tmp_path / "evalsets" / "ward").ok
    (case,) = saved.cases
    highlighted_in_playground = {(f.label, f.text) for f in source_phi(NOTE_WITH_PHI, "en", PHIDetector())}
    gold = {(span.label, case.source[span.start:span.end]) for span in case.phi}
    assert gold == highlighted_in_playground and ("NAME", "Rosalind Ashgrove") in gold and ("MRN", "77120456") in gold
    assert case.reference == "Cough for 3 weeks, 38.4 °C; amoxicillin."
    # The saved case scores PHI leakage: a copy of the note leaks every gold item, a clean summary none.
    from workbench.scoring.phi import case_leakage

    assert case_leakage(case, NOTE_WITH_PHI).leak_rate == 1.0
    assert case_leakage(case, case.reference).leak_rate == 0.0


def _entry(model: str, evalset_hash: str, rouge: float, started: int) -> LeaderboardEntry:
    return LeaderboardEntry(mlflow_run_id=model + evalset_hash, parent_run_id=None, run_id="run", run_dir=None,
                            started_ms=started, model=model, evalset="smoke-en", evalset_version="1",
                            evalset_hash=evalset_hash, prompt="clinical-summary-en@1", prompt_uri="", cases=2,
                            error=None, metrics={"rougeL": rouge, "rougeL_ci_low": rouge - 0.1, "rougeL_ci_high": rouge + 0.1})


def test_leaderboard_ranks_only_within_comparable_groups() -> None:
    rows = ranked_rows([_entry("a", "sha256:111111111111aaaa", 0.2, 3), _entry("b", "sha256:111111111111aaaa", 0.4, 2),
                        _entry("c", "sha256:222222222222bbbb", 0.9, 1)])
    # No run directories, so no test separates b from a: they share the rank (b first on the point estimate).
    assert [(row[1], row[2]) for row in rows] == [("1=", "b"), ("1=", "a"), ("1", "c")]
    assert rows[0][0] != rows[2][0]
    assert rows[0][leaderboard_headers().index("ROUGE-L ↑ [95% CI]")] == "0.400 [0.300, 0.500]"
