"""Scoring throughput: all default scorers against bare rouge-score on the same note pairs.

Pairs are built from MTS-Dialog (../shared/data/mts-dialog): each prediction and reference
is the first ``--words`` words (default 400) of two different dialogues, the length of a
clinical note. Three figures, in note pairs per second on one core:

* bare rouge-score: ``RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"]).score``;
* workbench ROUGE only: ``workbench.scoring.rouge.rouge_scores`` (checked identical);
* workbench, all default scorers: ROUGE, structure, clinical values, plausibility,
  length and gold PHI leakage (``workbench.scoring.scorer.score_case``).

Then the PHI detector, which runs by default only on sets without gold spans, in outputs per
second: alone on short summaries (MTS-Dialog ``section_text`` of at least ``--summary-words``
words, English), and as a share of the time of all scorers on the note pairs.

Bare rouge-score is slow: ``--bare-pairs`` scores only that many pairs with it (all by default).
Each figure is the best of ``--repeats`` passes, in wall time and in CPU time of this process
(the two part on a machine shared with other work).

    .venv/bin/python bench/bench_scoring.py [--pairs 200] [--words 400] [--bare-pairs N] [--repeats 3]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path
from typing import Callable

from rouge_score import rouge_scorer

from workbench.data.evalsets import Case
from workbench.scoring.rouge import rouge_scores
from workbench.scoring.scorer import score_case


def forget_texts() -> None:
    """Clear what the scorers keep of texts already read (a version without such caches has nothing to clear)."""
    from workbench.scoring import scorer

    if hasattr(scorer, "clear_text_caches"):
        scorer.clear_text_caches()

MTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "mts-dialog" / "MTS_Dataset_TrainingSet.csv"
SECTIONS = ("Chief Complaint:", "History of Present Illness:", "Key Findings:", "Assessment and Plan:")


def load_pairs(count: int, words: int) -> list[tuple[str, str]]:
    with MTS.open(encoding="utf-8-sig", newline="") as handle:
        dialogues = [row["dialogue"] for row in csv.DictReader(handle)]
    long_enough = [d for d in dialogues if len(d.split()) >= words]
    texts = ["\n".join(" ".join(d.split()[i:i + 20]) for i in range(0, words, 20)) for d in long_enough]
    return [(texts[i % len(texts)], texts[(i + 1) % len(texts)]) for i in range(count)]


def load_summaries(count: int, words: int) -> list[str]:
    with MTS.open(encoding="utf-8-sig", newline="") as handle:
        texts = [row["section_text"] for row in csv.DictReader(handle)]
    long_enough = [text for text in texts if len(text.split()) >= words]
    return [long_enough[i % len(long_enough)] for i in range(count)]


def timed(work: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best wall and best CPU seconds of ``repeats`` runs of ``work``, each on texts never read before."""
    walls, cpus = [], []
    for _ in range(repeats):
        forget_texts()
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def rate(count: int, seconds: tuple[float, float], unit: str = "pairs/s") -> str:
    wall, cpu = seconds
    return f"{count / wall:8.1f} {unit} wall ({wall:6.2f} s), {count / cpu:8.1f} {unit} CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--words", type=int, default=400)
    parser.add_argument("--bare-pairs", type=int, default=None, help="pairs scored by bare rouge-score (default: all)")
    parser.add_argument("--summaries", type=int, default=500, help="short summaries for the detector")
    parser.add_argument("--summary-words", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    pairs = load_pairs(args.pairs, args.words)
    bare_pairs = pairs[:args.bare_pairs] if args.bare_pairs is not None else pairs

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    expected = [scorer.score(reference, prediction) for reference, prediction in bare_pairs]
    bare = timed(lambda: [scorer.score(reference, prediction) for reference, prediction in bare_pairs], 1)

    ours = [rouge_scores(reference, prediction, language="en") for reference, prediction in bare_pairs]
    rouge_only = timed(lambda: [rouge_scores(reference, prediction, language="en") for reference, prediction in pairs],
                       args.repeats)
    identical = all(
        (o[k].precision, o[k].recall, o[k].fmeasure) == (e[k].precision, e[k].recall, e[k].fmeasure)
        for o, e in zip(ours, expected) for k in e
    )

    cases = [Case(id=f"p{i}", language="en", source=prediction, reference=reference)
             for i, (reference, prediction) in enumerate(pairs)]
    everything = timed(lambda: [score_case(case, prediction, SECTIONS) for case, (_reference, prediction)
                                in zip(cases, pairs)], args.repeats)

    from workbench.scoring.phi_detector import PHIDetector

    detector = PHIDetector()
    summaries = load_summaries(args.summaries, args.summary_words)
    detector.detect(summaries[0], "en")  # first call loads what Presidio loads lazily
    detector_alone = timed(lambda: [detector.detect(summary, "en") for summary in summaries], args.repeats)
    with_detector = timed(lambda: [score_case(case, prediction, SECTIONS, detector) for case, (_reference, prediction)
                                   in zip(cases, pairs)], args.repeats)

    print(f"{len(pairs)} note pairs of {args.words} words (MTS-Dialog), one core, best of {args.repeats}")
    print(f"bare rouge-score (1/2/L/Lsum), {len(bare_pairs)} pairs   {rate(len(bare_pairs), bare)}")
    print(f"workbench ROUGE (1/2/L/Lsum)           {rate(len(pairs), rouge_only)}   identical: {identical}")
    print(f"workbench, all default scorers         {rate(len(pairs), everything)}")
    print(f"speed-up of all scorers over bare rouge-score (wall): "
          f"{(bare[0] / len(bare_pairs)) / (everything[0] / len(pairs)):.1f}x")
    mean_words = sum(len(summary.split()) for summary in summaries) / len(summaries)
    print(f"PHI detector alone, {len(summaries)} summaries of {mean_words:.0f} words on average "
          f"{rate(len(summaries), detector_alone, 'outputs/s')}")
    print(f"all default scorers and the detector   {rate(len(pairs), with_detector)}   "
          f"detector share of CPU: {1 - everything[1] / with_detector[1]:.0%}")


if __name__ == "__main__":
    main()
