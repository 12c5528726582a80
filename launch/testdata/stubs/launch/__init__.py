class LaunchDescription:
    def __init__(self, entities):
        self.entities = entities
