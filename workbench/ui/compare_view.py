"""The Compare tab: two runs side by side (two prompt versions, two dates, two model settings).

Pick run A and run B; the tab aligns their cases by case id and model (``workbench.scoring.run_diff``),
shows each shared model's scores in both runs with the change, and lists the cases whose primary
quality score changed most first; picking one shows both outputs with the words only one of them has
marked. Runs over different evaluation-set hashes are compared only on the cases both hold with
identical content, and the tab says so above the figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from workbench.run.files import RunDirectoryError, list_run_dirs, read_manifest, read_run_dir
from workbench.safe_names import UnsafeNameError, safe_child
from workbench.scoring.registry import metric, primary
from workbench.scoring.run_diff import RunDiff, RunDiffError, Segment, diff_runs, side_a, side_b, word_diff
from workbench.ui.escape import markdown_text

ONLY_IN_A = "only in A"
ONLY_IN_B = "only in B"
MODEL_HEADERS = ["model", "score", "A", "B", "change (B − A)"]
PICK_TWO = "Pick run A and run B, then compare."


def run_label(run_dir: Path) -> str:
    """How a run is named in the pickers: id, set, prompt version and models."""
    try:
        manifest = read_manifest(run_dir)
    except RunDirectoryError:
        return run_dir.name
    return f"{manifest.run_id} · {manifest.evalset} · {manifest.prompt} · {', '.join(manifest.models)}"


def run_choices(runs_dir: Path) -> list[tuple[str, str]]:
    return [(run_label(path), str(path)) for path in list_run_dirs(runs_dir)]


def run_pickers(runs_dir: Path, current_a: str | None = None, current_b: str | None = None) -> tuple[Any, Any]:
    """Both run pickers as the runs directory holds them now: a choice that is still listed stays; otherwise
    A is the second newest run and B the newest."""
    choices = run_choices(runs_dir)
    values = [value for _, value in choices]
    default_b = values[0] if values else None
    default_a = values[1] if len(values) > 1 else default_b
    return (gr.update(choices=choices, value=current_a if current_a in values else default_a),
            gr.update(choices=choices, value=current_b if current_b in values else default_b))


def chosen_run(runs_dir: Path, run_dir: str) -> Path:
    """A picked run directory; anything that is not a directory directly inside ``runs_dir`` is refused."""
    chosen = Path(run_dir)
    inside = safe_child(runs_dir, chosen.name, "run directory")
    if chosen.resolve() != inside.resolve():
        raise UnsafeNameError(f"run directory {run_dir!r} is not inside the runs directory {runs_dir}")
    return inside


def checked_not_blind(config: Any, user: str, run_a: str | None, run_b: str | None) -> None:
    """Refuse a comparison of a run ``user`` reviews blind (``review_view.blind_review_of``)."""
    from workbench.ui.review_view import blind_review_of

    for run in (run_a, run_b):
        held_back = blind_review_of(config, user, chosen_run(config.runs_dir, run)) if run else None
        if held_back is not None:
            raise RunDirectoryError(held_back)


def load_diff(runs_dir: Path, run_a: str | None, run_b: str | None) -> RunDiff:
    if not run_a or not run_b:
        raise RunDiffError("pick run A and run B")
    return diff_runs(read_run_dir(chosen_run(runs_dir, run_a)), read_run_dir(chosen_run(runs_dir, run_b)))


def _signed(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:+.{digits}f}"


def model_rows(found: RunDiff) -> list[list[str]]:
    """One row per shared model and compared score: A, B and the change, each a mean over the shared cases."""
    rows = []
    for model in found.model_deltas:
        rows.append([model.model, "failed cases", str(model.failures_a), str(model.failures_b),
                     f"{model.failures_b - model.failures_a:+d}"])
        for delta in model.deltas:
            declared = metric(delta.metric)
            rows.append([model.model, f"{declared.label} {declared.arrow}".strip(), declared.format(delta.a),
                         declared.format(delta.b), _signed(delta.delta, declared.digits)])
    return rows


def case_choices(found: RunDiff) -> list[tuple[str, str]]:
    """The aligned (case, model) pairs, largest change of the primary quality score first."""
    quality = primary("quality", found.b.task)
    choices = []
    for index, case in enumerate(found.cases):
        change = "same output" if case.identical else f"Δ {quality.label} {_signed(case.delta(quality.name), quality.digits)}"
        choices.append((f"{case.case_id} · {case.model} · {change}", str(index)))
    return choices


def summary_text(found: RunDiff) -> str:
    notices = "".join(f"\n\n**Note:** {markdown_text(notice)}" for notice in found.notices())
    same = ("same cases (same evaluation-set hash)" if found.same_cases
            else f"{len(found.shared_cases)} shared case(s) only")
    return (f"**A** {markdown_text(found.a.run_id)} · {markdown_text(found.a.evalset)} · {markdown_text(found.a.prompt)}  \n"
            f"**B** {markdown_text(found.b.run_id)} · {markdown_text(found.b.evalset)} · {markdown_text(found.b.prompt)}  \n"
            f"Compared: {same}; {len(found.models)} model(s); scores are means over the cases both runs scored."
            f"{notices}")


def highlighted(segments: list[Segment], label: str) -> list[tuple[str, str | None]]:
    return [(segment.text, None if segment.change == "same" else label) for segment in segments]


def compare(config: Any, run_a: str | None, run_b: str | None, user: str) -> tuple[str, Any, Any, Any, Any, str]:
    """The Compare button: summary, per-model table, the case list (nothing picked), both outputs cleared."""
    try:
        checked_not_blind(config, user, run_a, run_b)
        found = load_diff(config.runs_dir, run_a, run_b)
    except (RunDiffError, RunDirectoryError, UnsafeNameError) as exc:
        return (f"**Cannot compare:** {markdown_text(exc)}", [], gr.update(choices=[], value=None), None, None, "")
    config.audit.record(user=user, action="compare.view", models=found.models, evalset=found.a.evalset,
                        details={"run_a": found.a.run_id, "run_b": found.b.run_id})
    return (summary_text(found), model_rows(found), gr.update(choices=case_choices(found), value=None), None, None,
            "Pick a case to see both outputs, the words only one of them has marked.")


def show_case(config: Any, run_a: str | None, run_b: str | None, pick: str | None, user: str) -> tuple[Any, Any, str]:
    """One aligned case: output A with the words only A has marked, output B with the words only B has."""
    if pick is None or not str(pick).isdigit():
        return None, None, ""
    try:
        checked_not_blind(config, user, run_a, run_b)
        found = load_diff(config.runs_dir, run_a, run_b)
        case = found.cases[int(pick)]
    except (RunDiffError, RunDirectoryError, UnsafeNameError, IndexError) as exc:
        return None, None, f"**Cannot show this case:** {markdown_text(exc)}"
    config.audit.record(user=user, action="compare.case", models=[case.model], evalset=found.a.evalset,
                        details={"run_a": found.a.run_id, "run_b": found.b.run_id, "case_id": case.case_id})
    segments = word_diff(case.output_a, case.output_b)
    scores = " · ".join(f"{metric(d.metric).label} {metric(d.metric).format(d.a)} → {metric(d.metric).format(d.b)}"
                        for d in case.deltas if d.a is not None or d.b is not None)
    errors = "".join(f" · **{side} failed:** {markdown_text(error)}"
                     for side, error in (("A", case.error_a), ("B", case.error_b)) if error)
    title = (f"Case **{markdown_text(case.case_id)}** · {markdown_text(case.model)}"
             f"{' · the outputs are identical' if case.identical else ''}{errors}  \n{markdown_text(scores)}")
    return highlighted(side_a(segments), ONLY_IN_A), highlighted(side_b(segments), ONLY_IN_B), title


def build_compare_tab(config: Any, user_of: Any) -> dict[str, Any]:
    """The tab's components inside the current ``gr.Tab``, with their events wired; ``user_of(request)``
    names the user for the audit log. Returns the components by name (for the app's own wiring)."""
    with gr.Row():
        pick_a = gr.Dropdown([], label="Run A", elem_id="compare-run-a")
        pick_b = gr.Dropdown([], label="Run B", elem_id="compare-run-b")
    with gr.Row():
        button = gr.Button("Compare", variant="primary", elem_id="compare-button")
        refresh = gr.Button("Refresh runs", elem_id="compare-refresh")
    summary = gr.Markdown(PICK_TWO, elem_id="compare-summary")
    models = gr.Dataframe(headers=MODEL_HEADERS, interactive=False, wrap=True, label="Scores per model (means over "
                          "the shared cases)", elem_id="compare-models")
    case = gr.Dropdown([], label="Case · model (largest change first)", elem_id="compare-case")
    case_title = gr.Markdown(elem_id="compare-case-title")
    with gr.Row():
        output_a = gr.HighlightedText(label="Output A", show_legend=True, color_map={ONLY_IN_A: "red"},
                                      elem_id="compare-output-a")
        output_b = gr.HighlightedText(label="Output B", show_legend=True, color_map={ONLY_IN_B: "green"},
                                      elem_id="compare-output-b")

    def _pickers(current_a: str | None, current_b: str | None) -> tuple[Any, Any]:
        return run_pickers(config.runs_dir, current_a, current_b)

    def _compare(run_a: str | None, run_b: str | None, request: gr.Request) -> tuple[Any, ...]:
        return compare(config, run_a, run_b, user_of(request))

    def _case(run_a: str | None, run_b: str | None, pick: str | None, request: gr.Request) -> tuple[Any, ...]:
        return show_case(config, run_a, run_b, pick, user_of(request))

    refresh.click(_pickers, [pick_a, pick_b], [pick_a, pick_b], api_visibility="private")
    button.click(_compare, [pick_a, pick_b], [summary, models, case, output_a, output_b, case_title],
                 api_visibility="private")
    case.select(_case, [pick_a, pick_b, case], [output_a, output_b, case_title], api_visibility="private")
    return {"run_a": pick_a, "run_b": pick_b, "refresh": _pickers}
