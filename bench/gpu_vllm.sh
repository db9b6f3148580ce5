#!/usr/bin/env bash
# The vLLM figures a GPU owner reports, in one go, from the repository root of a machine with
# the GPU extra installed (`make setup && .venv/bin/pip install -e '.[gpu]'`) and the weights in
# the local Hugging Face cache (see README, "On a GPU machine"):
#
#   bash bench/gpu_vllm.sh [OUT_DIR]
#
# 1. latency agreement with `vllm bench serve` (A/B/A, concurrency 1, 4, 16) for Qwen3-14B with
#    thinking off and on, and for MedGemma 4B;
# 2. `workbench run` of both models over clinical-summary-en at concurrency 16 (start-up time,
#    tokens/s and scores in each evaluation.json, the server logs beside them);
# 3. `workbench load` of both models at concurrency 1, 4, 8, 16 with an e2e objective of 10 s.
# Everything lands in OUT_DIR (default bench-gpu-<date>); nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench-gpu-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
PY=.venv/bin/python
WB=.venv/bin/workbench
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv | tee "$OUT/gpus.csv"

$PY bench/bench_vllm_agreement.py --model qwen3-14b --no-thinking --json "$OUT/agreement-qwen3-14b.json" \
    | tee "$OUT/agreement-qwen3-14b.txt"
$PY bench/bench_vllm_agreement.py --model qwen3-14b --thinking --json "$OUT/agreement-qwen3-14b-thinking.json" \
    | tee "$OUT/agreement-qwen3-14b-thinking.txt"
$PY bench/bench_vllm_agreement.py --model medgemma-4b-it --json "$OUT/agreement-medgemma-4b-it.json" \
    | tee "$OUT/agreement-medgemma-4b-it.txt"

$WB run --model qwen3-14b --model medgemma-4b-it --evalset clinical-summary-en --concurrency 16 \
    --runs-dir "$OUT/runs" --no-mlflow --allow-failures | tee "$OUT/run.txt"
$WB load --model qwen3-14b --model medgemma-4b-it --evalset clinical-summary-en --concurrency 1,4,8,16 \
    --slo e2e=10 --runs-dir "$OUT/runs" --no-mlflow | tee "$OUT/load.txt"
echo "figures in $OUT"
