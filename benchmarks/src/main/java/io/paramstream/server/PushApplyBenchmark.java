package io.paramstream.server;

import io.paramstream.client.internal.PushChunker;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.TransientMemoryBudget;
import io.paramstream.proto.v1.PushRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The server's work for one push once its messages are parsed: stage the slices ({@link
 * PendingPush}) and apply them through the store. {@code reusedStaging} keeps one {@link
 * StagingBuffers} across pushes, as a push stream does; {@code freshStaging} starts each push with
 * an empty one, which is what the server did before buffers were reused. Lives in the server's
 * package to reach its package-private classes; run with {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class PushApplyBenchmark {

  @Param({"65536", "1048576", "16777216"})
  public int floats;

  private GroupStore store;
  private List<PushRequest> messages;
  // A budget far above what one push stages: the benchmark measures staging, not waiting.
  private final WriteBudget budget =
      new WriteBudget(
          new TransientMemoryBudget(1L << 40),
          Executors.newSingleThreadScheduledExecutor(),
          Duration.ofMinutes(1));
  private final StagingBuffers reused = budget.newStagingBuffers();

  @Setup
  public void setUp() {
    store = new GroupStore(new Hyperparameters(1e-3, 0));
    store.create("w", new float[floats], true, null);
    float[] g = new float[floats];
    for (int i = 0; i < floats; i++) {
      g[i] = 1e-6f;
    }
    messages = new ArrayList<>();
    PushChunker chunker = new PushChunker(1, Map.of("w", g), PushChunker.DEFAULT_MAX_PAYLOAD_BYTES);
    while (chunker.hasNext()) {
      messages.add(chunker.next());
    }
  }

  @Benchmark
  public long reusedStaging() {
    return apply(reused);
  }

  @Benchmark
  public long freshStaging() {
    StagingBuffers fresh = budget.newStagingBuffers();
    try {
      return apply(fresh);
    } finally {
      fresh.close(); // as a stream does when it ends
    }
  }

  private long apply(StagingBuffers buffers) {
    PendingPush push = new PendingPush(1, "", 0, buffers);
    for (PushRequest m : messages) {
      push.add(store, m.getPushId(), m.getGradientsList(), m.getRowsList());
    }
    try {
      return store.push(push.complete()).get(0).version();
    } finally {
      push.release();
    }
  }
}
