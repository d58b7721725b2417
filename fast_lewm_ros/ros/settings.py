# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Parameter tables and settings objects of the planner node and the sim node.

Each node's parameters are one table of Specs; the settings class (field names =
parameter names, defaults = the table's), the ROS declarations, the README
tables and, for the planner, the PlannerConfig it plans with are all derived
from it. `validate()` holds every rule a range in a ParameterDescriptor cannot
express, with a message naming the parameter.
"""
from __future__ import annotations

import dataclasses
import math

from fast_lewm_ros.data.start_goal import EVAL_SEED, GOAL_OFFSET
from fast_lewm_ros.planning import PlannerConfig
from fast_lewm_ros.planning.cem import SOLVERS
from fast_lewm_ros.planning.costs import GOAL_COSTS
from fast_lewm_ros.data.twist import DEFAULT_TWIST_AXES, parse_axes
from fast_lewm_ros.ros.commands import COMMAND_TYPES
from fast_lewm_ros.ros.params import check_choice, settings_class, Spec

INT32_MAX = 2 ** 31 - 1

_PLANNER_DEFAULTS = {f.name: f.default for f in dataclasses.fields(PlannerConfig)}


def _cem(name: str, description: str, *args, default=None, **kwargs) -> Spec:
    """Spec of a parameter that is also the PlannerConfig field `name`.

    Its default is PlannerConfig's unless `default` says otherwise, and a change
    abandons the running plan for a fresh one.
    """
    value = _PLANNER_DEFAULTS[name] if default is None else default
    return Spec(value, description, *args, applies=kwargs.pop('applies', 'replan'), **kwargs)


# PlannerConfig fields that are deliberately not parameters, and why.
NOT_PARAMETERS = {
    'norm_action_low': 'the commands are bounded by action_low/action_high (environment '
                       'units, per dimension); CEM itself runs unclamped (paper protocol)',
    'norm_action_high': 'as norm_action_low',
}

PLANNER_PARAMETERS = {
    'checkpoint': Spec('', 'world-model file (.safetensors); empty = the shipped default '
                       'checkpoints/default.safetensors', applies='configure'),
    'device': Spec('cpu', "torch device for the model and planner, e.g. 'cpu', 'cuda', "
                   "'cuda:1'", applies='configure'),
    'solver': _cem('solver', "sampling planner: 'cem' (the paper's) or 'mppi'",
                   choices=SOLVERS),
    'samples': _cem('samples', 'CEM candidates per iteration', 2, 100000),
    'iterations': _cem('iterations', 'CEM iterations per plan', 1, 10000),
    'warm_iterations': _cem('warm_iterations', 'CEM iterations of a replan warm-started '
                            'from the shifted previous plan (continuous MPC); 0 = iterations',
                            0, 10000, default=3),
    'warm_start': _cem('warm_start', 'start a replan from the shifted previous plan'),
    'compile': _cem('compile', 'torch.compile the model for planning (CPU or CUDA); compiled '
                    'once at configure (tens of seconds), plans then run faster',
                    applies='configure'),
    'cuda_graph': _cem('cuda_graph', 'CUDA only: capture the whole solve as one graph'),
    'bf16': _cem('bf16', 'CUDA only: autocast the model cost to bf16'),
    'plan_deadline': Spec(5.0, 'seconds; a plan running longer is reported as a WARN with '
                          'its time (0 = no deadline)', 0.0, 3600.0),
    'elites': _cem('elites', 'CEM elites refit per iteration (<= samples)', 2, 100000),
    'horizon': _cem('horizon', 'plan length in action blocks (<= the model horizon)', 1, 64),
    'init_std': _cem('init_std', 'initial CEM sampling std, normalised action units',
                     1e-6, 100.0),
    'min_std': _cem('min_std', 'floor on the CEM sampling std, normalised action units '
                    '(paper: 0)', 0.0, 100.0),
    'noise_beta': _cem('noise_beta', 'colour of the sampling noise over time, 1/f^noise_beta '
                       '(0 white, the paper; 2 smooth, iCEM)', 0.0, 4.0),
    'goal_cost': _cem('goal_cost', "latents compared with the goal: 'final' (after the "
                      "whole plan, the paper's) or 'every_block' (mean over every prefix: "
                      'reach the goal early and stay)', choices=GOAL_COSTS),
    'temperature': _cem('temperature', 'MPPI only: softmax temperature on the costs',
                        1e-6, 1e6),
    'beta': _cem('beta', 'self-consistency weight in the cost (paper 1, released configs 0)',
                 0.0, 1e6),
    'chain_split': _cem('chain_split', 'self-consistency: blocks before chaining '
                        '(1 <= chain_split < horizon when beta > 0)', 1, 64),
    'seed': _cem('seed', 'CEM noise seed: the g-th goal since configure plans with seed + g, '
                 'like episode g of fast-lewm eval', 0, INT32_MAX),
    'replan_period': Spec(0, 'primitive actions executed before replanning; 0 = the whole '
                          'plan (horizon x action_block, the paper protocol)', 0, 100000,
                          applies='replan'),
    'control_period': Spec(0.05, 'seconds between two commands on cmd_action (steady clock)',
                           0.001, 60.0),
    'command_trigger': Spec('timer', "'timer': one command per control_period; 'image': one "
                            'command per new image stamp (lock-step simulation)',
                            choices=('timer', 'image')),
    'action_low': Spec((-1.0,), 'lower command bound, environment units (one value for all '
                       'dimensions or one per dimension)', applies='replan'),
    'action_high': Spec((1.0,), 'upper command bound, environment units', applies='replan'),
    'stale_timeout': Spec(0.5, 'seconds without a new image after which commands become '
                          'zero (or held) and diagnostics WARN', 0.001, 3600.0),
    'stale_policy': Spec('zero', 'command while the image is stale', choices=('zero', 'hold')),
    'resize_images': Spec(False, 'resize images of another size to the model input '
                          '(otherwise they are rejected)'),
    'diagnostics_period': Spec(1.0, 'seconds between /diagnostics messages (changes are '
                               'published at once as well)', 0.01, 60.0),
    'command_type': Spec('float32_array', 'message type of the commands: Float32/64MultiArray '
                         'on cmd_action (float64_array: ros2_control), Twist(Stamped) on '
                         'cmd_vel (mobile bases)', choices=tuple(COMMAND_TYPES),
                         applies='configure'),
    'twist_axes': Spec(DEFAULT_TWIST_AXES, 'twist types: the Twist field each action '
                       'dimension drives, in order (e.g. "linear.x angular.z")',
                       applies='configure'),
    'autostart': Spec(False, 'configure and activate at start-up, for workspaces without '
                      'a lifecycle manager', applies='startup'),
}

# A change of one of these abandons the running plan for a fresh one.
REPLAN_PARAMETERS = frozenset(n for n, spec in PLANNER_PARAMETERS.items()
                              if spec.applies == 'replan')

SIM_PARAMETERS = {
    'env': Spec('FastLeWM/TwoRoom-v0', 'gymnasium id (or short name) of the MuJoCo task',
                applies='startup'),
    'image_size': Spec(64, 'side of the square camera image, pixels', 16, 448,
                       applies='startup'),
    'lock_step': Spec(False, 'advance one step per received cmd_action and publish /clock '
                      '(reproducible, independent of CPU speed)', applies='startup'),
    'step_period': Spec(0.05, 'seconds of simulated time per primitive action (free-run: '
                        'also the wall-clock step period)', 0.001, 10.0, applies='startup'),
    'image_rate': Spec(20.0, 'free-run: camera images per second', 0.1, 1000.0,
                       applies='startup'),
    'max_steps': Spec(50, 'primitive steps per episode (paper: 50)', 1, 1000000),
    'goal_offset': Spec(GOAL_OFFSET, 'the goal is the state this many primitive steps later in an '
                        'exploration episode (paper: 25)', 1, 100000, applies='startup'),
    'seed': Spec(EVAL_SEED, 'seed of the start/goal pairs (episode e uses pair e)', 0, INT32_MAX,
                 applies='startup'),
    'auto_reset': Spec(True, 'start the next episode when one ends'),
    'episodes': Spec(0, 'stop resetting after this many episodes (0 = no limit)', 0,
                     INT32_MAX),
    'action_timeout': Spec(0.5, 'free-run: seconds after which the last command is '
                           'treated as zero', 0.001, 3600.0),
    'republish_period': Spec(0.5, 'lock-step: seconds between re-sends of the current '
                             'image while no command arrives', 0.01, 60.0, applies='startup'),
    'frame_id': Spec('camera', 'frame_id of published images'),
    'command_type': Spec('float32_array', 'message type taken on cmd_action (array types) or '
                         'cmd_vel (twist types)', choices=tuple(COMMAND_TYPES),
                         applies='startup'),
    'twist_axes': Spec(DEFAULT_TWIST_AXES, 'twist types: the Twist field that drives each '
                       'action dimension, in order', applies='startup'),
}


def _bounds(low: tuple, high: tuple, dims: int | None = None) -> None:
    for name, values in (('action_low', low), ('action_high', high)):
        if len(values) == 0 or not all(math.isfinite(v) for v in values):
            raise ValueError(f'parameter {name!r} must hold finite numbers, got {list(values)}')
        if dims is not None and len(values) not in (1, dims):
            raise ValueError(f'parameter {name!r} needs 1 or {dims} (action_dim) values, '
                             f'got {len(values)}')
    if len(low) != len(high) and 1 not in (len(low), len(high)):
        raise ValueError(f'action_low ({len(low)} values) and action_high ({len(high)} values) '
                         'differ in length')
    n = max(len(low), len(high))
    pairs = zip(low * n if len(low) == 1 else low, high * n if len(high) == 1 else high)
    if not all(lo < hi for lo, hi in pairs):
        raise ValueError(f'action_low {list(low)} must be below action_high {list(high)} '
                         'in every dimension')


class _PlannerRules:
    """Methods of PlannerSettings; its fields come from PLANNER_PARAMETERS."""

    def planner_config(self) -> PlannerConfig:
        """Build the CEM settings from the parameters named like PlannerConfig fields."""
        values = {name: getattr(self, name) for name in _PLANNER_DEFAULTS
                  if name in PLANNER_PARAMETERS}
        values['warm_iterations'] = self.warm_iterations or None  # 0 = same as iterations
        return PlannerConfig(**values)

    def validate(self, model_config=None) -> None:
        """Raise ValueError naming the parameter if the settings cannot work together.

        With `model_config` (the loaded model's), also check horizon, replan period
        and bounds against the model.
        """
        for name in ('solver', 'command_trigger', 'stale_policy', 'command_type'):
            check_choice(name, getattr(self, name), PLANNER_PARAMETERS)
        if self.command_type.startswith('twist'):
            parse_axes(self.twist_axes, model_config and model_config.action_dim)
        try:
            self.planner_config()
        except ValueError as err:
            raise ValueError(str(err).replace('PlannerConfig: ', 'parameter ')) from None
        _device(self.device)
        if model_config is None:
            _bounds(self.action_low, self.action_high)
            return
        _bounds(self.action_low, self.action_high, model_config.action_dim)
        if self.horizon > model_config.horizon:
            raise ValueError(f'parameter horizon ({self.horizon}) exceeds the model horizon '
                             f'({model_config.horizon} blocks)')
        steps = self.horizon * model_config.action_block
        if self.replan_period > steps:
            raise ValueError(f'parameter replan_period ({self.replan_period}) exceeds the plan '
                             f'length horizon x action_block = {steps} primitive steps')

    def replan_every(self, model_config) -> int:
        """Primitive steps between plans (0 means the whole plan)."""
        return self.replan_period or self.horizon * model_config.action_block


def _device(name: str) -> None:
    import torch
    try:
        torch.device(name)
    except (RuntimeError, ValueError):
        raise ValueError(f"parameter device {name!r} is not a torch device (e.g. 'cpu', "
                         "'cuda', 'cuda:0')") from None


PlannerSettings = settings_class('PlannerSettings', PLANNER_PARAMETERS, _PlannerRules,
                                 'Everything the planner node reads; built from its parameters.')


class _SimRules:
    """Methods of SimSettings; its fields come from SIM_PARAMETERS."""

    def validate(self) -> None:
        from fast_lewm_ros.envs import resolve_env_id
        try:
            resolve_env_id(self.env)
        except ValueError as err:
            raise ValueError(f'parameter env: {err}') from None
        check_choice('command_type', self.command_type, SIM_PARAMETERS)
        if self.command_type.startswith('twist'):
            parse_axes(self.twist_axes)


SimSettings = settings_class('SimSettings', SIM_PARAMETERS, _SimRules,
                             'Everything the sim node reads; built from its parameters.')
