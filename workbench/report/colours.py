"""One colour per model, the same in every chart: the report's SVG charts, the UI's and the notebooks'
plotly figures.

The palette is Okabe and Ito's colour-blind-safe set (without its yellow, too pale on white). A model's
colour is decided by the order in which models appear in the comparison: the first model is blue, the
second orange, and so on, whatever chart draws them. Beyond seven models the colours repeat; every chart
also names its models in text.
"""

from __future__ import annotations

from collections.abc import Sequence

MODEL_PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
)
NEUTRAL_COLOUR = "#777777"  # lines that belong to no model (objectives, Pareto fronts)
OBJECTIVE_COLOUR = "#B00020"


def model_colours(models: Sequence[str]) -> dict[str, str]:
    """``{model: colour}`` for models in the order they appear in the comparison (repeats ignored)."""
    colours: dict[str, str] = {}
    for model in models:
        if model not in colours:
            colours[model] = MODEL_PALETTE[len(colours) % len(MODEL_PALETTE)]
    return colours
