#!/usr/bin/env bash
# Installs what the Python and Node client suites need (end-to-end-tests/PolyglotClientsTest
# runs them during ./mvnw verify). Idempotent: safe to run on every CI build and on a dev box.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages for /usr/bin/python3. protobuf-compiler(-grpc) check the committed stubs
# against the .proto; grpc-proto provides the standard reflection .proto the Python tests use
# to check server reflection; python3-venv, -pip, -setuptools and -wheel let a test
# pip-install the package into a venv over these packages (no PyPI); python3-torch and
# python3-sklearn are for paramstream.torch and its digits example; openssl makes the TLS
# tests' certificates.
PACKAGES=(python3 python3-grpcio python3-protobuf python3-numpy protobuf-compiler
  protobuf-compiler-grpc grpc-proto python3-venv python3-pip python3-setuptools python3-wheel
  python3-torch python3-sklearn openssl)
bash .ci/install-debian-packages.sh --no-install-recommends "${PACKAGES[@]}"

# Node: any 18+ works for node --test; Debian 12's own nodejs is 18 (only 20 has been verified).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  bash .ci/install-debian-packages.sh --no-install-recommends nodejs npm
fi
if (($(node -p 'process.versions.node.split(".")[0]') < 18)); then
  echo "install-polyglot: Node.js 18 or newer is needed, found $(node --version)" >&2
  exit 1
fi
# Exactly the versions in package-lock.json.
(cd clients/node && npm ci --no-audit --no-fund)

echo "install-polyglot: Python and Node client prerequisites ready"
