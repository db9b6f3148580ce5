"""Close matches for a mistyped name: the "did you mean …?" of every unknown-name error.

Models, evaluation sets and prompts all name themselves through this one rule, so the CLI, the
UI and the Python API say the same thing about the same typo.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_SUGGESTIONS = 3
SIMILARITY_CUTOFF = 0.6  # difflib's ratio; below it a name is not offered
# A name much further off than the best match is noise beside it ('smoke-eng' -> 'smoke-en', not also 'smoke-zh').
RUNNER_UP_MARGIN = 0.15


def close_names(name: str, known: Iterable[str], *, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The known names closest to ``name``, best first: at most ``limit``, none when nothing is close.

    Case is ignored when comparing (``Qwen3-14B`` finds ``qwen3-14b``); the known spelling is returned.
    A runner-up is kept only when it is nearly as close as the best match (within ``RUNNER_UP_MARGIN``).
    """
    by_folded: dict[str, str] = {}
    for candidate in known:
        by_folded.setdefault(candidate.casefold(), candidate)
    folded = name.casefold()
    if folded in by_folded:  # the name differs only in case: that is the one meant
        return [by_folded[folded]]
    matches = difflib.get_close_matches(folded, list(by_folded), n=limit, cutoff=SIMILARITY_CUTOFF)
    ratios = [difflib.SequenceMatcher(None, folded, match).ratio() for match in matches]
    return [by_folded[match] for match, ratio in zip(matches, ratios) if ratio >= ratios[0] - RUNNER_UP_MARGIN]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'a', 'b' or 'c'?"`` for the known names close to ``name``, or ``""`` when none is."""
    names = [f"'{candidate}'" for candidate in close_names(name, known)]
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"; did you mean {listed}?"
