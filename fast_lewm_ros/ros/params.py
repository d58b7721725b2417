# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Declare a node's ROS parameters from one table and read them into one settings object.

Each node keeps one table `{name: Spec}`; everything else is derived from it:
`settings_class(...)` builds the frozen settings dataclass (one field per
parameter, the table's default); `declare(node, specs)` declares every parameter
with its description and range, so `ros2 param describe` documents it and rclpy
rejects out-of-range values with a reason; choices and cross-field rules are
checked by the settings class's `validate()`, which the node calls from its
on-set-parameters callback; `markdown_table(specs)` renders the README table
(scripts/param_tables.py writes them, test/test_ros_params.py keeps them equal).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from rcl_interfaces.msg import (FloatingPointRange, IntegerRange, ParameterDescriptor,
                                ParameterType, SetParametersResult)
from rcl_interfaces.srv import SetParameters
from rclpy.exceptions import ParameterNotDeclaredException
from rclpy.parameter import Parameter

_TYPES = {bool: ParameterType.PARAMETER_BOOL, int: ParameterType.PARAMETER_INTEGER,
          float: ParameterType.PARAMETER_DOUBLE, str: ParameterType.PARAMETER_STRING}


@dataclass(frozen=True)
class Spec:
    """One parameter: default, meaning, allowed values and when a change applies."""

    default: Any
    description: str
    low: float | None = None        # inclusive range for numbers
    high: float | None = None
    choices: tuple = ()             # allowed strings
    # When a change takes effect: 'live' (at once), 'replan' (at once, and the
    # running plan is abandoned for a fresh one), 'configure' (next configure) or
    # 'startup' (read once, read-only).
    applies: str = 'live'

    @property
    def type_name(self) -> str:
        if isinstance(self.default, (tuple, list)):
            return 'double[]'
        return {bool: 'bool', int: 'int', float: 'double', str: 'string'}[type(self.default)]

    def descriptor(self, name: str) -> ParameterDescriptor:
        when = {'live': 'applies at once', 'replan': 'applies at once with a fresh plan',
                'configure': 'applies on the next configure',
                'startup': 'read once at start-up'}[self.applies]
        desc = ParameterDescriptor(name=name, description=f'{self.description} ({when})',
                                   read_only=self.applies == 'startup')
        if isinstance(self.default, (tuple, list)):
            desc.type = ParameterType.PARAMETER_DOUBLE_ARRAY
        else:
            desc.type = _TYPES[type(self.default)]
        if self.choices:
            desc.additional_constraints = f'one of {list(self.choices)}'
        if isinstance(self.default, bool) or self.low is None:
            return desc
        if isinstance(self.default, int):
            desc.integer_range = [IntegerRange(from_value=int(self.low),
                                               to_value=int(self.high), step=1)]
        elif isinstance(self.default, float):
            desc.floating_point_range = [FloatingPointRange(
                from_value=float(self.low), to_value=float(self.high), step=0.0)]
        return desc


def settings_class(name: str, specs: Mapping[str, Spec], rules: type, doc: str) -> type:
    """Build the frozen settings dataclass of a node: one field per parameter of `specs`.

    `rules` is a plain class holding the methods (validate() and helpers); the
    fields, their types and defaults come from the table alone.
    """
    fields = [(key, type(spec.default), dataclasses.field(default=spec.default))
              for key, spec in specs.items()]
    cls = dataclasses.make_dataclass(name, fields, bases=(rules,), frozen=True)
    cls.__doc__, cls.__module__ = doc, rules.__module__
    return cls


def declare(node, specs: Mapping[str, Spec]) -> None:
    """Declare every parameter of `specs` on `node` (overrides come from the command line).

    Raises rclpy's InvalidParameterValueException naming the parameter when an
    override is out of range or of the wrong type.
    """
    for name, spec in specs.items():
        default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
        node.declare_parameter(name, default, spec.descriptor(name))
    node.add_pre_set_parameters_callback(lambda changes: _known_only(node, changes))
    _whole_requests_first(node)


def _known_only(node, changes: list[Parameter]) -> list[Parameter]:
    """Refuse an unknown name with the list of known ones.

    rclpy's own refusal lists no names (it exhausts a generator before using it).
    """
    unknown = [p.name for p in changes if not node.has_parameter(p.name)]
    if unknown:
        known = ', '.join(sorted(node._parameters))
        raise ParameterNotDeclaredException(f'{unknown[0][:80]!r} is not a parameter of '
                                            f'{node.get_name()} (known: {known})')
    return changes


def _whole_requests_first(node) -> None:
    """Check a multi-parameter set_parameters request as a whole before one by one.

    rclpy's service sets a request's parameters one at a time, so `elites=150,
    samples=200` would be checked as elites=150 against the old samples. The whole
    request is tried atomically first (every rule sees the new values together); if
    that fails, the usual one-by-one path gives each parameter its own result.
    """
    for service in node.services:
        if service.srv_type is not SetParameters or \
                not service.service_name.endswith('/set_parameters'):
            continue
        one_by_one = service.callback

        def whole_first(request, response, one_by_one=one_by_one):
            if len(request.parameters) > 1:
                changes = [Parameter.from_parameter_msg(p) for p in request.parameters]
                try:
                    result = node.set_parameters_atomically(changes)
                except ParameterNotDeclaredException:
                    result = None
                if result is not None and result.successful:
                    response.results = [SetParametersResult(successful=True) for _ in changes]
                    return response
            return one_by_one(request, response)
        service.callback = whole_first


def read(node, settings_cls, changes: list[Parameter] | None = None):
    """Build `settings_cls` from the node's parameters, with `changes` applied on top."""
    values = {f.name: node.get_parameter(f.name).value
              for f in dataclasses.fields(settings_cls)}
    for param in changes or ():
        if param.name in values:
            values[param.name] = param.value
    for name, value in values.items():
        if not isinstance(value, (str, bytes)) and hasattr(value, '__len__'):
            values[name] = tuple(float(v) for v in value)  # double[] arrives as array.array
    return settings_cls(**values)


def bind(node, specs: Mapping[str, Spec], settings_cls):
    """Declare `specs` on `node`, read and validate its settings, and keep them current.

    Every later set_parameters request is checked with `settings_cls.validate()`
    and, once accepted, `node.settings` is rebuilt. Returns the first settings.
    """
    declare(node, specs)
    node.settings = read(node, settings_cls)
    node.settings.validate()
    node.add_on_set_parameters_callback(lambda changes: check(settings_cls, node, changes))
    node.add_post_set_parameters_callback(
        lambda changes: setattr(node, 'settings', read(node, settings_cls)))
    return node.settings


def check(settings_cls, node, params: list[Parameter], extra_check=None) -> SetParametersResult:
    """On-set-parameters callback body: accept `params` only if the settings stay valid."""
    try:
        settings = read(node, settings_cls, params)
        settings.validate()
        if extra_check is not None:
            extra_check(settings)
    except (ValueError, TypeError) as err:
        return SetParametersResult(successful=False, reason=str(err))
    return SetParametersResult(successful=True)


def check_choice(name: str, value: str, specs: Mapping[str, Spec]) -> None:
    """Raise ValueError unless `value` is one of the parameter's choices."""
    choices = specs[name].choices
    if choices and value not in choices:
        raise ValueError(f'parameter {name!r} must be one of {list(choices)}, got {value!r}')


def markdown_table(specs: Mapping[str, Spec]) -> str:
    """Render the README table: name, type, default, range/choices, meaning."""
    rows = ['| name | type | default | allowed | meaning |', '|---|---|---|---|---|']
    for name, spec in specs.items():
        if spec.choices:
            allowed = ', '.join(f'`{c}`' for c in spec.choices)
        elif spec.low is not None:
            allowed = f'[{spec.low}, {spec.high}]'
        else:
            allowed = ''
        default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
        default = str(default).lower() if isinstance(default, bool) else repr(default)
        meaning = spec.description + {'live': '', 'replan': ' (fresh plan)',
                                      'configure': ' (on configure)',
                                      'startup': ' (read-only)'}[spec.applies]
        rows.append(f'| `{name}` | {spec.type_name} | `{default}` | {allowed} | {meaning} |')
    return '\n'.join(rows)
