"""MLflow: evaluations as runs (params, metrics, per-case tables and traces), and prompt versions in the Prompt Registry."""
