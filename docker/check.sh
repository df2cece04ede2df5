#!/usr/bin/env bash
# Checks what can be checked without a Docker engine: the compose file and the Kubernetes
# manifests. (The image's command line is run by EntrypointCommandTest in the Maven build.)
# Needs docker-compose (Debian: apt-get install docker-compose) and Node.js with npm.
set -euo pipefail
cd "$(dirname "$0")"

if command -v docker-compose >/dev/null; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  echo "docker-compose not found: apt-get install docker-compose" >&2
  exit 1
fi
"${compose[@]}" -f compose.yaml config -q
"${compose[@]}" -f compose.yaml --profile workers config -q
echo "ok   compose.yaml"

(cd k8s/check && npm ci --no-audit --no-fund --silent && node validate.mjs ../*.yaml)
