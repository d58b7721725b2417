# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Launch files in two layers: a static check that always runs, and launch_ros itself.

launch/launch_ros are not on PyPI (notes/platform.md), so the second layer runs
only where a ROS 2 distribution or `make ros2cli` installed them; test_ros_cli.py
runs the launch files with `ros2 launch`.
"""
import ast
import configparser
import importlib.util
import os
from pathlib import Path
import re

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
LAUNCH = sorted((ROOT / 'launch').glob('*.launch.py'))
REQUIRED_ARGUMENTS = {
    'planner.launch.py': {'namespace', 'checkpoint', 'params_file', 'device', 'use_sim',
                          'autostart', 'resize_images', 'image_topic', 'goal_topic',
                          'cmd_topic'},
    'sim_planning.launch.py': {'checkpoint', 'env', 'namespace', 'lock_step', 'device'},
}


def _console_scripts():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / 'setup.cfg')
    lines = cfg['options.entry_points']['console_scripts'].strip().splitlines()
    return {line.split('=')[0].strip() for line in lines}


def _calls(tree, name):
    """Keyword arguments (constants only) of every call to `name` in the tree."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, 'id', None) == name:
            found.append({k.arg: k.value.value for k in node.keywords
                          if isinstance(k.value, ast.Constant)} |
                         {'_args': [a.value for a in node.args if isinstance(a, ast.Constant)]})
    return found


def test_both_launch_files_exist():
    assert {p.name for p in LAUNCH} == set(REQUIRED_ARGUMENTS)


@pytest.mark.parametrize('path', LAUNCH, ids=lambda p: p.name)
def test_launch_file_statically(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert 'generate_launch_description' in functions
    nodes = _calls(tree, 'Node') + _calls(tree, 'LifecycleNode')
    assert nodes, 'no node is launched'
    cmake = (ROOT / 'CMakeLists.txt').read_text()
    for node in nodes:
        assert node['package'] == 'fast_lewm_ros'
        exe = node['executable']
        assert exe in _console_scripts(), f'{exe} is not a console script in setup.cfg'
        assert re.search(rf'fast_lewm_install_script\({exe} \S+ lib/', cmake), exe
        # The parameter file's key must select this node by name.
        config = yaml.safe_load((ROOT / 'config' / f'{node["name"].split("_")[0]}.yaml')
                                .read_text())
        assert any(key.endswith('/' + node['name']) for key in config), node['name']
    declared = {call['_args'][0] for call in _calls(tree, 'DeclareLaunchArgument')}
    assert REQUIRED_ARGUMENTS[path.name] <= declared
    for text in {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                 and isinstance(n.value, str) and n.value.endswith('.yaml')}:
        assert (ROOT / 'config' / text).is_file(), f'config/{text} does not exist'


@pytest.mark.parametrize('path', LAUNCH, ids=lambda p: p.name)
def test_launch_description_builds(path):
    reason = ('launch_ros is not installed (it is not on PyPI): this layer runs where a ROS 2 '
              'distribution is installed, or after `make ros2cli` (.ci/run does it)')
    if os.environ.get('FAST_LEWM_REQUIRE_ROS2') == '1':  # .ci/run: a skip would hide a gap
        importlib.import_module('launch_ros')
    pytest.importorskip('launch_ros', reason=reason)
    from launch import LaunchDescription
    from launch.actions import DeclareLaunchArgument
    spec = importlib.util.spec_from_file_location(path.stem.replace('.', '_'), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    description = module.generate_launch_description()
    assert isinstance(description, LaunchDescription)
    names = {a.name for a in description.entities if isinstance(a, DeclareLaunchArgument)}
    assert REQUIRED_ARGUMENTS[path.name] <= names
