# fast_lewm_ros: every target does its own set-up on a fresh Debian 12 machine.
#   make setup  Debian packages, .venv (torch CPU, MuJoCo, ROS 2 wheels, colcon), colcon build
#   make ros2cli  the ROS 2 command line (`ros2`, launch, launch_ros; not on PyPI) into
#               .venv from $(ROS2CLI) (../shared/ros2cli); about a minute, seconds when done
#   make test   the whole test suite against the colcon-built package (`pytest`, not
#               `python -m pytest`, so the installed package with its generated
#               messages is imported rather than the source tree). The ros2 CLI and
#               launch tests use the `ros2` on PATH (a ROS 2 distribution's, or the one
#               `make ros2cli` installs) and skip, saying why, where there is none;
#               .ci/run installs it and makes them required (FAST_LEWM_REQUIRE_ROS2=1)
#   make demo   sim bridge + planner as ROS 2 nodes, a few Two-Room episodes (demo_out/,
#               git-ignored)
#   make bench  planning-time benchmark, prefix vs autoregressive, cpu + paper presets,
#               horizon and samples sweeps (17 min here with 5 repeats; `fast-lewm bench
#               --quick` takes a minute)
#   make lint   flake8 / pep257 / copyright / xmllint as pytest tests
RUN := scripts/with_env.sh
PYTEST_ARGS ?=
ROS2CLI ?= ../shared/ros2cli

.PHONY: setup ros2cli test demo bench lint clean

setup:
	bash scripts/setup.sh

ros2cli: setup
	bash $(ROS2CLI)/install.sh .venv

test: setup
	$(RUN) pytest -q $(PYTEST_ARGS)

demo: setup
	$(RUN) fast-lewm demo

bench: setup
	$(RUN) fast-lewm bench --json bench.json

lint: setup
	$(RUN) pytest -q test/test_lint.py

clean:
	rm -rf .ws
