"""The client's one exception type, shared by the group and table modules."""


class ParamstreamError(Exception):
    """A failed call or a rejected push. `code` is a grpc.StatusCode name such as 'NOT_FOUND'."""

    def __init__(self, code, message, push_id=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.push_id = push_id
