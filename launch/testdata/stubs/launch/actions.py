class DeclareLaunchArgument:
    def __init__(self, name, default_value="", description=""):
        self.name, self.default_value = name, default_value


class OpaqueFunction:
    def __init__(self, function):
        self.function = function
