"""The workbench's reusable metrics as Hugging Face ``evaluate`` modules, loadable offline.

Each metric is a directory holding a script of the same name (``evaluate``'s convention
for local modules), whose ``_compute`` calls the workbench's own scoring functions, so
``evaluate.load`` gives exactly the numbers the workbench reports::

    import evaluate
    from workbench.scoring.hf_metrics import metric_path

    rouge = evaluate.load(metric_path("clinical_rouge"))
    rouge.compute(predictions=[...], references=[...], language="zh")

Nothing is fetched from the Hub: ``evaluate.load`` of a local directory copies the script
into its module cache (``HF_MODULES_CACHE``) and imports it from there.
"""

from __future__ import annotations

from importlib.resources import files

METRIC_MODULES: tuple[str, ...] = (
    "clinical_rouge",
    "structure_compliance",
    "clinical_values",
    "phi_leakage",
    "phi_detector",
)


def metric_path(name: str) -> str:
    """The directory of the shipped metric module ``name``, for ``evaluate.load``."""
    if name not in METRIC_MODULES:
        raise ValueError(f"unknown metric {name!r}; known metrics: {', '.join(METRIC_MODULES)}")
    return str(files("workbench.scoring.hf_metrics") / name)


__all__ = ["METRIC_MODULES", "metric_path"]
