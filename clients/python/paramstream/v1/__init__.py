"""Stubs generated from proto/.../paramstream/v1/parameter_server.proto by generate.sh."""
