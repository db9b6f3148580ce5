"""Bounded fuzzing of every loader of user input: a fixed seed, a few hundred mutated files per loader
(byte flips, truncation, deleted and duplicated lines, misspelled keys, deep nesting, invalid UTF-8,
NaN, huge fields, stray quotes, overlapping PHI spans), and every outcome must be a success or a
``WorkbenchError`` that names the file. The mutations and loaders are those of
``bench/fuzz_loaders.py``, which runs many more (``make fuzz``)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import bench_script

SEED = 20260314
MUTATIONS = 200
FEWER = {"evalset_list": 40, "import_hf": 25}  # each call reads every shipped set / builds a dataset
LOADERS = ("cases", "manifest", "evalset_dir", "evalset_list", "prompt", "catalogue", "predictions_csv",
           "predictions_jsonl", "import_csv", "import_jsonl", "thresholds", "import_hf")


def _fuzzer() -> ModuleType:
    return bench_script("fuzz_loaders.py")


def test_the_test_covers_every_loader_of_the_fuzzer(tmp_path: Path) -> None:
    fuzzer = _fuzzer()
    assert {target.name for target in fuzzer.build_targets(tmp_path)} == set(LOADERS)


@pytest.mark.parametrize("loader", LOADERS)
def test_bad_input_is_a_success_or_a_workbench_error_naming_the_file(loader: str, tmp_path: Path) -> None:
    fuzzer = _fuzzer()
    results = fuzzer.fuzz(FEWER.get(loader, MUTATIONS), SEED, tmp_path, [loader])
    outcome = results[loader]
    crashes = "\n\n".join(f"{signature}\n{text}" for signature, text in outcome.crashes.items())
    assert outcome.failures == 0, f"{loader}: {dict(outcome.counts)}\n{crashes}"
    assert outcome.counts["refused"] > 0  # the mutations do reach the checks
