"""How the browser workbench's pages are drawn: the font stacks and the few style rules Gradio's defaults lack.

No web fonts: the page fetches nothing remote. Chinese notes, outputs and prompts need a CJK font
installed on the machine the browser runs on (Debian: ``fonts-noto-cjk``); the stacks name the usual
CJK system fonts before the generic family, so the browser picks one rather than drawing boxes.
"""

from __future__ import annotations

CJK_SANS_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK TC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
                  "WenQuanYi Micro Hei"]
SANS_FONTS = ["ui-sans-serif", "system-ui", "Noto Sans", "DejaVu Sans", *CJK_SANS_FONTS, "sans-serif"]
MONO_FONTS = ["ui-monospace", "DejaVu Sans Mono", "Noto Sans Mono CJK SC", *CJK_SANS_FONTS, "monospace"]

# Highlighted text (notes and outputs with PHI marked) flows as a paragraph and wraps between words:
# Gradio lays its pieces out as flex items with ``word-break: break-all``, which splits words mid-word
# and puts every highlighted span on a new line.
PAGE_CSS = """
.textfield { display: block !important; word-break: normal !important; overflow-wrap: anywhere; }
.textfield .line-break { display: block; }
"""
