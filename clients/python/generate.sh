#!/usr/bin/env bash
# Regenerates the Python stubs of the contract in paramstream/v1/. They are committed, so that
# `pip install` and users need no protoc; run this after changing the .proto and commit the result
# (tests/test_stubs.py fails while they differ from what the .proto generates).
# Needs Debian's protobuf-compiler and protobuf-compiler-grpc (see .ci/install-polyglot.sh).
set -euo pipefail
cd "$(dirname "$0")"
exec /usr/bin/python3 tests/stubs.py .
