"""pip entry point: the Python library, its console scripts and shared data.

colcon builds this package with ament_cmake (CMakeLists.txt), because only CMake
can generate the messages; this file serves `pip install -e .` for users without
ROS, and carries the metadata that setup.cfg declares.
"""
from glob import glob

from setuptools import setup

setup(
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/fast_lewm_ros']),
        ('share/fast_lewm_ros', ['package.xml']),
        ('share/fast_lewm_ros/config', glob('config/*.yaml')),
        ('share/fast_lewm_ros/config/models', glob('config/models/*.yaml')),
        ('share/fast_lewm_ros/config/train', glob('config/train/*.yaml')),
        ('share/fast_lewm_ros/launch', glob('launch/*.py')),
        ('share/fast_lewm_ros/checkpoints', glob('checkpoints/*')),
    ],
)
