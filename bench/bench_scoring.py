"""Scoring throughput: all default scorers against bare rouge-score on the same note pairs.

Pairs are built from MTS-Dialog (../shared/data/mts-dialog): each prediction and reference
is the first ``--words`` words (default 400) of two different dialogues, the length of a
clinical note. Three figures, in note pairs per second on one core:

* bare rouge-score: ``RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"]).score``;
* workbench ROUGE only: ``workbench.scoring.rouge.rouge_scores`` (checked identical);
* workbench, all default scorers: ROUGE, structure, clinical values, plausibility,
  length and gold PHI leakage (``workbench.scoring.scorer.score_case``).

    .venv/bin/python bench/bench_scoring.py [--pairs 200] [--words 400]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from rouge_score import rouge_scorer

from workbench.data.evalsets import Case
from workbench.scoring.rouge import rouge_scores
from workbench.scoring.scorer import score_case

MTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "mts-dialog" / "MTS_Dataset_TrainingSet.csv"
SECTIONS = ("Chief Complaint:", "History of Present Illness:", "Key Findings:", "Assessment and Plan:")


def load_pairs(count: int, words: int) -> list[tuple[str, str]]:
    with MTS.open(encoding="utf-8-sig", newline="") as handle:
        dialogues = [row["dialogue"] for row in csv.DictReader(handle)]
    long_enough = [d for d in dialogues if len(d.split()) >= words]
    texts = ["\n".join(" ".join(d.split()[i:i + 20]) for i in range(0, words, 20)) for d in long_enough]
    return [(texts[i % len(texts)], texts[(i + 1) % len(texts)]) for i in range(count)]


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8.1f} pairs/s  ({seconds:6.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--words", type=int, default=400)
    args = parser.parse_args()
    pairs = load_pairs(args.pairs, args.words)

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    start = time.perf_counter()
    expected = [scorer.score(reference, prediction) for reference, prediction in pairs]
    bare = time.perf_counter() - start

    start = time.perf_counter()
    ours = [rouge_scores(reference, prediction, language="en") for reference, prediction in pairs]
    rouge_only = time.perf_counter() - start
    identical = all(
        (o[k].precision, o[k].recall, o[k].fmeasure) == (e[k].precision, e[k].recall, e[k].fmeasure)
        for o, e in zip(ours, expected) for k in e
    )

    cases = [Case(id=f"p{i}", language="en", source=prediction, reference=reference)
             for i, (reference, prediction) in enumerate(pairs)]
    start = time.perf_counter()
    for case, (_reference, prediction) in zip(cases, pairs):
        score_case(case, prediction, SECTIONS)
    everything = time.perf_counter() - start

    print(f"{len(pairs)} note pairs of {args.words} words (MTS-Dialog), one core")
    print(f"bare rouge-score (1/2/L/Lsum)          {rate(len(pairs), bare)}")
    print(f"workbench ROUGE (1/2/L/Lsum)           {rate(len(pairs), rouge_only)}   identical: {identical}")
    print(f"workbench, all default scorers         {rate(len(pairs), everything)}")
    print(f"speed-up of all scorers over bare rouge-score: {bare / everything:.1f}x")


if __name__ == "__main__":
    main()
