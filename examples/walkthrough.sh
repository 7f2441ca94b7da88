#!/usr/bin/env bash
# A walk through selector on the real corpora in ../shared/data (beside this repository).
#
#   bash examples/walkthrough.sh [OUT_DIR]
#
# 1. look at the corpora; 2. LIMA-style curation of the code corpora; 3. task-targeted selection on the P3 task
# files with a few examples of one task as --target; 4. the same pool with every task balanced by temperature.
# The first run embeds the samples (a few minutes on a laptop CPU); later runs reuse the embedding cache.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/data
OUT=${1:-/tmp/selector-walkthrough}
if [ ! -d "$DATA" ]; then
  echo "the shared corpora are not at $DATA; this walkthrough reads them from there" >&2
  exit 1
fi
mkdir -p "$OUT"

echo "== 1. What is in the corpora (files of unknown shape are listed with the reason)"
selector stats "$DATA" --skip-invalid

echo "== 2. LIMA-style curation of the code corpora: filters, cleaning, then 200 diverse samples"
selector filter "$DATA/code_alpaca_2k.json" "$DATA/new_codealpaca.json" --config lima \
  --out "$OUT/code-filtered"
# LIMA's 1,200-character floor leaves almost no code answers; the default config keeps them and removes duplicates.
selector select "$DATA/code_alpaca_2k.json" "$DATA/new_codealpaca.json" --budget 200 \
  --out "$OUT/code-select" --overwrite

echo "== 3. Task-targeted selection: 20 P3 samples for a task known only from five examples"
sed -n '101,105p' "$DATA/p3_t0_train_50k/ag_news_classify_with_choices.jsonl" > "$OUT/target.jsonl"
selector select "$DATA/p3_t0_train_50k" --config task --budget 20 --target "$OUT/target.jsonl" \
  --out "$OUT/p3-target" --overwrite

echo "== 4. Every P3 task at once: the paper's 0.5%, budget split across tasks by temperature (tau = 3)"
selector select "$DATA/p3_t0_train_50k" --task-field @file --fraction 0.005 --out "$OUT/p3-tasks" --overwrite

echo "== Done. Open $OUT/*/report.md for the plots; selection.jsonl says why each sample was picked."
