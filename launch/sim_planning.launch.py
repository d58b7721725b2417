# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Launch the MuJoCo sim bridge and the planner together.

ros2 launch fast_lewm_ros sim_planning.launch.py checkpoint:=... env:=FastLeWM/TwoRoom-v0
With lock_step:=true (the default) the sim advances one step per command and
publishes /clock; the planner then follows simulated time and answers every
image with one command (command_trigger image), so a run is reproducible.
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch_ros.actions import LifecycleNode, Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    share = FindPackageShare('fast_lewm_ros')
    namespace = LaunchConfiguration('namespace')
    lock_step = LaunchConfiguration('lock_step')
    trigger = PythonExpression(["'image' if '", lock_step, "'.lower() == 'true' else 'timer'"])
    return LaunchDescription([
        DeclareLaunchArgument('checkpoint', default_value='',
                              description='world-model .safetensors; empty = shipped default'),
        DeclareLaunchArgument('env', default_value='FastLeWM/TwoRoom-v0',
                              description='gymnasium id of the MuJoCo task'),
        DeclareLaunchArgument('image_size', default_value='64',
                              description="camera size; must equal the model's image_size"),
        DeclareLaunchArgument('namespace', default_value='',
                              description='namespace of both nodes and their topics'),
        DeclareLaunchArgument('lock_step', default_value='true',
                              description='one sim step per command, /clock published'),
        DeclareLaunchArgument(
            'planner_params', default_value=PathJoinSubstitution([share, 'config',
                                                                  'planner.yaml']),
            description='planner_node parameter file'),
        DeclareLaunchArgument(
            'sim_params', default_value=PathJoinSubstitution([share, 'config', 'sim.yaml']),
            description='sim_node parameter file'),
        Node(
            package='fast_lewm_ros', executable='sim_node', name='sim_node',
            namespace=namespace, output='screen',
            parameters=[LaunchConfiguration('sim_params'), {
                'env': ParameterValue(LaunchConfiguration('env'), value_type=str),
                'image_size': ParameterValue(LaunchConfiguration('image_size'),
                                             value_type=int),
                'lock_step': ParameterValue(lock_step, value_type=bool),
            }]),
        LifecycleNode(
            package='fast_lewm_ros', executable='planner_node', name='planner_node',
            namespace=namespace, output='screen',
            parameters=[LaunchConfiguration('planner_params'), {
                'checkpoint': ParameterValue(LaunchConfiguration('checkpoint'), value_type=str),
                'use_sim_time': ParameterValue(lock_step, value_type=bool),
                'command_trigger': ParameterValue(trigger, value_type=str),
                'autostart': True,
            }]),
    ])
