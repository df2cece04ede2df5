#!/bin/sh
# Trains the digits model with worker processes; builds the example first only when its jar is
# missing or older than a source or pom it is built from.
# Usage: training-example/run.sh [--workers 3] [--mode async|sync] [--epochs 30] [--optimizer nesterov|sgd|adam|adamw] [--lr 0.1] [--report-dir DIR]
#        training-example/run.sh --help
set -e
cd "$(dirname "$0")/.."
jar=training-example/target/paramstream-training-example-0.1.0-SNAPSHOT-all.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml proto cli-support charts core client server training-example \
    \( -name target -prune \) -o \( -type f \( -name '*.java' -o -name '*.proto' -o -name pom.xml \
    -o -path '*/src/main/resources/*' \) -newer "$jar" -print \) | head -n 1)" ]; then
  ./mvnw -B -q -pl training-example -am package -DskipTests
fi
exec java -jar "$jar" "$@"
