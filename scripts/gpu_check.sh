#!/usr/bin/env bash
# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
#
# One GPU check, under 8 minutes on an H100/H200; every output goes to OUT.
#   scripts/gpu_check.sh [OUT]          on a CUDA machine (default OUT: results/new/gpu_check)
#   scripts/gpu_check.sh --dry [OUT]    on any machine: every stage on the CPU at a tiny
#                                       size, to check the script can start and finish
# Stages:
#   1. env.txt          nvidia-smi, torch and CUDA versions
#   2. correctness.json a CUDA plan == the CPU plan (same seed, same noise); bf16 and
#                       CUDA-graph plans agree with fp32 on the chosen action
#   3. bench_*.json     fast-lewm bench --device cuda, presets cpu and paper, 300 x 30,
#                       H = 5: plain, bf16, compile, cuda_graph, bf16 + cuda_graph
#   4. train_*          a short paper-preset training run: images per second
#   5. summary.txt      what passed, and the numbers
# Run it inside the project (scripts/with_env.sh is used when there is a .venv).
set -euo pipefail

DRY=0
if [[ "${1:-}" == "--dry" ]]; then
  DRY=1
  shift
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/results/new/gpu_check}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
RUN=()
if [[ -x "$ROOT/scripts/with_env.sh" && -d "$ROOT/.venv" ]]; then
  RUN=("$ROOT/scripts/with_env.sh")
fi
if ((DRY)); then
  DEVICE=cpu PRESETS=(tiny) SAMPLES=8 ITERATIONS=2 REPEATS=1 TRAIN_PRESET=tiny
  TRAIN_STEPS=2 TRAIN_EPISODES=4 TRAIN_IMAGE=16 TRAIN_BATCH=8 VARIANTS=("")
else
  DEVICE=cuda PRESETS=(cpu paper) SAMPLES=300 ITERATIONS=30 REPEATS=5 TRAIN_PRESET=paper
  TRAIN_STEPS=60 TRAIN_EPISODES=40 TRAIN_IMAGE=224 TRAIN_BATCH=128
  VARIANTS=("" "--bf16" "--compile" "--cuda-graph" "--bf16 --cuda-graph")
fi
status=0
step() { echo "== $*" | tee -a "$OUT/summary.txt"; }
: > "$OUT/summary.txt"
step "gpu_check $( ((DRY)) && echo dry || echo full ), device $DEVICE, $(date -u +%FT%TZ)"

# 1. environment
{
  nvidia-smi 2>&1 || echo "nvidia-smi: not available"
  "${RUN[@]}" python -c 'import torch; print("torch", torch.__version__, "cuda",
torch.version.cuda, "available", torch.cuda.is_available(),
torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
} > "$OUT/env.txt" 2>&1
tail -1 "$OUT/env.txt" | tee -a "$OUT/summary.txt"
if ((!DRY)) && ! "${RUN[@]}" python -c 'import sys, torch; sys.exit(not torch.cuda.is_available())'; then
  step "FAIL: torch sees no CUDA device (use --dry on a CPU-only machine)"
  exit 2
fi

# 2. correctness
step "correctness"
if ! timeout 300 "${RUN[@]}" python "$ROOT/scripts/gpu_check.py" --device "$DEVICE" \
    --preset "${PRESETS[0]}" --samples "$SAMPLES" --iterations "$ITERATIONS" --out "$OUT" \
    2>&1 | tee -a "$OUT/summary.txt"; then
  status=1
fi

# 3. planning benchmark
for variant in "${VARIANTS[@]}"; do
  tag="bench_${DEVICE}$(echo "$variant" | tr -d ' -' | sed 's/^./_&/')"
  step "fast-lewm bench --device $DEVICE --preset ${PRESETS[*]} $variant -> $tag.json"
  # shellcheck disable=SC2086  # the variant is a list of flags
  if ! timeout 420 "${RUN[@]}" fast-lewm bench --device "$DEVICE" --preset "${PRESETS[@]}" \
      --sweep-presets --base-horizon 5 --base-samples "$SAMPLES" --iterations "$ITERATIONS" \
      --repeats "$REPEATS" $variant --json "$OUT/$tag.json" > "$OUT/$tag.txt" 2>&1; then
    step "FAIL: bench $variant (see $tag.txt)"
    status=1
  fi
  grep -E '^(prefix|autoregressive) ' "$OUT/$tag.txt" | sort -u | tee -a "$OUT/summary.txt" || true
done

# 4. training throughput: collect a few episodes, train a few steps, read the log
step "training throughput, $TRAIN_PRESET preset, $TRAIN_STEPS steps"
DATA="$OUT/train_data.h5"
if timeout 300 "${RUN[@]}" fast-lewm collect --env tworoom --episodes "$TRAIN_EPISODES" \
      --image-size "$TRAIN_IMAGE" --seed 7 --out "$DATA" > "$OUT/train_collect.txt" 2>&1 &&
   timeout 420 "${RUN[@]}" fast-lewm train --config "$ROOT/config/train/paper.yaml" \
      --data "$DATA" --out "$OUT/train_run" \
      --set model="$TRAIN_PRESET" max_steps="$TRAIN_STEPS" batch_size="$TRAIN_BATCH" \
      log_every=10 val_every=100000 \
      ckpt_every=100000 num_workers=0 device="$DEVICE" \
      > "$OUT/train_log.txt" 2>&1; then
  "${RUN[@]}" python - "$OUT" <<'EOF' | tee -a "$OUT/summary.txt"
import csv, sys
from pathlib import Path
import yaml
run = Path(sys.argv[1]) / 'train_run'
rows = [r for r in csv.DictReader(open(run / 'log.csv')) if r.get('time_s')] \
    if (run / 'log.csv').is_file() else []
batch = yaml.safe_load((run / 'config.yaml').read_text()).get('batch_size')
if len(rows) >= 2:  # from the first logged step on: start-up and warm-up excluded
    first, last = rows[0], rows[-1]
    steps = int(last['step']) - int(first['step'])
    seconds = float(last['time_s']) - float(first['time_s'])
    print(f'train: {steps} steps in {seconds:.1f} s after step {first["step"]}: '
          f'{steps / max(seconds, 1e-9):.2f} steps/s = '
          f'{steps * batch / max(seconds, 1e-9):.0f} windows/s (batch {batch})')
else:
    print(f'train: finished; too few log rows to time ({len(rows)})')
EOF
else
  step "FAIL: training (see train_collect.txt, train_log.txt)"
  status=1
fi
rm -f "$DATA"

step "done: $( ((status)) && echo 'some checks FAILED' || echo 'all checks passed' )"
exit "$status"
