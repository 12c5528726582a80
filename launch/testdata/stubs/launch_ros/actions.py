class Node:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
