"""Chinese ROUGE under each tokenization scheme, on the shipped ``inpatient-summary-zh`` set.

The "output" of each case is the first half of its reference (by characters), so every
scheme scores the same text pairs and only the tokenization differs. Prints the mean
F-measure of ROUGE-1, -2, -L and -Lsum per scheme, and each scheme's difference from
the Chinese default ("char").

    .venv/bin/python bench/bench_rouge_schemes.py [--evalset inpatient-summary-zh]
"""

from __future__ import annotations

import argparse

from workbench.data.evalsets import load_evalset
from workbench.scoring.rouge import ROUGE_TYPES, SCHEMES, rouge_scheme, rouge_scores

CHINESE_SCHEMES = ("char", "jieba", "cjk-mixed")


def mean_scores(pairs: list[tuple[str, str]], scheme: str) -> dict[str, float]:
    """Mean F-measure per ROUGE type over (reference, output) pairs."""
    totals = {name: 0.0 for name in ROUGE_TYPES}
    for reference, output in pairs:
        for name, score in rouge_scores(reference, output, language="zh", scheme=scheme).items():
            totals[name] += score.fmeasure
    return {name: total / len(pairs) for name, total in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evalset", default="inpatient-summary-zh")
    args = parser.parse_args()
    evalset = load_evalset(args.evalset)
    pairs = [(case.reference, case.reference[: len(case.reference) // 2])
             for case in evalset.cases if case.reference.strip()]
    assert all(scheme in SCHEMES for scheme in CHINESE_SCHEMES)
    default = rouge_scheme("zh")
    results = {scheme: mean_scores(pairs, scheme) for scheme in CHINESE_SCHEMES}

    print(f"{args.evalset}: {len(pairs)} cases, output = first half of the reference; "
          f"mean F-measure (default scheme for zh: {default})")
    print(f"{'scheme':<11}" + "".join(f"{name:>11}" for name in ROUGE_TYPES))
    for scheme, scores in results.items():
        print(f"{scheme:<11}" + "".join(f"{scores[name]:>11.4f}" for name in ROUGE_TYPES))
    print(f"difference from {default}:")
    for scheme, scores in results.items():
        if scheme != default:
            print(f"{scheme:<11}" + "".join(f"{scores[name] - results[default][name]:>+11.4f}" for name in ROUGE_TYPES))


if __name__ == "__main__":
    main()
