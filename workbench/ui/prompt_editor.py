"""The prompt editor of the browser workbench: a version's template as editable YAML, the checks an edit
must pass before it is registered, and the diff against the version it started from.

An edit is refused, with a message naming the field, when its YAML cannot be read (line and column
given), when it names a field that cannot be edited here, when a field is invalid, when its
``{{variables}}`` cannot work (``workbench.data.prompts.variable_problems``), or when nothing a run
depends on changed from the version it started from.
"""

from __future__ import annotations

import difflib
import html
from typing import Any

import yaml

from workbench.data.prompts import PromptError, PromptTemplate, prompt_from_mapping, variable_problems

EDITABLE_PROMPT_FIELDS = ("task", "language", "description", "messages", "plain_completion_cue")
# What a run depends on: a version that changes none of these would give the same runs as its base.
RUN_FIELDS = ("task", "language", "messages", "plain_completion_cue")


class _BlockStyleDumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks, so a message reads and edits as it will be sent."""


_BlockStyleDumper.add_representer(
    str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def editable_text(prompt: PromptTemplate) -> str:
    """The editable fields of a prompt version as YAML (name and version are set when it is registered)."""
    data = prompt.model_dump(mode="json")
    return yaml.dump({key: data[key] for key in EDITABLE_PROMPT_FIELDS if data.get(key) is not None},
                     Dumper=_BlockStyleDumper, allow_unicode=True, sort_keys=False, width=100)


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error as one readable line: where it is (line and column, counted from 1) and what is wrong."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"the template is not valid YAML: {where}{problem}" + (f" ({context})" if context else "")


def edited_fields(text: str) -> dict[str, Any]:
    """The fields of an edited template; unreadable YAML, a document that is not a mapping, or a field that
    cannot be edited here is a ``PromptError`` saying which."""
    try:
        fields = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PromptError(yaml_problem(exc)) from exc
    if not isinstance(fields, dict):
        raise PromptError("the template must be a mapping with the fields " + ", ".join(EDITABLE_PROMPT_FIELDS))
    unknown = sorted(str(key) for key in fields if key not in EDITABLE_PROMPT_FIELDS)
    if unknown:
        raise PromptError(f"field(s) {', '.join(unknown)} cannot be edited here (name and version are set for you; "
                          f"editable: {', '.join(EDITABLE_PROMPT_FIELDS)})")
    return fields


def run_content(prompt: PromptTemplate) -> dict[str, Any]:
    """The parts of a version that shape a run, normalised (comments, quoting and key order do not count)."""
    data = prompt.model_dump(mode="json")
    return {key: data[key] for key in RUN_FIELDS}


def unchanged_problem(edited: PromptTemplate, base: PromptTemplate) -> str | None:
    """Why ``edited`` is no new version of ``base``: nothing a run depends on changed; None when something did."""
    if run_content(edited) != run_content(base):
        return None
    described = " (only the description changed)" if edited.description != base.description else ""
    return (f"nothing a run depends on changed from {base.ref}{described}: the messages, completion cue, task and "
            f"language are the same (content hash {base.content_hash()[:12]}); edit the template or keep using "
            f"{base.ref}")


def check_edit(name: str, text: str, *, version: int, base: PromptTemplate | None) -> PromptTemplate:
    """The edited template as prompt ``name@version``, or a ``PromptError`` listing every problem."""
    fields = edited_fields(text)
    prompt = prompt_from_mapping({**fields, "name": name, "version": version}, "the template")
    problems = [f"messages: {problem}" for problem in variable_problems(prompt)]
    if base is not None:
        unchanged = unchanged_problem(prompt, base)
        if unchanged:
            problems.append(unchanged)
    if problems:
        raise PromptError("; ".join(problems))
    return prompt


def edit_diff(base_text: str, edited_text: str, base_label: str) -> str:
    """The unified diff of the edited template against the template of version ``base_label``."""
    lines = difflib.unified_diff(base_text.splitlines(), edited_text.splitlines(), fromfile=base_label,
                                 tofile="edited", lineterm="", n=3)
    return "\n".join(lines)


DIFF_CSS = """
pre { margin: 0; padding: 8px; white-space: pre-wrap; overflow-wrap: anywhere; font-family: var(--font-mono);
      font-size: var(--text-sm); border: 1px solid var(--border-color-primary); border-radius: var(--radius-md); }
.line { display: block; }
.added { background: #e6ffec; color: #055d20; }
.removed { background: #ffebe9; color: #82071e; }
.hunk { color: #6e40c9; }
.file { font-weight: bold; }
.checks { margin: 0 0 6px 0; }
.problem { color: #b42318; }
"""


def diff_html(diff: str, problems: list[str] | None = None, base_label: str = "") -> str:
    """The diff as HTML, added and removed lines coloured, with the checks the edit fails (if any) above it."""
    checks = ""
    if problems:
        checks = "".join(f'<p class="checks problem">Would be refused: {html.escape(problem)}</p>'
                         for problem in problems)
    if not diff:
        body = f"No changes from {html.escape(base_label)} yet." if base_label else "Choose a version to edit."
        return f'{checks}<pre class="prompt-diff">{body}</pre>'
    rendered = []
    for line in diff.splitlines():
        kind = ("file" if line.startswith(("+++", "---")) else "added" if line.startswith("+")
                else "removed" if line.startswith("-") else "hunk" if line.startswith("@@") else "")
        rendered.append(f'<span class="line {kind}">{html.escape(line) or " "}</span>')
    return f'{checks}<pre class="prompt-diff">{"".join(rendered)}</pre>'


def preview(name: str | None, text: str, base: PromptTemplate | None) -> str:
    """The diff view of an edit in progress: what changed from ``base`` and what registering would refuse."""
    if base is None:
        return diff_html("")
    base_text = editable_text(base)
    problems: list[str] = []
    try:
        check_edit(name or base.name, text, version=base.version + 1, base=base)
    except PromptError as exc:
        problems = [str(exc)]
    return diff_html(edit_diff(base_text, text, base.ref), problems, base.ref)
