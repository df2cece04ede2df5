package io.paramstream.server;

import static io.paramstream.server.Wire.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.TransientMemoryBudget;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.PushAck;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Where pushes are applied: small ones on the calling thread, large ones on the apply pool. */
@Timeout(30)
class PushApplierTest {

  /** One float more than the largest push applied on the calling thread. */
  private static final int LARGE = (int) (PushApplier.INLINE_APPLY_BYTES / Float.BYTES) + 1;

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final GroupStore store = new GroupStore(new Hyperparameters(0.5f, 0f));
  private final TransientMemoryBudget transientBudget = new TransientMemoryBudget(64 << 20);
  private final WriteBudget budget = new WriteBudget(transientBudget, timer, Duration.ofSeconds(5));
  // Runs its tasks only when the test says so, so the test sees where each push was applied.
  private final Queue<Runnable> applyTasks = new ArrayDeque<>();
  private final Executor applyPool = applyTasks::add;
  private final PushApplier applier =
      new PushApplier(
          store,
          ConsistencyConfig.asynchronous(),
          timer,
          Runnable::run,
          applyPool,
          new ServerMetrics(store, transientBudget));

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void apply_pushUpToTheLimit_isAppliedOnTheCallingThread() {
    int size = LARGE - 1;
    store.create("w", new float[size], false, null);

    CompletableFuture<PushAck> ack = applier.apply(staged(1, "w", size, 1f), "", null);

    assertThat(ack).isDone();
    assertThat(ack.join().getCode()).isEqualTo(Status.Code.OK.value());
    assertThat(applyTasks).isEmpty();
    assertThat(store.snapshot(List.of("w")).get("w")[size - 1]).isEqualTo(-0.5f);
  }

  @Test
  void apply_pushOverTheLimit_isAppliedOnTheApplyPool() {
    store.create("w", new float[LARGE], false, null);

    CompletableFuture<PushAck> ack = applier.apply(staged(1, "w", LARGE, 1f), "", null);

    assertThat(ack).isNotDone();
    assertThat(store.snapshot(List.of("w")).get("w")[0]).isZero();
    applyTasks.remove().run();
    assertThat(ack.join().getCode()).isEqualTo(Status.Code.OK.value());
    assertThat(ack.join().getVersionsList()).hasSize(1);
    assertThat(store.snapshot(List.of("w")).get("w")[LARGE - 1]).isEqualTo(-0.5f);
  }

  @Test
  void apply_badPushOverTheLimit_acksInvalidArgumentFromThePoolAndChangesNothing() {
    store.create("w", new float[LARGE], false, null);

    CompletableFuture<PushAck> ack = applier.apply(staged(1, "w", LARGE, Float.NaN), "", null);
    applyTasks.remove().run();

    assertThat(ack.join().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(ack.join().getMessage()).contains("NaN");
    assertThat(store.snapshot(List.of("w")).get("w")).containsOnly(0f);
  }

  /** A complete push of {@code size} copies of {@code value} to one group, in one message. */
  private PendingPush staged(long pushId, String group, int size, float value) {
    float[] gradient = new float[size];
    Arrays.fill(gradient, value);
    GradientSlice slice = slice(group, gradient);
    PendingPush push = new PendingPush(pushId, "", 0, budget.newStagingBuffers());
    assertThat(push.add(store, pushId, List.of(slice), List.of())).isTrue();
    return push;
  }
}
