#!/usr/bin/env bash
# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
#
# Run a command in the project's environment: the venv, the colcon-built
# workspace (generated messages, console scripts), headless MuJoCo, and ROS 2
# discovery kept on this machine. Used by every Makefile target.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export VIRTUAL_ENV=$ROOT/.venv
export PATH=$VIRTUAL_ENV/bin:$PATH
# install/setup.bash breaks under `set -u`, so source it before any strict mode.
# shellcheck disable=SC1091
source "$ROOT/.ws/install/setup.bash"
# setup.bash sets AMENT_PREFIX_PATH to the workspace only; the ROS wheels in the
# venv hold the rest of the index (message packages, rmw).
export AMENT_PREFIX_PATH=$AMENT_PREFIX_PATH:$VIRTUAL_ENV
export MUJOCO_GL=${MUJOCO_GL:-egl}
export LP_NUM_THREADS=${LP_NUM_THREADS:-1}
export ROS_AUTOMATIC_DISCOVERY_RANGE=${ROS_AUTOMATIC_DISCOVERY_RANGE:-LOCALHOST}
export ROS_LOG_DIR=${ROS_LOG_DIR:-$ROOT/.ws/log/ros}
exec "$@"
