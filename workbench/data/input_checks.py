"""Reading users' files without crashing: UTF-8, JSON, YAML and CSV with limits and clear errors.

Every loader of user input (evaluation sets, prompts, catalogues, predictions, imports,
thresholds) reads through these helpers, so bad input ends in the loader's own
``WorkbenchError`` naming the file, the line where one is known, and the field:

* text must be UTF-8; an invalid byte is reported with its line and column;
* JSON is strict: ``NaN``, ``Infinity`` and numbers too large for a float are refused,
  and so are strings holding lone surrogates (they cannot be written back as UTF-8);
* JSON and YAML may nest at most ``MAX_NESTING`` (64) levels and hold at most ``MAX_VALUES``
  values (YAML aliases counted each time they are used); deeper input is refused
  before it can exhaust Python's recursion limit. For YAML the flow brackets ``[`` and
  ``{`` are counted on the raw text first (quotes are not parsed there, so text holding
  more than 64 unclosed brackets is refused too), because PyYAML takes seconds on
  thousands of them;
* CSV is read in strict mode; a field may hold up to ``MAX_CSV_FIELD_CHARS`` (10 MiB)
  characters (the csv module's own default is 131,072); a quote left open, a row with more
  or fewer fields than the header and a repeated column name are refused with the line;
* a key a loader does not know is refused, suggesting the closest known key
  ("did you mean 'reference'?").
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import WorkbenchError

MAX_NESTING = 64
MAX_VALUES = 1_000_000  # values in one document, aliases counted each time they are used (a "billion laughs" file)
MAX_CSV_FIELD_CHARS = 10 * 1024 * 1024


class _NotAFiniteNumber(ValueError):
    """Raised from inside ``json.loads`` for NaN, Infinity and numbers that overflow to infinity."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


# --- bytes and text ------------------------------------------------------------------------------


def read_bytes(path: Path, error: type[WorkbenchError]) -> bytes:
    """The file's bytes; a file that cannot be read (missing, a directory, no permission) is ``error``."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise error(f"{path}: file not found") from exc
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of ``offset``; lines end at \\n, \\r\\n or \\r as in text mode."""
    before = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(before) - line_start + 1


def decode_utf8(data: bytes, where: str, error: type[WorkbenchError], *, line_offset: int = 0) -> str:
    """``data`` as UTF-8 text; an invalid byte is ``error`` naming ``where``, the line and the column.

    ``line_offset`` is added to the line number (for one line of a larger file, pass its number - 1).
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_and_column(data, exc.start)
        raise error(f"{where}:{line + line_offset}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); "
                    "save the file as UTF-8") from exc


def read_utf8(path: Path, error: type[WorkbenchError], *, byte_order_mark: bool = False) -> str:
    """The whole file as UTF-8 text; with ``byte_order_mark`` a leading BOM is dropped (as ``utf-8-sig``)."""
    data = read_bytes(path, error)
    if byte_order_mark and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return decode_utf8(data, str(path), error)


def utf8_lines(path: Path, error: type[WorkbenchError]) -> list[tuple[int, bytes]]:
    """(line number, raw bytes) of every line, split at \\n, \\r\\n or \\r as text mode does; decode each
    with :func:`decode_utf8` so an invalid byte names its own line."""
    return list(enumerate(read_bytes(path, error).splitlines(), start=1))


# --- values --------------------------------------------------------------------------------------


def _field_name(path: tuple[str | int, ...]) -> str:
    """``field 'metadata.ward[0]'`` for a path of keys and indexes; a long path is cut after four parts."""
    if not path:
        return "value"
    text = ""
    for part in path[:4]:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f"field '{text}{'...' if len(path) > 4 else ''}'"


def check_value(value: Any, where: str, error: type[WorkbenchError], *, finite_numbers: bool = True) -> None:
    """Refuse nesting deeper than ``MAX_NESTING``, more than ``MAX_VALUES`` values, text that is not valid
    Unicode (lone surrogates) and, with ``finite_numbers``, NaN and infinite floats anywhere in ``value``.
    Iterative: any depth is safe."""
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(value, 0, ())]
    seen = 0
    while stack:
        current, depth, path = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise error(f"{where}: more than {MAX_VALUES:,} values (are YAML aliases repeating one part?)")
        if isinstance(current, (dict, list)):
            if depth >= MAX_NESTING:
                raise error(f"{where}: {_field_name(path)} is nested deeper than {MAX_NESTING} levels")
            if isinstance(current, dict):
                for key, item in current.items():
                    if isinstance(key, str):
                        _check_text(key, where, path, error, is_key=True)
                    stack.append((item, depth + 1, (*path, str(key))))
            else:
                stack.extend((item, depth + 1, (*path, index)) for index, item in enumerate(current))
        elif isinstance(current, str):
            _check_text(current, where, path, error)
        elif finite_numbers and isinstance(current, float) and not math.isfinite(current):
            raise error(f"{where}: {_field_name(path)} is {current}, which is not a number this file may hold")


def _check_text(text: str, where: str, path: tuple[str | int, ...], error: type[WorkbenchError],
                *, is_key: bool = False) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        field = f"a key of {_field_name(path)}" if is_key else _field_name(path)
        raise error(f"{where}: {field} holds a lone surrogate (\\u{ord(text[exc.start]):04x}), "
                    "which is not valid Unicode") from exc


# --- JSON ----------------------------------------------------------------------------------------


def _refuse_constant(token: str) -> Any:
    raise _NotAFiniteNumber(token)


def _finite_float(token: str) -> float:
    number = float(token)
    if not math.isfinite(number):
        raise _NotAFiniteNumber(token)
    return number


def parse_json(text: str, where: str, error: type[WorkbenchError]) -> Any:
    """Strict JSON (see the module's docstring); ``where`` is 'file:line' for errors."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotAFiniteNumber as exc:
        shown = exc.token if len(exc.token) <= 40 else exc.token[:40] + "..."
        raise error(f"{where}: invalid JSON ({shown} is not a finite number; JSON has no NaN or Infinity)") from exc
    except json.JSONDecodeError as exc:
        message = exc.msg.removesuffix(" at")  # "Unterminated string starting at" + " at column 5"
        raise error(f"{where}: invalid JSON ({message} at column {exc.colno})") from exc
    except RecursionError as exc:
        raise error(f"{where}: invalid JSON (nested deeper than {MAX_NESTING} levels)") from exc
    except ValueError as exc:  # an integer of more than 4300 digits
        raise error(f"{where}: invalid JSON ({exc})") from exc
    check_value(value, where, error)
    return value


# --- YAML ----------------------------------------------------------------------------------------


def _flow_nesting_line(text: str) -> int | None:
    """The line where unclosed ``[`` / ``{`` first exceed ``MAX_NESTING``, or None."""
    depth = 0
    line = 1
    for char in text:
        if char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == "\n":
            line += 1
    return None


def parse_yaml(text: str, where: str, error: type[WorkbenchError]) -> Any:
    """``yaml.safe_load`` of ``text`` with the nesting limit; any failure is ``error`` naming ``where``."""
    deep_line = _flow_nesting_line(text)
    if deep_line is not None:
        raise error(f"{where}:{deep_line}: not valid YAML here: brackets nested deeper than {MAX_NESTING} levels")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{where}: not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise error(f"{where}: not valid YAML here: nested deeper than {MAX_NESTING} levels") from exc
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date such as 2026-02-30, a 5000-digit integer
        raise error(f"{where}: a value cannot be read: {exc}") from exc
    check_value(value, where, error, finite_numbers=False)  # .nan / .inf are left to each field's own check
    return value


# --- keys ----------------------------------------------------------------------------------------


def did_you_mean(key: object, known: Iterable[str]) -> str:
    """'; did you mean 'reference'?' for a close known key, else the list of known keys."""
    names = list(known)
    close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; known fields: {', '.join(names)}"


def check_known_keys(data: dict[Any, Any], known: Iterable[str], where: str, error: type[WorkbenchError],
                     *, prefix: str = "") -> None:
    """Refuse a key not in ``known``, naming it and the closest known key."""
    names = list(known)
    for key in data:
        if key not in names:
            raise error(f"{where}: unknown field '{prefix}{key}'{did_you_mean(key, names)}")


# --- CSV -----------------------------------------------------------------------------------------


def read_csv_rows(path: Path, error: type[WorkbenchError]) -> tuple[list[str], list[tuple[str, dict[str, str]]]]:
    """The header and every row of a CSV file as ('file:line', {column: value}).

    The line is where the row ends (rows may span lines). Refused with the line: invalid UTF-8,
    a field over ``MAX_CSV_FIELD_CHARS``, a quote that is never closed, text after a closing quote,
    a row whose number of fields differs from the header's, a column name given twice.
    """
    text = read_utf8(path, error, byte_order_mark=True)
    if csv.field_size_limit() < MAX_CSV_FIELD_CHARS:
        csv.field_size_limit(MAX_CSV_FIELD_CHARS)  # process-wide; only ever raised, to this documented maximum
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[tuple[str, dict[str, str]]] = []
    while True:
        first_line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise error(_csv_problem(path, first_line, reader.line_num, str(exc))) from exc
        if not fields:
            continue  # a blank line
        if header is None:
            header = fields
            repeated = sorted({name for name in header if header.count(name) > 1})
            if repeated:
                raise error(f"{path}:{reader.line_num}: column {', '.join(map(repr, repeated))} appears more than once in the header")
            continue
        if len(fields) != len(header):
            raise error(
                f"{path}:{reader.line_num}: the row has {len(fields)} fields, the header has {len(header)}"
                + (f" (the row starts on line {first_line}: is a quote left open there?)" if reader.line_num > first_line else "")
            )
        rows.append((f"{path}:{reader.line_num}", dict(zip(header, fields))))
    return header or [], rows


def _csv_problem(path: Path, first_line: int, last_line: int, message: str) -> str:
    if "field larger than field limit" in message:
        return (f"{path}:{last_line}: a field is longer than {MAX_CSV_FIELD_CHARS:,} characters, the most a CSV "
                f"field may hold here (is a quote left open on line {first_line}?)")
    if "unexpected end of data" in message:
        return (f"{path}:{first_line}: a quoted field opened on this line is never closed: it runs to the end "
                f"of the file (line {last_line})")
    return f"{path}:{last_line}: not valid CSV ({message}; the row starts on line {first_line})"
