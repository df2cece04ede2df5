#!/bin/bash
cd /work/main
S=server/target/paramstream-server-0.1.0-SNAPSHOT-all.jar; C=simulator/target/paramstream-simulator-0.1.0-SNAPSHOT-all.jar
for a in "--call-executor NETWORK" "--call-executor POOL" "--call-executor NETWORK --flow-control-window 8388608"; do
  echo "=== server args: $a"; uptime
  java -Xms2g -Xmx3g -XX:+AlwaysPreTouch -cp $C io.paramstream.simulator.LoopbackBenchmark --server-jar $S --server-args="$a" --sizes 1024,65536,1048576 --warmup PT1S --duration PT3S --rounds 3 --jit-warmup PT20S 2>&1 | grep -E "floats|raw|Exception"
done
