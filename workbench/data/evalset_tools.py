"""Validation, statistics and listing of evaluation sets."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.data.evalsets import (
    CASES_FILE, LANGUAGES, MANIFEST_FILE, EvalSet, EvalSetError, content_hash, evalset_search_path,
    load_evalset_dir, manifest_problems, read_manifest, scan_cases,
)
from workbench.errors import WorkbenchError


@dataclass
class ValidationReport:
    directory: Path
    cases: int = 0
    content_hash: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_evalset_dir(directory: Path) -> ValidationReport:
    """Check every line and the manifest; collect every problem, each naming file, line and field."""
    report = ValidationReport(directory=directory)
    cases, report.problems = scan_cases(directory / CASES_FILE)
    report.cases = len(cases)
    try:
        manifest = read_manifest(directory / MANIFEST_FILE)
    except EvalSetError as exc:
        report.problems.append(str(exc))
        return report
    if report.problems:
        return report  # a hash over a partial read would only add noise
    evalset = EvalSet(manifest=manifest, cases=tuple(cases), directory=directory)
    report.content_hash = evalset.content_hash()
    if manifest.num_cases is None:
        report.problems.append(f"{directory / MANIFEST_FILE}: field 'num_cases' is missing")
    if manifest.content_hash is None:
        report.problems.append(f"{directory / MANIFEST_FILE}: field 'content_hash' is missing (expected {report.content_hash})")
    report.problems.extend(manifest_problems(evalset))
    declared = {part.strip() for part in manifest.language.split(",")}
    if not declared <= set(LANGUAGES):
        report.problems.append(f"{directory / MANIFEST_FILE}: field 'language' must name languages from {', '.join(LANGUAGES)}")
    used = {case.language for case in cases}
    if not used <= declared:
        report.problems.append(
            f"{directory / MANIFEST_FILE}: field 'language' says {manifest.language}, the cases use {', '.join(sorted(used))}"
        )
    return report


def describe_evalset(evalset: EvalSet) -> dict[str, Any]:
    """What `workbench evalsets show` prints: counts, languages, PHI by label, lengths."""
    lengths = [len(case.source) for case in evalset.cases]
    reference_lengths = [len(case.reference) for case in evalset.cases]
    phi = Counter(span.label for case in evalset.cases for span in case.phi)
    departments = Counter(str(case.metadata.get("department", "-")) for case in evalset.cases)
    return {
        "name": evalset.name,
        "version": evalset.manifest.version,
        "directory": str(evalset.directory) if evalset.directory else None,
        "cases": len(evalset.cases),
        "content_hash": evalset.content_hash(),
        "languages": dict(Counter(case.language for case in evalset.cases)),
        "task": evalset.manifest.task,
        "default_prompt": evalset.manifest.default_prompt,
        "required_sections": list(evalset.manifest.required_sections),
        "licence": evalset.manifest.licence,
        "provenance": evalset.manifest.provenance,
        "phi_spans": sum(phi.values()),
        "phi_by_label": dict(sorted(phi.items(), key=lambda item: (-item[1], item[0]))),
        "cases_with_phi": sum(1 for case in evalset.cases if case.phi),
        "cases_with_reference": sum(1 for case in evalset.cases if case.reference.strip()),
        "departments": dict(sorted(departments.items(), key=lambda item: (-item[1], item[0]))),
        "source_chars": _distribution(lengths),
        "reference_chars": _distribution(reference_lengths),
    }


def _distribution(values: list[int]) -> dict[str, float | None]:
    from workbench.scoring.latency import percentile  # loads numpy: imported to describe a set, not to list sets

    return {
        "min": min(values) if values else None,
        "p25": percentile(values, 25),
        "median": percentile(values, 50),
        "p75": percentile(values, 75),
        "max": max(values) if values else None,
    }


@dataclass(frozen=True)
class EvalSetListing:
    name: str
    directory: Path
    version: str | None
    language: str | None
    cases: int | None
    content_hash: str | None
    problem: str | None = None


def list_evalsets() -> list[EvalSetListing]:
    """Every set on the search path; the first directory holding a name wins, as when loading."""
    found: dict[str, EvalSetListing] = {}
    for base in evalset_search_path():
        if not base.is_dir():
            continue
        for cases_file in sorted(base.glob(f"*/{CASES_FILE}")):
            directory = cases_file.parent
            if directory.name in found:
                continue
            try:
                evalset = load_evalset_dir(directory)
                found[directory.name] = EvalSetListing(
                    name=evalset.name, directory=directory, version=evalset.manifest.version,
                    language=evalset.manifest.language, cases=len(evalset.cases), content_hash=evalset.content_hash(),
                )
            except (WorkbenchError, OSError) as exc:  # a set that cannot be read is listed as broken, with why
                problem = str(exc) if isinstance(exc, WorkbenchError) else f"{directory}: cannot be read ({exc})"
                found[directory.name] = EvalSetListing(
                    name=directory.name, directory=directory, version=None, language=None, cases=None,
                    content_hash=None, problem=problem,
                )
    return sorted(found.values(), key=lambda listing: listing.name)


__all__ = ["ValidationReport", "describe_evalset", "list_evalsets", "validate_evalset_dir", "content_hash"]
