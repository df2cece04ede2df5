package io.paramstream.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pushes and reads from several threads at once. Learning rate 1, no decay and small integer
 * gradients make every float sum exact in any order, so the expected final state is known exactly
 * whatever the interleaving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupStoreConcurrencyTest {

  private static final int THREADS = 4;
  private static final int PUSHES_PER_THREAD = 2000;
  private static final int SIZE = 1024;
  private static final long SEED = 20240611L;
  private static final Hyperparameters EXACT = new Hyperparameters(1.0, 0.0);

  private ExecutorService executor;

  @BeforeEach
  void setUp() {
    executor = Executors.newFixedThreadPool(THREADS + 1);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private static float[] initialValues(int offset) {
    float[] values = new float[SIZE];
    for (int i = 0; i < SIZE; i++) {
      values[i] = 1000f + offset + i;
    }
    return values;
  }

  private static float[] integerGradient(Random random) {
    float[] gradient = new float[SIZE];
    for (int i = 0; i < SIZE; i++) {
      gradient[i] = random.nextInt(21) - 10;
    }
    return gradient;
  }

  /** What one pusher did, to sum up after all threads finish. */
  private record PusherTotals(long[] sumA, long[] sumB, int pushesA, int pushesB) {}

  private static <T> List<T> awaitAll(List<Future<T>> futures) throws Exception {
    List<T> results = new ArrayList<>();
    for (Future<T> future : futures) {
      results.add(future.get(30, TimeUnit.SECONDS));
    }
    return results;
  }

  @Test
  void push_concurrentPushers_noLostOrDoubledUpdate() throws Exception {
    GroupStore store = new GroupStore(EXACT);
    float[] initialA = initialValues(0);
    float[] initialB = initialValues(500);
    // "a" decays (with wd 0 the decay factor is exactly 1), "b" does not: both paths run.
    store.create("a", initialA.clone(), true, null);
    store.create("b", initialB.clone(), false, null);
    CountDownLatch start = new CountDownLatch(1);

    List<Future<PusherTotals>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Random random = new Random(SEED + t);
      Callable<PusherTotals> pusher =
          () -> {
            long[] sumA = new long[SIZE];
            long[] sumB = new long[SIZE];
            int pushesA = 0;
            int pushesB = 0;
            start.await();
            for (int p = 0; p < PUSHES_PER_THREAD; p++) {
              int kind = random.nextInt(4);
              boolean toA = kind != 1;
              boolean toB = kind != 0;
              List<GroupGradient> push = new ArrayList<>();
              if (toA) {
                float[] g = integerGradient(random);
                push.add(new GroupGradient("a", g));
                pushesA++;
                for (int i = 0; i < SIZE; i++) {
                  sumA[i] += (long) g[i];
                }
              }
              if (toB) {
                float[] g = integerGradient(random);
                push.add(new GroupGradient("b", g));
                pushesB++;
                for (int i = 0; i < SIZE; i++) {
                  sumB[i] += (long) g[i];
                }
              }
              if (kind == 3) {
                // Both groups, named in the opposite order to their lock order.
                Collections.reverse(push);
              }
              store.push(push);
            }
            return new PusherTotals(sumA, sumB, pushesA, pushesB);
          };
      futures.add(executor.submit(pusher));
    }
    start.countDown();
    List<PusherTotals> totals = awaitAll(futures);

    long[] sumA = new long[SIZE];
    long[] sumB = new long[SIZE];
    long pushesA = 0;
    long pushesB = 0;
    for (PusherTotals t : totals) {
      pushesA += t.pushesA();
      pushesB += t.pushesB();
      for (int i = 0; i < SIZE; i++) {
        sumA[i] += t.sumA()[i];
        sumB[i] += t.sumB()[i];
      }
    }
    float[] expectedA = new float[SIZE];
    float[] expectedB = new float[SIZE];
    for (int i = 0; i < SIZE; i++) {
      expectedA[i] = initialA[i] - sumA[i];
      expectedB[i] = initialB[i] - sumB[i];
    }

    var values = store.snapshot(List.of("a", "b"));
    assertThat(values.get("a")).containsExactly(expectedA);
    assertThat(values.get("b")).containsExactly(expectedB);
    assertThat(store.list(List.of()))
        .containsExactly(
            new GroupMetadata("a", SIZE, true, pushesA, EXACT),
            new GroupMetadata("b", SIZE, false, pushesB, EXACT));
    assertThat(pushesA + pushesB).isGreaterThan(THREADS * PUSHES_PER_THREAD);
  }

  /** One consistent read of both groups, copied out of the visitor. */
  private record Pair(float[] a, float[] b, long versionA, long versionB) {}

  private static Pair readBoth(GroupStore store) {
    float[][] values = new float[2][];
    long[] versions = new long[2];
    store.read(
        List.of(GroupSelector.any("a"), GroupSelector.any("b")),
        new SnapshotVisitor() {
          @Override
          public void group(GroupMetadata group, float[] groupValues) {
            int slot = group.name().equals("a") ? 0 : 1;
            values[slot] = groupValues.clone();
            versions[slot] = group.version();
          }

          @Override
          public void notModified(GroupMetadata group) {
            throw new AssertionError("read any version but got notModified for " + group);
          }
        });
    return new Pair(values[0], values[1], versions[0], versions[1]);
  }

  @Test
  void read_duringIdenticalPushesToBothGroups_neverSeesHalfAppliedPush() throws Exception {
    GroupStore store = new GroupStore(EXACT);
    store.create("a", initialValues(0), false, null);
    store.create("b", initialValues(0), false, null);
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean pushersDone = new AtomicBoolean();

    List<Future<Integer>> pushers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Random random = new Random(SEED + 100 + t);
      pushers.add(
          executor.submit(
              () -> {
                start.await();
                for (int p = 0; p < PUSHES_PER_THREAD; p++) {
                  float[] g = integerGradient(random);
                  // Same values, separate arrays; half the pushes name b first.
                  GroupGradient toA = new GroupGradient("a", g);
                  GroupGradient toB = new GroupGradient("b", g.clone());
                  store.push(random.nextBoolean() ? List.of(toA, toB) : List.of(toB, toA));
                }
                return PUSHES_PER_THREAD;
              }));
    }
    Future<Integer> reader =
        executor.submit(
            () -> {
              start.await();
              int reads = 0;
              // Keep reading until the pushers finish, then once more at the end state.
              boolean last = false;
              while (!last) {
                last = pushersDone.get();
                Pair pair = readBoth(store);
                assertThat(pair.versionB())
                    .as("version of b in read %d", reads)
                    .isEqualTo(pair.versionA());
                assertThat(pair.b()).as("values of b in read %d", reads).containsExactly(pair.a());
                reads++;
              }
              return reads;
            });

    start.countDown();
    List<Integer> pushed = awaitAll(pushers);
    pushersDone.set(true);
    int reads = reader.get(30, TimeUnit.SECONDS);

    assertThat(reads).isGreaterThan(1);
    Pair end = readBoth(store);
    long total = pushed.stream().mapToLong(Integer::longValue).sum();
    assertThat(end.versionA()).isEqualTo(total);
    assertThat(end.versionB()).isEqualTo(total);
    assertThat(end.b()).containsExactly(end.a());
  }
}
