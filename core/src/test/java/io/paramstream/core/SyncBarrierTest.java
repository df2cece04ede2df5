package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class SyncBarrierTest {

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final GroupStore store = new GroupStore(new Hyperparameters(1.0, 0.0));

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  private SyncBarrier barrier(Duration timeout) {
    store.create("w", new float[] {0f, 0f}, false, null);
    return new SyncBarrier(store, timeout, timer);
  }

  private static List<GroupGradient> grad(float a, float b) {
    return List.of(new GroupGradient("w", new float[] {a, b}));
  }

  private static Throwable failure(CompletableFuture<?> future) {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("future succeeded");
  }

  @Test
  void contribute_allWorkers_appliesTheAverageOnce() throws Exception {
    SyncBarrier barrier = barrier(Duration.ofSeconds(10));
    barrier.register("a");
    barrier.register("b");
    assertThat(barrier.pushedWorkers()).isEmpty();
    CompletableFuture<List<GroupVersion>> a = barrier.contribute("a", grad(1f, 2f));
    assertThat(a).isNotDone();
    assertThat(barrier.pushedWorkers()).containsExactly("a");
    assertThat(store.snapshot(List.of("w")).get("w")).containsExactly(0f, 0f);
    CompletableFuture<List<GroupVersion>> b = barrier.contribute("b", grad(3f, 6f));
    assertThat(barrier.pushedWorkers()).isEmpty();
    assertThat(a.get()).containsExactly(new GroupVersion("w", 1));
    assertThat(b.get()).containsExactly(new GroupVersion("w", 1));
    // lr 1: theta = -(mean gradient)
    assertThat(store.snapshot(List.of("w")).get("w")).containsExactly(-2f, -4f);
    assertThat(barrier.step()).isEqualTo(1);
  }

  @Test
  void contribute_unregisteredWorker_failsPrecondition() {
    SyncBarrier barrier = barrier(Duration.ofSeconds(10));
    barrier.register("a");
    assertThat(failure(barrier.contribute("x", grad(1f, 1f))))
        .isInstanceOf(ConsistencyException.class)
        .hasMessageContaining("'x' is not registered");
  }

  @Test
  void contribute_twiceInOneStep_failsPrecondition() {
    SyncBarrier barrier = barrier(Duration.ofSeconds(10));
    barrier.register("a");
    barrier.register("b");
    barrier.contribute("a", grad(1f, 1f));
    assertThat(failure(barrier.contribute("a", grad(1f, 1f))))
        .hasMessageContaining("already pushed for step 0");
  }

  @Test
  void contribute_stragglerTimesOut_failsNamingMissingWorkers() {
    SyncBarrier barrier = barrier(Duration.ofMillis(200));
    barrier.register("a");
    barrier.register("b");
    barrier.register("c");
    CompletableFuture<List<GroupVersion>> a = barrier.contribute("a", grad(1f, 1f));
    Throwable e = failure(a);
    assertThat(e).isInstanceOf(ConsistencyException.class);
    assertThat(((ConsistencyException) e).reason())
        .isEqualTo(ConsistencyException.Reason.DEADLINE_EXCEEDED);
    assertThat(e).hasMessageContaining("[b, c]").hasMessageContaining("step 0");
    assertThat(store.snapshot(List.of("w")).get("w")).containsExactly(0f, 0f);
    assertThat(barrier.step()).isZero();
  }

  @Test
  void deregister_lastMissingWorker_completesTheStep() throws Exception {
    SyncBarrier barrier = barrier(Duration.ofSeconds(10));
    barrier.register("a");
    barrier.register("b");
    CompletableFuture<List<GroupVersion>> a = barrier.contribute("a", grad(4f, 2f));
    barrier.deregister("b");
    assertThat(a.get(5, TimeUnit.SECONDS)).containsExactly(new GroupVersion("w", 1));
    assertThat(store.snapshot(List.of("w")).get("w")).containsExactly(-4f, -2f);
    assertThat(barrier.workers()).containsExactly("a");
  }

  @Test
  void deregister_workerThatPushed_dropsItsGradient() throws Exception {
    SyncBarrier barrier = barrier(Duration.ofSeconds(10));
    barrier.register("a");
    barrier.register("b");
    barrier.register("c");
    CompletableFuture<List<GroupVersion>> a = barrier.contribute("a", grad(100f, 100f));
    barrier.deregister("a");
    assertThat(failure(a)).hasMessageContaining("'a' left");
    barrier.contribute("b", grad(1f, 1f));
    barrier.contribute("c", grad(3f, 3f)).get(5, TimeUnit.SECONDS);
    assertThat(store.snapshot(List.of("w")).get("w")).containsExactly(-2f, -2f);
  }

  @Test
  void close_pendingStep_failsUnavailable() {
    SyncBarrier barrier = barrier(Duration.ofSeconds(10));
    barrier.register("a");
    barrier.register("b");
    CompletableFuture<List<GroupVersion>> a = barrier.contribute("a", grad(1f, 1f));
    barrier.close();
    assertThat(failure(a)).hasMessageContaining("shutting down");
    assertThatThrownBy(() -> barrier.register("c")).hasMessageContaining("shutting down");
  }

  @Test
  void contribute_mismatchedGroups_failsTheStepWithoutApplying() {
    SyncBarrier barrier = barrier(Duration.ofSeconds(10));
    store.create("v", new float[] {0f}, false, null);
    barrier.register("a");
    barrier.register("b");
    CompletableFuture<List<GroupVersion>> a = barrier.contribute("a", grad(1f, 1f));
    barrier.contribute("b", List.of(new GroupGradient("v", new float[] {1f})));
    assertThat(failure(a)).hasMessageContaining("different sets of groups");
    assertThat(store.snapshot(List.of("w")).get("w")).containsExactly(0f, 0f);
  }
}
