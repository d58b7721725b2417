# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Launch the Fast-LeWM planner alone, e.g. on a robot.

  ros2 launch fast_lewm_ros planner.launch.py namespace:=robot1 \
      image_topic:=/camera/image_raw resize_images:=true
  ros2 launch fast_lewm_ros planner.launch.py --show-args     # every argument
The node subscribes to `image` and `goal_image` and publishes `cmd_action` and
`action_plan`, relative to `namespace`; image_topic / goal_topic / cmd_topic
remap the first three (an absolute name like /camera/image_raw leaves the
namespace). It configures and activates itself (autostart:=true); with
autostart:=false it waits for a lifecycle manager or `ros2 lifecycle set`.
checkpoint, device and resize_images left empty keep the parameter file's values;
given, they override it.
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import PathJoinSubstitution
from launch_ros.actions import LifecycleNode
from launch_ros.substitutions import FindPackageShare

# Seconds from Ctrl-C to SIGTERM. Tearing down a process holding torch and DDS takes
# about a second of CPU, which was 4-6 s on a loaded 2-core machine: over launch's
# default of 5 s. `ros2 launch ... sigterm_timeout:=N` still overrides it.
STOP_TIMEOUT = '10'

# Arguments that override the parameter file only when given: name -> type.
FROM_PARAMS_FILE = {'checkpoint': str, 'device': str, 'resize_images': bool}


def typed(name: str, text: str, kind: type):
    """Convert launch argument `name` to `kind`; bools accept true/false only."""
    if kind is not bool:
        return text
    if text.lower() not in ('true', 'false'):
        raise ValueError(f"launch argument {name}:={text!r} must be 'true' or 'false'")
    return text.lower() == 'true'


def planner_node(context):
    """Build the planner node from the resolved launch arguments."""
    arg = context.launch_configurations
    overrides = {name: typed(name, arg[name], kind)
                 for name, kind in FROM_PARAMS_FILE.items() if arg[name] != ''}
    # autostart is not in the parameter file, so the launch argument always decides.
    overrides['autostart'] = typed('autostart', arg['autostart'], bool)
    overrides['use_sim_time'] = typed('use_sim', arg['use_sim'], bool)
    remaps = [('image', arg['image_topic']), ('goal_image', arg['goal_topic']),
              ('cmd_action', arg['cmd_topic'])]
    if arg['cmd_topic'] != 'cmd_action':  # the Twist command types publish on cmd_vel
        remaps.append(('cmd_vel', arg['cmd_topic']))
    return [LifecycleNode(
        package='fast_lewm_ros', executable='planner_node', name='planner_node',
        namespace=arg['namespace'], output='screen',
        sigterm_timeout=arg.get('sigterm_timeout', STOP_TIMEOUT),
        parameters=[arg['params_file'], overrides],
        remappings=remaps)]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument('namespace', default_value='',
                              description='namespace of the node and its relative topics'),
        DeclareLaunchArgument(
            'checkpoint', default_value='',
            description="world-model .safetensors file; empty = params_file's (there: the "
                        'shipped checkpoints/default.safetensors)'),
        DeclareLaunchArgument(
            'params_file',
            default_value=PathJoinSubstitution(
                [FindPackageShare('fast_lewm_ros'), 'config', 'planner.yaml']),
            description='planner_node parameter file (CEM budget, rates, bounds, ...)'),
        DeclareLaunchArgument('device', default_value='',
                              description="torch device, e.g. cpu, cuda, cuda:1; empty = "
                                          "params_file's (cpu)"),
        DeclareLaunchArgument('use_sim', default_value='false',
                              description='true: follow /clock (simulated time)'),
        DeclareLaunchArgument('autostart', default_value='true',
                              description='true: configure and activate at once; false: '
                                          'wait for a lifecycle manager'),
        DeclareLaunchArgument('resize_images', default_value='',
                              description='true: resize camera/goal images of another size '
                                          "to the model input; empty = params_file's "
                                          '(false: reject them)'),
        DeclareLaunchArgument('image_topic', default_value='image',
                              description='camera topic (sensor_msgs/Image), e.g. '
                                          '/camera/image_raw'),
        DeclareLaunchArgument('goal_topic', default_value='goal_image',
                              description='goal image topic (sensor_msgs/Image)'),
        DeclareLaunchArgument('cmd_topic', default_value='cmd_action',
                              description='command topic (Float32MultiArray by default; set '
                                          'for any command_type: Twist types publish on '
                                          'cmd_vel unless it is given)'),
        OpaqueFunction(function=planner_node),
    ])
