"""Read outputs produced anywhere (CSV or JSONL) for score-only mode.

A JSONL line may also hold ``tool_calls``, the reply's function calls (coding sets): a list of
``{"name", "arguments"}`` as run records hold them, or OpenAI's ``{"type": "function", "function":
{"name", "arguments"}}``; the arguments string is kept exactly as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.data.evalsets import EvalSet, EvalSetError, read_jsonl_objects
from workbench.data.input_checks import read_csv_rows
from workbench.models.reasoning import split_reasoning


TOOL_CALLS_FIELD = "tool_calls"


@dataclass
class Predictions:
    outputs: dict[str, str]
    reasoning_removed: int  # predictions from which a reasoning block was taken out before scoring
    tool_calls: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # id -> the reply's calls, as written


def read_tool_calls(value: object, where: str) -> list[dict[str, str]]:
    """A prediction's ``tool_calls`` as ``{"name", "arguments"}`` each; anything else is an error naming ``where``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise EvalSetError(f"{where}: field '{TOOL_CALLS_FIELD}' must be a list of calls")
    calls = []
    for index, call in enumerate(value):
        inner = call.get("function") if isinstance(call, dict) and "function" in call else call
        if not isinstance(inner, dict) or not isinstance(inner.get("name"), str) \
                or not isinstance(inner.get("arguments"), str):
            raise EvalSetError(f"{where}: field '{TOOL_CALLS_FIELD}[{index}]' must have a name and an arguments "
                               "string ({name, arguments}, or OpenAI's {type, function: {name, arguments}})")
        calls.append({"name": inner["name"], "arguments": inner["arguments"]})
    return calls


def read_predictions(path: Path, *, id_col: str = "id", prediction_col: str = "prediction",
                     keep_reasoning: bool = False) -> Predictions:
    """One prediction per id; problems name the file, line and column.

    Files must be UTF-8; CSV is read strictly (see ``workbench.data.input_checks.read_csv_rows``).
    """
    if not path.is_file():
        raise EvalSetError(f"{path}: file not found")
    rows: list[tuple[str, dict[str, object]]] = []
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        rows = list(read_jsonl_objects(path))
        columns = sorted({key for _, row in rows for key in row})
    else:
        columns, csv_rows = read_csv_rows(path, EvalSetError)
        rows = [(where, dict(row)) for where, row in csv_rows]
    for option, column in (("--id-col", id_col), ("--prediction-col", prediction_col)):
        if column not in columns:
            raise EvalSetError(f"{path}: column '{column}' (given by {option}) not found; columns present: {', '.join(columns)}")
    outputs: dict[str, str] = {}
    calls: dict[str, list[dict[str, str]]] = {}
    removed = 0
    for where, row in rows:
        case_id = str(row.get(id_col, "")).strip()
        if not case_id:
            raise EvalSetError(f"{where}: column '{id_col}' is empty")
        if case_id in outputs:
            raise EvalSetError(f"{where}: column '{id_col}': duplicate id {case_id!r}")
        text = row.get(prediction_col)
        if isinstance(text, (dict, list)):
            raise EvalSetError(f"{where}: column '{prediction_col}' must be text, got a {type(text).__name__}")
        text = "" if text is None else str(text)
        if not keep_reasoning:
            split = split_reasoning(text)
            if split.reasoning or split.reasoning_unterminated:
                removed += 1
                text = split.content
        outputs[case_id] = text
        if row.get(TOOL_CALLS_FIELD) is not None:
            calls[case_id] = read_tool_calls(row[TOOL_CALLS_FIELD], where)
    return Predictions(outputs=outputs, reasoning_removed=removed, tool_calls=calls)


def check_coverage(evalset: EvalSet, predictions: Predictions, *, allow_missing: bool, path: Path) -> list[str]:
    """Ids of the set without a prediction; unknown ids are always an error."""
    known = {case.id for case in evalset.cases}
    unknown = [case_id for case_id in predictions.outputs if case_id not in known]
    if unknown:
        raise EvalSetError(f"{path}: {len(unknown)} ids are not in evalset {evalset.name}: {', '.join(unknown[:10])}")
    missing = [case.id for case in evalset.cases if case.id not in predictions.outputs]
    if missing and not allow_missing:
        raise EvalSetError(
            f"{path}: no prediction for {len(missing)} of {len(known)} cases of {evalset.name} "
            f"(first: {', '.join(missing[:10])}); pass --allow-missing to score the rest"
        )
    return missing
