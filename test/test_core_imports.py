# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The core library imports on a machine without ROS 2 (no rclpy, no messages)."""
from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter with an import hook that makes every ROS module
# unimportable, so the test holds whatever this process has already imported.
PROBE = r'''
import importlib, pkgutil, sys
BLOCKED = ('rclpy', 'sensor_msgs', 'std_msgs', 'diagnostic_msgs', 'std_srvs',
           'lifecycle_msgs', 'rosgraph_msgs', 'builtin_interfaces', 'launch',
           'launch_ros', 'ament_index_python')

class BlockRos:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ImportError(f'{name} is blocked: the core must not need ROS')

sys.meta_path.insert(0, BlockRos())
sys.path.insert(0, sys.argv[1])
import fast_lewm_ros
names = []
for info in pkgutil.walk_packages(fast_lewm_ros.__path__, 'fast_lewm_ros.'):
    if info.name.startswith(('fast_lewm_ros.ros', 'fast_lewm_ros.msg')):
        continue
    importlib.import_module(info.name)
    names.append(info.name)
print(len(names), 'modules imported:', ' '.join(names))
'''


def test_core_imports_without_ros():
    done = subprocess.run([sys.executable, '-c', PROBE, str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'fast_lewm_ros.strict_config' in done.stdout
