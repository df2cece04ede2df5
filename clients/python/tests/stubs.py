"""Generates Python stubs with Debian's protoc: the contract's (committed in paramstream/v1/) and
the standard reflection messages the tests use. One place for the protoc command lines, shared by
generate.sh and the test that checks the committed stubs match the .proto."""

import subprocess
import sys
from pathlib import Path

PROTOC = Path("/usr/bin/protoc")
GRPC_PLUGIN = Path("/usr/bin/grpc_python_plugin")
PROTO_ROOT = Path(__file__).resolve().parents[3] / "proto" / "src" / "main" / "proto"
CONTRACT = "paramstream/v1/parameter_server.proto"
# Debian package grpc-proto.
REFLECTION_ROOT = Path("/usr/share/grpc-proto")
REFLECTION = "grpc/reflection/v1/reflection.proto"
# What protoc writes for the contract, relative to its output directory.
CONTRACT_FILES = (
    "paramstream/v1/parameter_server_pb2.py",
    "paramstream/v1/parameter_server_pb2_grpc.py",
)


def _require(path, package):
    if not path.exists():
        raise RuntimeError(f"{path} not found: install the Debian package {package}")


def contract(out_dir):
    """Writes the contract's stubs under out_dir/paramstream/v1/."""
    _require(PROTOC, "protobuf-compiler")
    _require(GRPC_PLUGIN, "protobuf-compiler-grpc")
    # protoc names the output after the proto's path, so the stubs land in the package as
    # paramstream.v1.parameter_server_pb2(_grpc).
    subprocess.run(
        [str(PROTOC), "-I", str(PROTO_ROOT), f"--python_out={out_dir}", f"--grpc_python_out={out_dir}",
         f"--plugin=protoc-gen-grpc_python={GRPC_PLUGIN}", str(PROTO_ROOT / CONTRACT)],
        check=True,
    )


def reflection(out_dir):
    """Writes reflection_pb2.py under out_dir/grpc/reflection/v1/ and returns its path.

    As the module grpc.reflection.v1 it would be shadowed by grpcio itself, so callers load it by
    file path.
    """
    _require(PROTOC, "protobuf-compiler")
    _require(REFLECTION_ROOT / REFLECTION, "grpc-proto")
    subprocess.run(
        [str(PROTOC), "-I", str(REFLECTION_ROOT), f"--python_out={out_dir}", str(REFLECTION_ROOT / REFLECTION)],
        check=True,
    )
    return Path(out_dir) / "grpc/reflection/v1/reflection_pb2.py"


if __name__ == "__main__":
    contract(sys.argv[1])  # generate.sh passes the package's parent directory
