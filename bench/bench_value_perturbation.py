"""How often ``value_fidelity`` catches a one-digit change of a clinical value.

For every case of the shipped sets ``clinical-summary-en`` and ``inpatient-summary-zh`` the
reference summary is taken as the model output. Each value that ``extract_values`` finds in it
is changed in turn (its last written digit d becomes (d + 1) mod 10; one change per output) and
the changed output is scored against the case's reference and source. Two shares of changes
detected: "kept or invented", when the value is counted as not kept (fewer reference values kept
than by the unchanged reference) or as invented (more invented values than the unchanged
reference has); and "invented", the second alone: what the source by itself catches, as for a
set without references. The last column is the false alarms: values of the unchanged references
counted as invented.

Two figures per language: "before", the value scoring of commit 32063a7 (number + unit only,
read from git), and "after", the current ``workbench.scoring.values``.

    .venv/bin/python bench/bench_value_perturbation.py [--missed] [--baseline REV:PATH | --baseline none]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import types
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.data.evalsets import Case, load_evalset
from workbench.scoring import values as current_values

SETS = ("clinical-summary-en", "inpatient-summary-zh")
BASELINE = "32063a7:workbench/scoring/summary.py"
ROOT = Path(__file__).resolve().parents[1]
# The written number of a value: from its first digit on, digits and the separators of
# thousands, decimals, ratios and ranges ("4,500", "150/90", "3-5", "3至5").
_NUMBER_RUN = re.compile(r"\d(?:[\d.,/~至+\s–-]*\d)?")


@dataclass(frozen=True)
class Perturbation:
    case_id: str
    original: str
    changed: str
    context: str  # the changed line, up to just after the value
    detected: bool  # not kept or invented
    invented: bool


def load_baseline(spec: str) -> types.ModuleType | None:
    """The value scoring of an earlier commit (``REV:PATH``), or None when git cannot show it."""
    try:
        source = subprocess.run(["git", "show", spec], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("baseline_values")
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, spec, "exec"), module.__dict__)  # noqa: S102 - our own file at a pinned commit
    return module


def value_spans(module: Any, text: str) -> list[tuple[int, int]]:
    """Where each extracted value lies in ``text``: its ``start``/``end`` where the module gives
    them, else the k-th occurrence of the k-th value with the same text."""
    seen: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    for value in module.extract_values(text):
        if getattr(value, "start", -1) >= 0:
            spans.append((value.start, value.end))
            continue
        occurrences = [m.span() for m in re.finditer(re.escape(value.text), text)]
        index = seen.get(value.text, 0)
        seen[value.text] = index + 1
        if index < len(occurrences):
            spans.append(occurrences[index])
    return spans


def change_last_digit(text: str, start: int, end: int) -> str | None:
    """``text`` with the last digit of the written number inside ``text[start:end]`` changed: the
    number comes first ("4,500 pg/mL", "−8 mmol/L"), or last after a name ("pH 7.12", "CURB-65 score 2")."""
    runs = list(_NUMBER_RUN.finditer(text, start, end))
    if not runs:
        return None
    run = runs[0] if text[start].isdigit() or text[start] in "+-−" else runs[-1]
    position = run.end() - 1
    digit = (int(text[position]) + 1) % 10
    return text[:position] + str(digit) + text[position + 1:]


def perturbations(module: Any, case: Case) -> list[Perturbation]:
    output = unicodedata.normalize("NFKC", case.reference)
    unchanged = module.value_fidelity(output, case.reference, case.source)
    results: list[Perturbation] = []
    for start, end in value_spans(module, output):
        changed = change_last_digit(output, start, end)
        if changed is None:
            continue
        fidelity = module.value_fidelity(changed, case.reference, case.source)
        invented = len(fidelity.invented) > len(unchanged.invented)
        detected = fidelity.kept < unchanged.kept or invented
        line_start = output.rfind("\n", 0, start) + 1
        results.append(Perturbation(case.id, output[start:end], changed[start:end],
                                    changed[line_start:end + 20].replace("\n", " "), detected, invented))
    return results


def detection(module: Any, set_name: str) -> list[Perturbation]:
    return [p for case in load_evalset(set_name).cases for p in perturbations(module, case)]


def false_alarms(module: Any, set_name: str) -> tuple[int, int]:
    """Values of the unchanged references counted as invented, and all their values."""
    invented = total = 0
    for case in load_evalset(set_name).cases:
        fidelity = module.value_fidelity(case.reference, case.reference, case.source)
        invented += len(fidelity.invented)
        total += fidelity.summary_values
    return invented, total


def share(caught: int, total: int) -> str:
    return f"{caught / total:6.1%} ({caught:3d}/{total})" if total else "   n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=BASELINE, help="REV:PATH of the earlier scoring, or 'none'")
    parser.add_argument("--missed", action="store_true", help="list the changes not counted as invented")
    args = parser.parse_args()
    baseline = None if args.baseline == "none" else load_baseline(args.baseline)
    modules = ([("before", baseline)] if baseline is not None else []) + [("after", current_values)]
    print("Share of one-digit value changes in the reference summaries that value_fidelity detects")
    print(f"{'set':22s} {'':6s} {'kept or invented':18s}  {'invented (source only)':22s}  unchanged reference invented")
    for set_name in SETS:
        for label, module in modules:
            results = detection(module, set_name)
            detected = share(sum(p.detected for p in results), len(results))
            invented = share(sum(p.invented for p in results), len(results))
            alarms = share(*false_alarms(module, set_name))
            print(f"{set_name:22s} {label:6s} {detected:18s}  {invented:22s}  {alarms}")
            if args.missed and label == "after":
                for p in results:
                    if not p.invented:
                        kind = "not invented" if p.detected else "missed"
                        print(f"    {kind} {p.case_id}: {p.original!r} -> {p.changed!r} in {p.context!r}")
    if baseline is None and args.baseline != "none":
        print(f"(baseline {args.baseline} not readable from git: 'before' left out)")


if __name__ == "__main__":
    main()
