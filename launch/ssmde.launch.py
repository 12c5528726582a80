"""Launch the ssmde depth node for one camera.

    ros2 launch ssmde ssmde.launch.py camera:=/front
    ros2 launch ssmde ssmde.launch.py camera:=/front params_file:=/path/params.yaml model:=/path/model_folder

The node subscribes <camera>/image (remap with image:=...) and <camera>/camera_info, and publishes
<camera>/depth, depth/camera_info, points, odom, depth/colormap, /tf and /diagnostics.

Which model runs: model:=DIR when given; else the params file's `model`; else the installed default.
(launch_ros passes the parameters in list order and a later one wins, so the model argument is added
after the params file only when it is set.)
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def node_parameters(params_file, model):
    """The node's parameters in launch_ros order: the file, then an explicit model (it wins)."""
    params = [params_file]
    if model:
        params.append({"model": model})
    return params


def _node(context):
    return [Node(
        package="ssmde",
        executable="ssmde",
        name="ssmde",
        namespace=LaunchConfiguration("camera"),
        arguments=["node", "--ros-args", "--log-level", LaunchConfiguration("log_level")],
        parameters=node_parameters(LaunchConfiguration("params_file").perform(context),
                                   LaunchConfiguration("model").perform(context)),
        remappings=[("image", LaunchConfiguration("image"))],
        output="screen",
    )]


def generate_launch_description():
    share = get_package_share_directory("ssmde")
    return LaunchDescription([
        DeclareLaunchArgument("camera", default_value="/camera",
                              description="namespace of the camera driver (its image and camera_info topics)"),
        DeclareLaunchArgument("image", default_value="image_raw",
                              description="image topic inside the camera namespace"),
        DeclareLaunchArgument("params_file", default_value=os.path.join(share, "launch", "ssmde.params.yaml"),
                              description="ROS 2 parameters file"),
        DeclareLaunchArgument("model", default_value="",
                              description="model folder (model.yaml + ONNX files); empty: the params file's model, "
                                          "else the installed default"),
        DeclareLaunchArgument("log_level", default_value="info"),
        OpaqueFunction(function=_node),
    ])
