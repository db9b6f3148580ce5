"""Scoring at hospital scale: a synthetic set of 10,000 cases scored end to end, with peak memory.

The script writes, in a temporary directory, an English set of synthetic clinical notes
(about 400 words each, from templates with varied names, record numbers, dates, phone
numbers and clinical values; gold PHI spans marked) and one synthetic output per case (a
sectioned summary that keeps, drops or changes the note's values and sometimes repeats an
identifier). Each size is then scored in a fresh process the way ``workbench score`` and
the runner score: the set and the predictions are read from disk, every default scorer runs
(``score_outputs``, with the runner's number of scoring processes unless ``--workers`` says),
and ``scores.jsonl`` is written. The PHI detector follows the runner's default: off, since the
set has gold spans (``--detect-phi`` turns it on).

Printed per size: cases, scoring processes, wall time and CPU time (of every process: they part on
a shared machine and with workers), pairs/s, and peak resident memory: the main process's ``ru_maxrss``
(interpreter and imports included) plus, with workers, the largest worker's for each of them
(an upper bound of all of them at once), and the growth of time and memory per doubling.

    .venv/bin/python bench/bench_scale_scoring.py [--sizes 2500,5000,10000] [--workers N] [--detect-phi]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbench.data.evalsets import Case, Manifest, PHISpan, load_evalset_dir, write_cases, write_manifest
from workbench.data.predictions import read_predictions

SECTIONS = ("Chief Complaint:", "History of Present Illness:", "Key Findings:", "Assessment and Plan:")
FIRST = ("Harold", "Maureen", "Priya", "Tomasz", "Ngozi", "Elena", "Kenji", "Aisha", "Rafael", "Ingrid", "Malik", "Sofia")
LAST = ("Whitcombe", "Delgado", "Okafor", "Nakamura", "Lindqvist", "Haddad", "Kowalski", "Brennan", "Achebe", "Moreau")
COMPLAINTS = (
    ("chest pain", "crushing substernal chest pain radiating to the left arm", "acute inferior myocardial infarction"),
    ("shortness of breath", "progressive breathlessness on exertion and orthopnoea", "decompensated heart failure"),
    ("fever and cough", "productive cough with rigors and pleuritic pain", "community-acquired pneumonia"),
    ("abdominal pain", "colicky right upper quadrant pain after fatty meals", "acute cholecystitis"),
    ("confusion", "new confusion, reduced oral intake and dysuria", "urosepsis with delirium"),
)
FILLER = (
    "The patient was reviewed on the ward round with the nursing team and the family present.",
    "Medications were reconciled against the pharmacy record and the community prescription list.",
    "Observations were repeated every four hours overnight without escalation by the outreach team.",
    "Social history was taken again: lives with family, independent with daily activities, no carers.",
    "The plan was discussed with the patient, who understood and agreed with the proposed management.",
    "Allergies were checked again and no new reactions were reported during this admission so far.",
    "Mobility was assessed by physiotherapy, who advised a frame for longer distances on the ward.",
    "Diet was reviewed by the dietitian, and oral supplements were started twice a day with meals.",
)


def _note(rng: random.Random, index: int) -> tuple[Case, str]:
    """One synthetic case (source with gold PHI spans, sectioned reference) and a synthetic output."""
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    relative = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    mrn = f"{rng.randrange(10_000_000, 99_999_999)}"
    phone = f"({rng.randrange(201, 989)}) 555-{rng.randrange(1000, 9999)}"
    day = f"{rng.randrange(1, 13):02d}/{rng.randrange(1, 29):02d}/2026"
    age = rng.randrange(19, 88)
    complaint, story, diagnosis = rng.choice(COMPLAINTS)
    values = {
        "BP": f"{rng.randrange(95, 190)}/{rng.randrange(50, 110)} mmHg",
        "HR": f"{rng.randrange(48, 130)} bpm",
        "SpO2": f"{rng.randrange(86, 100)}%",
        "temperature": f"{rng.randrange(355, 401) / 10:.1f} °C",
        "Hb": f"{rng.randrange(80, 170)} g/L",
        "potassium": f"{rng.randrange(30, 60) / 10:.1f} mmol/L",
        "creatinine": f"{rng.randrange(50, 300)} umol/L",
        "glucose": f"{rng.randrange(40, 200) / 10:.1f} mmol/L",
    }
    measured = ", ".join(f"{analyte} {value}" for analyte, value in values.items())
    parts: list[tuple[str, str | None]] = [
        ("ADMISSION NOTE. Patient: ", None), (name, "NAME"), (f", {age}-year-old, MRN ", None), (mrn, "MRN"),
        (". Seen ", None), (day, "DATE"), (f". Presents with {complaint}: {story}. ", None),
        (f"Observations and results: {measured}. ", None),
        ("Next of kin ", None), (relative, "NAME"), (" can be reached at ", None), (phone, "PHONE"), (". ", None),
    ]
    filler = " ".join(rng.choice(FILLER) for _ in range(24))
    parts.append((filler, None))
    source, spans = "", []
    for text, label in parts:
        if label is not None:
            spans.append(PHISpan(start=len(source), end=len(source) + len(text), label=label))
        source += text
    kept = [f"{analyte} {value}" for analyte, value in values.items()]
    reference = "\n".join([
        f"Chief Complaint: {complaint.capitalize()}.",
        f"History of Present Illness: {age}-year-old with {story}.",
        f"Key Findings: {', '.join(kept)}.",
        f"Assessment and Plan: {diagnosis.capitalize()}; admit, treat and review daily.",
    ])
    shown = [item for item in kept if rng.random() < 0.8]
    if rng.random() < 0.3:  # a changed value: an invented number
        shown.append(f"HR {rng.randrange(48, 130)} bpm")
    output_lines = [
        f"Chief Complaint: {complaint}.",
        f"History of Present Illness: {story}, in a {age}-year-old" + (f" ({name})." if rng.random() < 0.2 else "."),
        f"Key Findings: {', '.join(shown)}.",
    ]
    if rng.random() < 0.9:
        output_lines.append(f"Assessment and Plan: likely {diagnosis}; {rng.choice(FILLER).lower()}")
    case = Case(id=f"case-{index:05d}", language="en", source=source, reference=reference, phi=tuple(spans))
    return case, "\n".join(output_lines)


def write_synthetic_set(directory: Path, count: int, seed: int = 0) -> Path:
    """Write ``count`` cases (``cases.jsonl``, ``manifest.yaml``) and ``predictions.jsonl`` under ``directory``."""
    rng = random.Random(seed)
    notes = [_note(rng, index) for index in range(count)]
    directory.mkdir(parents=True, exist_ok=True)
    cases = [case for case, _output in notes]
    write_cases(directory / "cases.jsonl", cases)
    manifest = Manifest(name=f"synthetic-{count}", version="1", language="en", task="summary",
                        default_prompt="clinical-summary-en@1", description="Synthetic notes for the scoring benchmark.",
                        required_sections=SECTIONS)
    write_manifest(directory, manifest, cases)
    predictions = directory / "predictions.jsonl"
    with predictions.open("w", encoding="utf-8") as handle:
        for case, output in notes:
            handle.write(json.dumps({"id": case.id, "prediction": output}) + "\n")
    return predictions


def score_directory(directory: Path, detect_phi: bool, workers: int | None) -> dict[str, float]:
    """Read the set and predictions, score every case with the default scorers, write scores.jsonl: timed."""
    from workbench.run.files import CaseScores, write_scores
    from workbench.scoring.parallel import workers_for
    from workbench.scoring.scorer import score_outputs

    start, cpu_start = time.perf_counter(), time.process_time()
    evalset = load_evalset_dir(directory)
    outputs = read_predictions(directory / "predictions.jsonl").outputs
    detector = None
    if detect_phi or not any(case.phi for case in evalset.cases):  # the runner's default
        from workbench.scoring.phi_detector import PHIDetector

        detector = PHIDetector()
    processes = workers_for(len(outputs)) if workers is None else workers
    report = score_outputs(evalset, outputs, detector=detector, workers=processes)
    write_scores(directory, [CaseScores.model_validate(case) for case in report.to_json()["cases"]])
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, all ended by now
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start + children.ru_utime + children.ru_stime
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    worker_kib = children.ru_maxrss if processes > 1 else 0
    return {"cases": len(report.cases), "workers": processes, "wall_s": wall, "cpu_s": cpu,
            "peak_mib": (peak_kib + (processes - 1) * worker_kib) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2500,5000,10000", help="comma-separated case counts")
    parser.add_argument("--detect-phi", action="store_true", help="also run the PHI detector on every output")
    parser.add_argument("--workers", type=int, help="scoring processes (default: as the runner chooses)")
    parser.add_argument("--score-only", type=Path, help=argparse.SUPPRESS)  # one size, in this process
    args = parser.parse_args()
    if args.score_only is not None:
        print(json.dumps(score_directory(args.score_only, args.detect_phi, args.workers)))
        return

    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="scale-scoring-") as temporary:
        for size in (int(text) for text in args.sizes.split(",")):
            directory = Path(temporary) / f"set-{size}"
            write_synthetic_set(directory, size)
            command = [sys.executable, __file__, "--score-only", str(directory)] + (["--detect-phi"] if args.detect_phi else [])
            command += ["--workers", str(args.workers)] if args.workers is not None else []
            result = subprocess.run(command, check=True, capture_output=True, text=True)
            rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    print(f"synthetic English notes (~400 words), default scorers, detector {'on' if args.detect_phi else 'off (gold spans)'}")
    print(f"{'cases':>7} {'procs':>5} {'wall s':>8} {'CPU s':>8} {'pairs/s':>9} {'per CPU s':>10} {'peak MiB':>9}")
    for row in rows:
        print(f"{row['cases']:>7.0f} {row['workers']:>5.0f} {row['wall_s']:>8.2f} {row['cpu_s']:>8.2f} {row['cases'] / row['wall_s']:>9.1f} "
              f"{row['cases'] / row['cpu_s']:>10.1f} {row['peak_mib']:>9.0f}")
    for smaller, larger in zip(rows, rows[1:]):
        if larger["cases"] == 2 * smaller["cases"]:
            print(f"doubling {smaller['cases']:.0f} -> {larger['cases']:.0f}: time x{larger['wall_s'] / smaller['wall_s']:.2f}, "
                  f"peak memory x{larger['peak_mib'] / smaller['peak_mib']:.2f}")


if __name__ == "__main__":
    main()
