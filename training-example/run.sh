#!/bin/sh
# Builds the example (and the modules it needs) and trains the digits model with worker processes.
# Usage: training-example/run.sh [--workers 3] [--mode async|sync] [--epochs 30] [--optimizer nesterov|sgd|adam|adamw] [--lr 0.1]
set -e
cd "$(dirname "$0")/.."
./mvnw -B -q -pl training-example -am package -DskipTests
exec java -jar training-example/target/paramstream-training-example-0.1.0-SNAPSHOT-all.jar "$@"
