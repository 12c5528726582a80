"""Launch the ssmde depth node for one camera.

    ros2 launch ssmde ssmde.launch.py camera:=/front
    ros2 launch ssmde ssmde.launch.py camera:=/front params_file:=/path/params.yaml model:=/path/model_folder

The node subscribes <camera>/image (remap with image:=...) and <camera>/camera_info, and publishes
<camera>/depth, depth/camera_info, points, odom, depth/colormap, /tf and /diagnostics.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def generate_launch_description():
    share = get_package_share_directory("ssmde")
    camera = LaunchConfiguration("camera")
    return LaunchDescription([
        DeclareLaunchArgument("camera", default_value="/camera",
                              description="namespace of the camera driver (its image and camera_info topics)"),
        DeclareLaunchArgument("image", default_value="image_raw",
                              description="image topic inside the camera namespace"),
        DeclareLaunchArgument("params_file", default_value=os.path.join(share, "launch", "ssmde.params.yaml"),
                              description="ROS 2 parameters file"),
        DeclareLaunchArgument("model", default_value=os.path.join(share, "models", "default"),
                              description="model folder (model.yaml + ONNX files)"),
        DeclareLaunchArgument("log_level", default_value="info"),
        Node(
            package="ssmde",
            executable="ssmde",
            name="ssmde",
            namespace=camera,
            arguments=["node", "--ros-args", "--log-level", LaunchConfiguration("log_level")],
            parameters=[LaunchConfiguration("params_file"), {"model": LaunchConfiguration("model")}],
            remappings=[("image", LaunchConfiguration("image"))],
            output="screen",
        ),
    ])
