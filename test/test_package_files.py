# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The package's metadata agrees with itself, and colcon builds it in a workspace."""
import configparser
import os
from pathlib import Path
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _entry_points():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / 'setup.cfg')
    lines = cfg['options.entry_points']['console_scripts'].strip().splitlines()
    return dict(tuple(part.strip() for part in line.split('=')) for line in lines)


def test_versions_agree():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / 'setup.cfg')
    xml_version = ET.parse(ROOT / 'package.xml').getroot().findtext('version')
    init = (ROOT / 'fast_lewm_ros' / '__init__.py').read_text()
    assert cfg['metadata']['version'] == xml_version
    assert f"__version__ = '{xml_version}'" in init


def test_cmake_wrappers_match_entry_points():
    cmake = (ROOT / 'CMakeLists.txt').read_text()
    wrappers = dict(re.findall(r'fast_lewm_install_script\((\S+) (\S+) lib/', cmake))
    expected = {name: target.split(':')[0] for name, target in _entry_points().items()}
    assert wrappers == expected
    for target in _entry_points().values():
        assert target.endswith(':main')


def test_every_message_is_generated():
    cmake = (ROOT / 'CMakeLists.txt').read_text()
    for msg in sorted((ROOT / 'msg').glob('*.msg')):
        assert f'"msg/{msg.name}"' in cmake, f'{msg.name} is not in rosidl_generate_interfaces'


def test_no_hand_written_msg_package():
    # It would shadow the module rosidl generates (see CMakeLists.txt).
    assert not (ROOT / 'fast_lewm_ros' / 'msg').exists()


def _colcon_build(workspace, *extra):
    env = dict(os.environ)
    venv = env.get('VIRTUAL_ENV', str(ROOT / '.venv'))
    env['AMENT_PREFIX_PATH'] = env['CMAKE_PREFIX_PATH'] = venv
    return subprocess.run(
        [shutil.which('colcon') or 'colcon', 'build', '--base-paths', 'src', *extra,
         '--cmake-args', f'-DPython3_EXECUTABLE={venv}/bin/python', '-DBUILD_TESTING=OFF'],
        cwd=workspace, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize('mode', [[], ['--symlink-install']], ids=['copy', 'symlink'])
def test_colcon_build_in_a_workspace(tmp_path, mode):
    """The repository as src/fast_lewm_ros of a robot workspace builds and runs."""
    if shutil.which('colcon') is None:
        pytest.skip('colcon is not installed (run through `make test`)')
    src = tmp_path / 'src' / 'fast_lewm_ros'
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(
        '.venv', '.ws', '.git', 'data', 'runs', '__pycache__', '*.h5'))
    done = _colcon_build(tmp_path, *mode)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    probe = ('from fast_lewm_ros.msg import ActionPlan; import fast_lewm_ros, sys; '
             'print(fast_lewm_ros.__file__); print(ActionPlan().horizon)')
    script = (f'source {tmp_path}/install/setup.bash && cd {tmp_path} && '
              f'python -c "{probe}" && {tmp_path}/install/fast_lewm_ros/bin/fast-lewm --help '
              f'&& test -x {tmp_path}/install/fast_lewm_ros/lib/fast_lewm_ros/planner_node')
    run = subprocess.run(['bash', '-c', script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert str(tmp_path / 'install') in run.stdout.splitlines()[0]
    assert 'collect' in run.stdout and 'bench' in run.stdout
