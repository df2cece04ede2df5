#!/usr/bin/env bash
# Generates the Python stubs from the project's contract into paramstream/v1/ (not committed:
# they are rebuilt from the .proto before every test run, so they can never drift from it).
# Also compiles the standard gRPC reflection messages (Debian package grpc-proto) for the tests.
# Needs Debian's protobuf-compiler and protobuf-compiler-grpc (see .ci/install-polyglot.sh).
set -euo pipefail
cd "$(dirname "$0")"

PROTOC=/usr/bin/protoc
PLUGIN=/usr/bin/grpc_python_plugin
for tool in "$PROTOC:protobuf-compiler" "$PLUGIN:protobuf-compiler-grpc"; do
  if [[ ! -x "${tool%%:*}" ]]; then
    echo "generate.sh: ${tool%%:*} not found; install the Debian package ${tool##*:}" >&2
    exit 2
  fi
done

PROTO_ROOT=../../proto/src/main/proto
# protoc names the output after the proto's path, paramstream/v1/..., which lands the stubs
# inside this package as paramstream.v1.parameter_server_pb2(_grpc).
"$PROTOC" -I "$PROTO_ROOT" \
  --python_out=. --grpc_python_out=. \
  --plugin=protoc-gen-grpc_python="$PLUGIN" \
  "$PROTO_ROOT/paramstream/v1/parameter_server.proto"

# The reflection messages would be generated as the module grpc.reflection.v1, which the grpcio
# package itself shadows, so they go to a directory the tests load by file path.
REFLECTION_ROOT=/usr/share/grpc-proto
if [[ -f "$REFLECTION_ROOT/grpc/reflection/v1/reflection.proto" ]]; then
  mkdir -p tests/_gen
  "$PROTOC" -I "$REFLECTION_ROOT" --python_out=tests/_gen \
    "$REFLECTION_ROOT/grpc/reflection/v1/reflection.proto"
fi
