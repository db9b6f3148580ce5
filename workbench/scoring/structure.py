"""Structure compliance: the set's required sections, as a reader sees them in an output (pure functions).

A required section counts as present only where the output has a *heading* for it: a line
that begins with the section's name in one of the common heading forms. Text that merely
mentions a section's name inside a sentence is not a heading.

Heading forms recognised, each optionally indented, after a markdown ``#``..``######`` mark,
a list bullet (``-``, ``*``, ``+``, ``•``) or a number (``1.``, ``1)``, ``(1)``, ``一、``):

* bold: ``**Chief Complaint**``, ``**Chief Complaint:**``, ``**Chief Complaint**:``, ``__Chief Complaint__``
* bracketed: ``【主诉】``, ``[主诉]``, ``［主诉］`` (a colon may follow)
* plain, ended by a colon (``:`` or ``：``) or a dash (``Chief Complaint - ...``,
  ``Chief Complaint — ...``), or alone on its line (``## Chief Complaint``)

English names match case-insensitively and with any run of spaces between words; Chinese names
match with spaces between their characters (``主 诉：``). A manifest heading such as
``"Chief Complaint:"`` or ``"【主诉】"`` is reduced to its name (``chief complaint``, ``主诉``)
before matching, and so are its synonyms. Content may start on the heading's own line
(``主诉：胸痛3天``) or on the lines below; a section's body runs to the next heading of any
required section.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping, Sequence

Synonyms = Mapping[str, Sequence[str]]

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_DECORATION = re.compile(r"^[\s#*_:：\-–—【】\[\]［］]+|[\s#*_:：\-–—【】\[\]［］]+$")
_NUMBER = r"(?:\d{1,2}[.)、．]|[(（]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}[、.．])[ \t]*"
_PREFIX = rf"^[ \t]*(?:[#＃]{{1,6}}[ \t]*)?(?:[-*+•][ \t]+)?(?:{_NUMBER})?"
_SEPARATOR = r"(?:[:：]|[ \t]*[-–—]+(?=[ \t]|$)|[–—]+)"
_EMPTY_BODY = re.compile(r"[\s#*_:：\-–—]+")


@dataclass(frozen=True)
class SectionFound:
    """One required section found in an output.

    ``heading`` is the manifest's heading (e.g. ``"Chief Complaint:"``), ``line`` the 1-based line
    of the output on which its heading stands, and ``body`` the text under it (stripped), up to the
    next heading of a required section.
    """

    heading: str
    line: int
    body: str


@dataclass(frozen=True)
class StructureResult:
    """Which required sections an output has as headings, which are empty, and whether they are in order.

    ``present`` and ``missing`` partition the required headings (manifest order); ``empty`` is the
    present ones with no text under them; ``in_order`` is true when the present headings can be read
    in the manifest's order; ``sections`` holds each present section's heading line and body.
    """

    present: tuple[str, ...]
    missing: tuple[str, ...]
    empty: tuple[str, ...]
    in_order: bool
    sections: tuple[SectionFound, ...] = ()

    @property
    def compliance(self) -> float:
        """Share of required sections present and non-empty (1.0 when none are required)."""
        required = len(self.present) + len(self.missing)
        if required == 0:
            return 1.0
        return (len(self.present) - len(self.empty)) / required

    @property
    def ok(self) -> bool:
        return not self.missing and not self.empty and self.in_order


@dataclass(frozen=True)
class _HeadingLine:
    """A line of the output that is a heading of the required section ``heading``; ``rest`` is what follows it on the line."""

    heading: str
    index: int
    rest: str


@functools.lru_cache(maxsize=1024)
def section_name(heading: str) -> str:
    """The name a heading stands for, for matching: ``"Chief Complaint:"`` -> ``"chief complaint"``,
    ``"【主诉】"`` -> ``"主诉"``, ``"## A & P"`` -> ``"a and p"``.

    NFKC-normalised and case-folded, with heading marks, brackets and a trailing colon or dash
    removed, whitespace runs made single spaces, spaces between Chinese characters dropped, and
    ``&`` read as ``and``.
    """
    name = unicodedata.normalize("NFKC", heading)
    name = _DECORATION.sub("", name).casefold()
    name = re.sub(r"\s*&\s*", " and ", name)
    name = re.sub(r"\s+", " ", name).strip()
    return re.sub(f"(?<=[{_CJK}]) (?=[{_CJK}])", "", name)


def _name_pattern(name: str) -> str:
    """A regular expression for ``name`` (from :func:`section_name`) as it may be written in a heading."""
    words = []
    for word in name.split(" "):
        if word == "and":
            words.append(r"(?:and|&)")
            continue
        parts = []
        for index, char in enumerate(word):
            if index and _CJK_CHAR.match(char) and _CJK_CHAR.match(word[index - 1]):
                parts.append(r"[ \t\u3000]*")
            parts.append(re.escape(char))
        words.append("".join(parts))
    return r"[ \t]+".join(words)


@functools.lru_cache(maxsize=256)
def _heading_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """A line-initial heading of any of ``names``, in any recognised form; group ``rest`` is what follows it."""
    name = "(?:" + "|".join(_name_pattern(n) for n in sorted(set(names), key=len, reverse=True)) + ")"
    bracketed = rf"(?:【[ \t]*{name}[ \t]*】|[\[［][ \t]*{name}[ \t]*[\]］])"
    bold = rf"(?P<mark>\*\*|__)[ \t]*(?:{_NUMBER})?(?:{bracketed}|{name})[ \t]*[:：]?[ \t]*(?P=mark)(?:[ \t]*{_SEPARATOR})?"
    boxed = rf"{bracketed}(?:[ \t]*{_SEPARATOR})?"
    plain = rf"{name}(?:[ \t]*{_SEPARATOR}|[ \t]*$)"
    return re.compile(rf"{_PREFIX}(?:{bold}|{boxed}|{plain})(?P<rest>.*)$", re.IGNORECASE)


def _names_for(heading: str, synonyms: Synonyms | None) -> list[str]:
    """The names ``heading`` may appear under: its own and those of its synonyms (keyed by the heading or its name)."""
    own = section_name(heading)
    names = [own]
    for key, alternatives in (synonyms or {}).items():
        if section_name(key) == own:
            names.extend(section_name(alternative) for alternative in alternatives)
    return [name for name in names if name]


@functools.lru_cache(maxsize=256)
def _section_patterns(required_sections: tuple[str, ...],
                      synonyms: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each required heading that has a name, with its heading pattern (kept: a set's headings are
    looked for in every output and reference)."""
    by_heading = dict(synonyms)
    return tuple((heading, _heading_pattern(tuple(_names_for(heading, by_heading)))) for heading in required_sections
                 if _names_for(heading, by_heading))


def _heading_lines(lines: Sequence[str], required_sections: Sequence[str], synonyms: Synonyms | None) -> list[_HeadingLine]:
    """Every line that is a heading of a required section, in text order (a line matching several takes the longest match)."""
    patterns = _section_patterns(tuple(required_sections),
                                 tuple((key, tuple(names)) for key, names in (synonyms or {}).items()))
    found: list[_HeadingLine] = []
    for index, line in enumerate(lines):
        best: tuple[int, _HeadingLine] | None = None
        for heading, pattern in patterns:
            match = pattern.match(line)
            if match is None:
                continue
            length = match.start("rest")
            if best is None or length > best[0]:
                best = (length, _HeadingLine(heading=heading, index=index, rest=match.group("rest")))
        if best is not None:
            found.append(best[1])
    return found


def _choose(headings: list[_HeadingLine], required_sections: Sequence[str]) -> tuple[dict[str, int], bool]:
    """One heading line per present section (as a position in ``headings``), and whether they are in order.

    The sections are in order when, going through them in the manifest's order, each has a heading
    after the one chosen for the section before; the earliest such heading is chosen. Otherwise
    each section's first heading is chosen.
    """
    in_order_choice: dict[str, int] = {}
    after = -1
    in_order = True
    for heading in required_sections:
        positions = [i for i, line in enumerate(headings) if line.heading == heading]
        if not positions:
            continue
        later = [i for i in positions if i > after]
        if not later:
            in_order = False
            break
        in_order_choice[heading] = after = later[0]
    if in_order:
        return in_order_choice, True
    first: dict[str, int] = {}
    for i, line in enumerate(headings):
        first.setdefault(line.heading, i)
    return first, False


def _body(lines: Sequence[str], headings: list[_HeadingLine], position: int) -> str:
    """The text under ``headings[position]``: the rest of its line and the lines up to the next heading line."""
    start = headings[position].index
    end = headings[position + 1].index if position + 1 < len(headings) else len(lines)
    rest = headings[position].rest
    text = "\n".join([rest, *lines[start + 1:end]])
    return text.strip()


def find_sections(text: str, required_sections: Sequence[str],
                  synonyms: Synonyms | None = None) -> tuple[tuple[SectionFound, ...], bool]:
    """The required sections that ``text`` has as headings (in text order), and whether they are in the manifest's order."""
    lines = text.splitlines()
    headings = _heading_lines(lines, required_sections, synonyms)
    chosen, in_order = _choose(headings, required_sections)
    found = [
        SectionFound(heading=heading, line=headings[position].index + 1, body=_body(lines, headings, position))
        for heading, position in chosen.items()
    ]
    return tuple(sorted(found, key=lambda section: section.line)), in_order


def check_structure(output: str, required_sections: Sequence[str],
                    synonyms: Synonyms | None = None) -> StructureResult:
    """Required sections present as headings, in the manifest's order, each with text under it.

    ``synonyms`` maps a required heading to other names it may appear under (a set's
    ``section_synonyms``); a section found under a synonym counts as that section.
    """
    sections, in_order = find_sections(output, required_sections, synonyms)
    by_heading = {section.heading: section for section in sections}
    present = tuple(h for h in required_sections if h in by_heading)
    missing = tuple(h for h in required_sections if h not in by_heading)
    empty = tuple(h for h in present if not _EMPTY_BODY.sub("", by_heading[h].body))
    return StructureResult(present=present, missing=missing, empty=empty, in_order=in_order, sections=sections)


def section_bodies(text: str, required_sections: Sequence[str], synonyms: Synonyms | None = None) -> dict[str, str]:
    """The text under each required section's heading in ``text``, keyed by the manifest heading.

    Only sections found are keys, in manifest order; a section with a heading but no text maps to ``""``.
    """
    sections, _in_order = find_sections(text, required_sections, synonyms)
    by_heading = {section.heading: section.body for section in sections}
    return {heading: by_heading[heading] for heading in required_sections if heading in by_heading}
