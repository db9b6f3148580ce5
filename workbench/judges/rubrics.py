"""Rubrics: what a judge model checks in each output, as versioned YAML files, and the score they give.

A rubric file is named ``<name>@<version>.yaml``::

    name: clinical-summary-en
    version: 1
    language: en
    description: What a clinician checks in an English four-section summary.
    items:                      # asked for every case of the set
      - id: abnormal-values-kept
        type: completeness      # accuracy, completeness, phi, safety or format
        criterion: Every abnormal value of the note appears in the summary with its unit.
        points: 3
      - id: invented-medication
        type: accuracy
        criterion: The summary names a medication that the note does not mention.
        points: 3
        must_not: true          # a fault: when the judge finds it, its points are subtracted
    cases:                      # optional: items asked for one case only, after the set's items
      en-ed-chest-pain:
        - id: stemi-named
          type: accuracy
          criterion: The summary names an inferior ST-elevation myocardial infarction.
          points: 2

A criterion is a statement the judge answers true or false about the output. For an ordinary item, true is
good; for a ``must_not`` item the criterion describes the fault, so true is bad (as HealthBench's negative
criteria). Item ids are safe names, unique across the rubric.

The score of one output is (points of ordinary items met − points of ``must_not`` items met) / points of
ordinary items, clipped to [0, 1], over the items the judge answered: an unparsed answer is left out of both
sums and counted, never guessed. An output with no ordinary item answered has no score.

Shipped rubrics live in ``workbench/data/shipped/rubrics/``; :data:`RUBRIC_FOR_SET` says which one fits each
shipped set. A rubric version, once used to grade a run, must never be edited: write the next version instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench.data.input_checks import did_you_mean, parse_yaml, read_utf8
from workbench.errors import WorkbenchError
from workbench.hashing import canonical_json, sha256_hex
from workbench.safe_names import check_safe_name

ItemType = Literal["accuracy", "completeness", "phi", "safety", "format"]
ITEM_TYPES: tuple[ItemType, ...] = get_args(ItemType)
SHIPPED_RUBRICS = "data/shipped/rubrics"  # inside the workbench package
RUBRIC_SUFFIX = ".yaml"

# The shipped rubric that fits each shipped set: the sets share their prompt's sections and language.
RUBRIC_FOR_SET: dict[str, str] = {
    "smoke-en": "clinical-summary-en@1",
    "clinical-summary-en": "clinical-summary-en@1",
    "long-records-en": "clinical-summary-en@1",
    "phi-heldout-en": "clinical-summary-en@1",
    "smoke-zh": "inpatient-summary-zh@1",
    "inpatient-summary-zh": "inpatient-summary-zh@1",
    "long-records-zh": "inpatient-summary-zh@1",
    "phi-heldout-zh": "inpatient-summary-zh@1",
}


class RubricError(WorkbenchError, ValueError):
    """A rubric file is malformed or unknown; the message names the file, the item and the field."""


class RubricItem(BaseModel):
    """One criterion a judge answers true or false about one output."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    type: ItemType
    criterion: str
    points: float = Field(gt=0, strict=True, allow_inf_nan=False)
    must_not: bool = Field(False, strict=True)

    @field_validator("id")
    @classmethod
    def _check_id(cls, item_id: str) -> str:
        return check_safe_name(item_id, "item id")

    @field_validator("criterion")
    @classmethod
    def _check_criterion(cls, criterion: str) -> str:
        if not criterion.strip():
            raise ValueError("the criterion is empty")
        return criterion.strip()


class Rubric(BaseModel):
    """A versioned rubric: items for every case of a set, and optional items for single cases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: int = Field(ge=1, strict=True)
    language: str = Field(min_length=1)
    description: str = ""
    items: list[RubricItem] = Field(default_factory=list)
    cases: dict[str, list[RubricItem]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _check_name(cls, name: str) -> str:
        return check_safe_name(name, "rubric name")

    @model_validator(mode="after")
    def _check_items(self) -> "Rubric":
        seen: dict[str, str] = {}
        places = [(f"items[{index}]", item) for index, item in enumerate(self.items)]
        places += [(f"cases.{case_id}[{index}]", item) for case_id, items in self.cases.items()
                   for index, item in enumerate(items)]
        if not places:
            raise ValueError("the rubric has no items: give at least one under 'items' or 'cases'")
        for place, item in places:
            if item.id in seen:
                raise ValueError(f"item id '{item.id}' is used twice ({seen[item.id]} and {place}); ids must be unique")
            seen[item.id] = place
        return self

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of everything a judge is asked (the description left out)."""
        return sha256_hex(canonical_json(self.model_dump(mode="json", exclude={"description"})))

    def items_for(self, case_id: str) -> list[RubricItem]:
        """The set's items, then the case's own items."""
        return [*self.items, *self.cases.get(case_id, [])]


# --- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemAnswer:
    """A judge's answer on one item: ``met`` is None when the reply was unparsed (or the judge failed)."""

    points: float
    must_not: bool
    met: bool | None


@dataclass(frozen=True)
class RubricScore:
    """The score of one output and the sums behind it."""

    score: float | None  # None when no ordinary item was answered
    earned: float  # points of ordinary items met
    deducted: float  # points of must_not items met
    possible: float  # points of ordinary items answered
    answered: int
    unparsed: int


def rubric_score(answers: Iterable[ItemAnswer]) -> RubricScore:
    """(earned − deducted) / possible, clipped to [0, 1], over the answered items; unparsed ones are counted."""
    earned = deducted = possible = 0.0
    answered = unparsed = 0
    for answer in answers:
        if answer.met is None:
            unparsed += 1
            continue
        answered += 1
        if answer.must_not:
            deducted += answer.points if answer.met else 0.0
        else:
            possible += answer.points
            earned += answer.points if answer.met else 0.0
    score = min(1.0, max(0.0, (earned - deducted) / possible)) if possible > 0 else None
    return RubricScore(score=score, earned=earned, deducted=deducted, possible=possible, answered=answered,
                       unparsed=unparsed)


# --- reading files ---------------------------------------------------------------------------


def parse_rubric_file(path: Path, text: str | None = None) -> Rubric:
    """A rubric from its YAML file (or from ``text``, named ``path``); a problem names the file, the item
    and the field."""
    source = text if text is not None else read_utf8(path, RubricError)
    document = parse_yaml(source, str(path), RubricError)
    if not isinstance(document, dict):
        raise RubricError(f"{path}: expected a mapping with name, version, language and items")
    rubric = rubric_from_mapping(document, str(path))
    expected = f"{rubric.ref}{RUBRIC_SUFFIX}"
    if Path(path).name != expected:
        raise RubricError(f"{path}: file must be named {expected} to match its name and version")
    return rubric


def rubric_from_mapping(document: dict[str, Any], where: str) -> Rubric:
    """A rubric from its parsed fields; every problem names ``where``, the item (its place and id) and the field."""
    try:
        return Rubric.model_validate(document)
    except ValidationError as exc:
        problems = [_problem(document, error) for error in exc.errors()]
        raise RubricError(f"{where}: {'; '.join(problems)}") from exc


def _problem(document: dict[str, Any], error: Any) -> str:
    location: tuple[str | int, ...] = tuple(error["loc"])
    item_place, field_path = _item_location(location)
    if item_place is None:
        where = f"field '{'.'.join(map(str, location))}'" if location else "rubric"
        known = Rubric.model_fields
    else:
        raw_id = _raw_item_id(document, location[: len(location) - len(field_path)])
        named = f" (item '{raw_id}')" if raw_id else ""
        where = f"{item_place}{named}" + (f", field '{'.'.join(map(str, field_path))}'" if field_path else "")
        known = RubricItem.model_fields
    if error["type"] == "extra_forbidden" and location:
        return f"{where}: unknown field{did_you_mean(location[-1], known)}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def _item_location(location: tuple[str | int, ...]) -> tuple[str | None, tuple[str | int, ...]]:
    """(``items[2]`` or ``cases.ID[0]``, the field path inside that item); (None, location) when the location
    is not inside an item."""
    if len(location) >= 2 and location[0] == "items" and isinstance(location[1], int):
        return f"items[{location[1]}]", location[2:]
    if len(location) >= 3 and location[0] == "cases" and isinstance(location[2], int):
        return f"cases.{location[1]}[{location[2]}]", location[3:]
    return None, location


def _raw_item_id(document: dict[str, Any], item_location: tuple[str | int, ...]) -> str | None:
    """The ``id`` the file gives the item at ``item_location``, when it has a text one."""
    value: Any = document
    for part in item_location:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return None
    item_id = value.get("id") if isinstance(value, dict) else None
    return item_id if isinstance(item_id, str) else None


def shipped_rubrics_dir() -> Path:
    return Path(str(resources.files("workbench").joinpath(SHIPPED_RUBRICS)))


def rubric_directories(extra_dirs: list[Path] | None = None) -> list[Path]:
    """Where rubrics are looked up by name, highest precedence first: the user's directories, then the shipped."""
    return [*(Path(directory) for directory in extra_dirs or []), shipped_rubrics_dir()]


def load_rubric(ref_or_path: str | Path, extra_dirs: list[Path] | None = None) -> Rubric:
    """A rubric by file path, or by ``NAME@VERSION`` (``NAME`` alone: its latest version) in ``extra_dirs``
    and then the shipped rubrics."""
    text = str(ref_or_path)
    if isinstance(ref_or_path, Path) or text.endswith((".yaml", ".yml")) or "/" in text:
        return parse_rubric_file(Path(ref_or_path))
    name, _, version_text = text.partition("@")
    found: dict[int, Path] = {}
    for directory in reversed(rubric_directories(extra_dirs)):  # higher precedence overrides
        for path in sorted(directory.glob(f"{name}@*{RUBRIC_SUFFIX}")):
            number = path.stem.partition("@")[2]
            if number.isdigit():
                found[int(number)] = path
    if not found:
        raise RubricError(f"unknown rubric '{name}'; known rubrics: {', '.join(known_rubrics(extra_dirs)) or 'none'}")
    if not version_text:
        return parse_rubric_file(found[max(found)])
    if not version_text.isdigit() or int(version_text) not in found:
        raise RubricError(f"rubric '{name}' has no version {version_text!r}; versions: "
                          f"{', '.join(map(str, sorted(found)))}")
    return parse_rubric_file(found[int(version_text)])


def known_rubrics(extra_dirs: list[Path] | None = None) -> list[str]:
    """``NAME@VERSION`` of every rubric file found, sorted."""
    return sorted({path.stem for directory in rubric_directories(extra_dirs) if directory.is_dir()
                   for path in directory.glob(f"*@*{RUBRIC_SUFFIX}")})


def rubric_for_set(set_name: str) -> Rubric:
    """The shipped rubric declared for a shipped set (:data:`RUBRIC_FOR_SET`)."""
    if set_name not in RUBRIC_FOR_SET:
        raise RubricError(f"no shipped rubric is declared for the set '{set_name}' (rubrics are declared for "
                          f"{', '.join(sorted(RUBRIC_FOR_SET))}); write one and name it with its file path")
    return load_rubric(RUBRIC_FOR_SET[set_name])
