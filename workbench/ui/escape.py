"""Text from users, models, servers and files, made safe to place inside ``gr.Markdown``.

A case id, a model name, a run id, a set or prompt name, an error body from a model server
or a model's output can contain HTML (``<img src=...>`` makes every viewer's browser fetch
that address) or markdown (``![x](http://...)`` does the same, ``[x](http://...)`` plants a
link). ``markdown_text`` turns any such value into text that renders as itself.
"""

from __future__ import annotations

import html

# Backslash first, so that the backslashes added for the others are not doubled.
_MARKDOWN_CONTROL = "\\`*_{}[]()!#|$~"


def markdown_text(value: object) -> str:
    """``value`` as markdown that shows exactly its text: no HTML, no links, images, emphasis or tables."""
    text = html.escape(str(value), quote=False)  # <, > and & become entities: no tag can open
    escaped = "".join("\\" + char if char in _MARKDOWN_CONTROL else char for char in text)
    # Bare addresses would still become links (GFM autolinks): break the patterns, not the text shown.
    return escaped.replace("://", ":\\/\\/").replace("www.", "www\\.")
