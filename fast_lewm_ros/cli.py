# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The `fast-lewm` command: one entry point, one subcommand per task.

Each subcommand lives in its own module, which defines `add_arguments(parser)`
and `main(args) -> int`. Modules are imported only when their subcommand runs,
so `fast-lewm --help` stays fast and a broken optional dependency of one command
does not break the others.
"""
from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from fast_lewm_ros import interrupts

# name -> (module, one-line help)
COMMANDS = {
    'collect': ('fast_lewm_ros.data.collect',
                'collect exploration episodes from a MuJoCo task into HDF5'),
    'import-bag': ('fast_lewm_ros.data.bag_import',
                   'rosbag2 recording (camera + commands, MCAP/sqlite3) -> HDF5 episodes'),
    'view': ('fast_lewm_ros.data.view',
             'save a PNG grid of frames and a start/goal pair from an HDF5 file'),
    'train': ('fast_lewm_ros.training.trainer', 'train a world model (prefix or autoregressive)'),
    'refit': ('fast_lewm_ros.training.refit',
              "refit a trained model's predictor to its frozen encoder (minutes)"),
    'eval': ('fast_lewm_ros.evaluation.success_eval',
             'closed-loop success under the paper protocol (paired episodes)'),
    'openloop': ('fast_lewm_ros.evaluation.openloop_eval',
                 'open-loop latent prediction error per horizon on held-out data'),
    'bench': ('fast_lewm_ros.bench',
              'planning-time benchmark, prefix vs autoregressive, same budget'),
    'demo': ('fast_lewm_ros.ros.demo',
             'sim bridge + planner as ROS 2 nodes, a few Two-Room episodes'),
}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """Build the full parser, importing only the chosen subcommand's module."""
    parser = argparse.ArgumentParser(
        prog='fast-lewm',
        description='Fast-LeWM world-model planning: collect, train, evaluate, '
                    'benchmark and demo. `fast-lewm COMMAND --help` for each.')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND', required=True)
    chosen = next((a for a in argv if not a.startswith('-')), None)
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.set_defaults(_module=module_name)
        if name == chosen:
            importlib.import_module(module_name).add_arguments(cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    module = importlib.import_module(args._module)
    if threading.current_thread() is threading.main_thread():
        previous = interrupts.install()
    try:
        return int(module.main(args) or 0)
    except interrupts.Terminated:
        print(f'fast-lewm {args.command}: terminated (SIGTERM)', file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr)
        return 130
    finally:
        if threading.current_thread() is threading.main_thread():
            interrupts.restore(previous)


if __name__ == '__main__':
    sys.exit(main())
