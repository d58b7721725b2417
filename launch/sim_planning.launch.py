# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Launch the MuJoCo sim bridge and the planner together.

  ros2 launch fast_lewm_ros sim_planning.launch.py env:=tworoom
  ros2 launch fast_lewm_ros sim_planning.launch.py --show-args     # every argument
With lock_step:=true (the default) the sim advances one step per command and
publishes /clock; the planner then follows simulated time and answers every
image with one command (command_trigger image), so a run is reproducible.
checkpoint left empty picks the task's shipped model, checkpoints/<task>.safetensors
(e.g. checkpoints/tworoom.safetensors), or checkpoints/default.safetensors (a
Two-Room model) where the task has none.
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, LogInfo, OpaqueFunction
from launch.substitutions import PathJoinSubstitution
from launch_ros.actions import LifecycleNode, Node
from launch_ros.substitutions import FindPackageShare

from fast_lewm_ros.envs import task_checkpoint


# Seconds from Ctrl-C to SIGTERM. Tearing down a process holding torch and DDS takes
# about a second of CPU, which was 4-6 s on a loaded 2-core machine: over launch's
# default of 5 s. `ros2 launch ... sigterm_timeout:=N` still overrides it.
STOP_TIMEOUT = '10'


def typed_bool(name: str, text: str) -> bool:
    """Read launch argument `name` as a bool (true/false only)."""
    if text.lower() not in ('true', 'false'):
        raise ValueError(f"launch argument {name}:={text!r} must be 'true' or 'false'")
    return text.lower() == 'true'


def nodes(context):
    """Build sim_node and planner_node from the resolved launch arguments."""
    arg = context.launch_configurations
    lock_step = typed_bool('lock_step', arg['lock_step'])
    checkpoint = arg['checkpoint'] or str(task_checkpoint(arg['env']))
    planner = {'checkpoint': checkpoint, 'use_sim_time': lock_step, 'autostart': True,
               'command_trigger': 'image' if lock_step else 'timer'}
    if arg['device']:
        planner['device'] = arg['device']
    if not arg['image_size'].isdigit():
        raise ValueError(f"launch argument image_size:={arg['image_size']!r} must be a "
                         'positive integer')
    stop = arg.get('sigterm_timeout', STOP_TIMEOUT)
    sim = {'env': arg['env'], 'image_size': int(arg['image_size']), 'lock_step': lock_step}
    return [
        LogInfo(msg=f"env {arg['env']}, checkpoint {checkpoint}"),
        Node(package='fast_lewm_ros', executable='sim_node', name='sim_node',
             namespace=arg['namespace'], output='screen', sigterm_timeout=stop,
             parameters=[arg['sim_params'], sim]),
        LifecycleNode(package='fast_lewm_ros', executable='planner_node', name='planner_node',
                      namespace=arg['namespace'], output='screen', sigterm_timeout=stop,
                      parameters=[arg['planner_params'], planner]),
    ]


def generate_launch_description():
    share = FindPackageShare('fast_lewm_ros')
    return LaunchDescription([
        DeclareLaunchArgument(
            'env', default_value='FastLeWM/TwoRoom-v0',
            description='MuJoCo task: tworoom, reacher, pusht, cube or a gymnasium id'),
        DeclareLaunchArgument(
            'checkpoint', default_value='',
            description='world-model .safetensors; empty = checkpoints/<task>.safetensors '
                        'if shipped, else checkpoints/default.safetensors (Two-Room)'),
        DeclareLaunchArgument('device', default_value='',
                              description="planner torch device, e.g. cpu, cuda; empty = "
                                          "planner_params' (cpu)"),
        DeclareLaunchArgument('lock_step', default_value='true',
                              description='true: one sim step per command, /clock published, '
                                          'reproducible; false: free-running sim, timer '
                                          'commands'),
        DeclareLaunchArgument('image_size', default_value='64',
                              description="camera size; must equal the model's image_size"),
        DeclareLaunchArgument('namespace', default_value='',
                              description='namespace of both nodes and their topics'),
        DeclareLaunchArgument(
            'planner_params', default_value=PathJoinSubstitution([share, 'config',
                                                                  'planner.yaml']),
            description='planner_node parameter file'),
        DeclareLaunchArgument(
            'sim_params', default_value=PathJoinSubstitution([share, 'config', 'sim.yaml']),
            description='sim_node parameter file'),
        OpaqueFunction(function=nodes),
    ])
