#!/usr/bin/env bash
# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
#
# A Two-Room model trained only on data recorded through ROS topics (the sim as
# the robot), evaluated over 50 paired episodes against the random policy.
#   1. record: sim_node (lock-step) + explore_node (Twist on cmd_vel) -> rosbag2 MCAP
#   2. import: fast-lewm import-bag -> data/ros_tworoom.h5
#   3. train:  fast-lewm train --config tworoom_cpu (one torch thread), resumable
#   4. eval:   fast-lewm eval --env tworoom --episodes 50 (pairs from seed 42; the
#              recording used sim seed 7, so no evaluation start/goal was seen)
# Every stage is skipped when its output exists; rerun the script to resume
# (training continues from runs/ros_tworoom/resume with --resume).
# Usage: scripts/ros_tworoom_experiment.sh [EPISODES]   (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
EPISODES=${1:-300}
RUN="scripts/with_env.sh"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 LP_NUM_THREADS=1
BAG=data/ros_tworoom_bag
DATA=data/ros_tworoom.h5
OUT=runs/ros_tworoom
mkdir -p data runs results/new
stamp() { date -u +%H:%M:%S; }

if [ ! -f "$BAG/metadata.yaml" ]; then
  rm -rf "$BAG"
  echo "[$(stamp)] record $EPISODES episodes -> $BAG"
  $RUN python scripts/record_tworoom_ros.py --episodes "$EPISODES" --out "$BAG"
fi
if [ ! -f "$DATA" ]; then
  echo "[$(stamp)] import -> $DATA"
  $RUN fast-lewm import-bag "$BAG" --image-topic /image --action-topic /cmd_vel \
    --twist-axes linear.x linear.y --episode-gap 0.3 --env-id FastLeWM/TwoRoom-v0 --out "$DATA"
fi
if [ ! -f "$OUT/final.safetensors" ]; then
  echo "[$(stamp)] train -> $OUT"
  if [ -f "$OUT/resume/state.json" ]; then
    nice -n 5 $RUN fast-lewm train --out "$OUT" --resume
  else
    nice -n 5 $RUN fast-lewm train --config tworoom_cpu --data "$DATA" --out "$OUT"
  fi
fi
echo "[$(stamp)] eval (50 paired episodes, + random)"
nice -n 5 $RUN fast-lewm eval --checkpoint "$OUT/final.safetensors" --env tworoom \
  --episodes 50 --seed 42 --threads 1 --batch 10 --json results/new/ros_tworoom_eval.json
echo "[$(stamp)] done"
