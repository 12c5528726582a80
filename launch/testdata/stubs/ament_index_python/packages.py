def get_package_share_directory(name):
    return "/opt/ros/share/" + name
