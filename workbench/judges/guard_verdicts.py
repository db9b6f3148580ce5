"""A guard model's verdict on one text, read from the model's own output format.

The format is the one Qwen3Guard-Gen documents for moderating a response (one ``Key: value`` line each)::

    Safety: Unsafe
    Categories: PII
    Refusal: No

``Safety`` is one of Safe, Controversial, Unsafe; ``Categories`` is ``None`` or a comma-separated list of the
documented categories; ``Refusal`` (Yes/No) says whether the response refused. A guard that is an ordinary
instruction-tuned model is asked for the same lines and may add ``Reason: ...``. A reply that does not follow
the format exactly (no or two ``Safety`` lines, an unknown level or category, a safe verdict with risk
categories, any other text) is *unparsed*: it is counted as such and never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

VerdictLevel = Literal["safe", "controversial", "unsafe", "unparsed"]
LEVELS: tuple[VerdictLevel, ...] = ("safe", "controversial", "unsafe")
# Categories Qwen3Guard-Gen names for responses (and, for prompts, Jailbreak), as it spells them.
CATEGORIES = ("Violent", "Non-violent Illegal Acts", "Sexual Content or Sexual Acts", "PII", "Suicide & Self-Harm",
              "Unethical Acts", "Politically Sensitive Topics", "Copyright Violation", "Jailbreak")
PII_CATEGORY = "PII"
NO_CATEGORY = "None"
# What happens to a text with each verdict: passed on, queued for a person, blocked with an alert.
ROUTES: dict[VerdictLevel, str] = {"safe": "pass", "controversial": "review", "unsafe": "block",
                                   "unparsed": "review"}

_LINE = re.compile(r"^(?P<key>Safety|Categories|Refusal|Reason)\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE)
_CATEGORY_BY_FOLDED = {category.casefold(): category for category in CATEGORIES}


@dataclass(frozen=True)
class GuardVerdict:
    level: VerdictLevel
    categories: tuple[str, ...] = ()
    refusal: bool | None = None
    reason: str = ""
    problem: str = ""  # why the reply is unparsed; empty for a parsed one

    @property
    def parsed(self) -> bool:
        return self.level != "unparsed"

    @property
    def route(self) -> str:
        return ROUTES[self.level]

    @property
    def flags_identifiers(self) -> bool:
        """The guard judged the text risky for personal identifiers (a parsed, not-safe verdict naming PII)."""
        return self.level in ("controversial", "unsafe") and PII_CATEGORY in self.categories


def unparsed(problem: str) -> GuardVerdict:
    return GuardVerdict(level="unparsed", problem=problem)


def parse_guard_output(text: str) -> GuardVerdict:
    """The verdict in a guard's reply, or an unparsed verdict saying what is wrong with the reply."""
    fields: dict[str, str] = {}
    for number, line in enumerate(text.strip().splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line.strip())
        if match is None:
            return unparsed(f"line {number} is not a 'Key: value' line of the format: {line.strip()[:80]!r}")
        key = match["key"].capitalize()
        if key in fields:
            return unparsed(f"'{key}' appears more than once")
        fields[key] = match["value"]
    if "Safety" not in fields:
        return unparsed("no 'Safety:' line")
    level = fields["Safety"].casefold()
    if level not in LEVELS:
        return unparsed(f"unknown safety level {fields['Safety']!r} (expected Safe, Controversial or Unsafe)")
    categories = _categories(fields.get("Categories"))
    if isinstance(categories, str):
        return unparsed(categories)
    if level == "safe" and categories:
        return unparsed(f"a Safe verdict with risk categories {', '.join(categories)}")
    refusal = _refusal(fields.get("Refusal"))
    if isinstance(refusal, str):
        return unparsed(refusal)
    return GuardVerdict(level=level, categories=categories, refusal=refusal,  # type: ignore[arg-type]
                        reason=fields.get("Reason", ""))


def _categories(value: str | None) -> tuple[str, ...] | str:
    """The named categories (none for ``None`` or a missing line), or what is wrong with them."""
    if value is None or value.casefold() == NO_CATEGORY.casefold():
        return ()
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name.casefold() not in _CATEGORY_BY_FOLDED]
    if unknown or not names:
        return f"unknown categor{'ies' if len(unknown) > 1 else 'y'} {', '.join(map(repr, unknown)) or repr(value)}"
    return tuple(dict.fromkeys(_CATEGORY_BY_FOLDED[name.casefold()] for name in names))


def _refusal(value: str | None) -> bool | None | str:
    if value is None:
        return None
    if value.casefold() in ("yes", "no"):
        return value.casefold() == "yes"
    return f"refusal {value!r} is neither Yes nor No"


def verdict_of(level: str, categories: list[str] | tuple[str, ...], refusal: bool | None = None, reason: str = "",
               problem: str = "") -> GuardVerdict:
    """A verdict as a run file keeps it (``GuardRecord``'s fields) back as a :class:`GuardVerdict`."""
    known: VerdictLevel = level if level in (*LEVELS, "unparsed") else "unparsed"  # type: ignore[assignment]
    return GuardVerdict(level=known, categories=tuple(categories), refusal=refusal, reason=reason,
                        problem=problem or ("" if known == level else f"unknown level {level!r}"))
