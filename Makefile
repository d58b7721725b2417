# fast_lewm_ros: every target does its own set-up on a fresh Debian 12 machine.
#   make setup  Debian packages, .venv (torch CPU, MuJoCo, ROS 2 wheels, colcon), colcon build
#   make test   the whole test suite against the colcon-built package (`pytest`, not
#               `python -m pytest`, so the installed package with its generated
#               messages is imported rather than the source tree)
#   make demo   sim bridge + planner as ROS 2 nodes, a few Two-Room episodes
#   make bench  planning-time benchmark, prefix vs autoregressive, cpu + paper presets,
#               horizon and samples sweeps (17 min here with 5 repeats; `fast-lewm bench
#               --quick` takes a minute)
#   make lint   flake8 / pep257 / copyright / xmllint as pytest tests
RUN := scripts/with_env.sh
PYTEST_ARGS ?=

.PHONY: setup test demo bench lint clean

setup:
	bash scripts/setup.sh

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
