# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Launch the Fast-LeWM planner alone, e.g. on a robot.

ros2 launch fast_lewm_ros planner.launch.py checkpoint:=/path/model.safetensors \
    namespace:=robot1 use_sim:=false
Remap `image` / `goal_image` / `cmd_action` to the robot's topics with a
namespace, or edit the remappings below. The node configures and activates
itself (autostart:=true); set autostart:=false to hand it to a lifecycle manager.
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import LifecycleNode
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    checkpoint = LaunchConfiguration('checkpoint')
    params_file = LaunchConfiguration('params_file')
    namespace = LaunchConfiguration('namespace')
    use_sim = LaunchConfiguration('use_sim')
    autostart = LaunchConfiguration('autostart')
    return LaunchDescription([
        DeclareLaunchArgument(
            'checkpoint', default_value='',
            description='world-model .safetensors file; empty = the shipped default'),
        DeclareLaunchArgument(
            'params_file',
            default_value=PathJoinSubstitution(
                [FindPackageShare('fast_lewm_ros'), 'config', 'planner.yaml']),
            description='planner_node parameter file'),
        DeclareLaunchArgument('namespace', default_value='',
                              description='namespace of the node and its topics'),
        DeclareLaunchArgument('use_sim', default_value='false',
                              description='true: follow /clock (simulated time)'),
        DeclareLaunchArgument('autostart', default_value='true',
                              description='configure and activate without a lifecycle '
                                          'manager'),
        LifecycleNode(
            package='fast_lewm_ros', executable='planner_node', name='planner_node',
            namespace=namespace, output='screen',
            parameters=[params_file, {
                'checkpoint': ParameterValue(checkpoint, value_type=str),
                'use_sim_time': ParameterValue(use_sim, value_type=bool),
                'autostart': ParameterValue(autostart, value_type=bool),
            }]),
    ])
