package io.paramstream.server;

import static io.paramstream.server.Wire.group;
import static io.paramstream.server.Wire.push;
import static io.paramstream.server.Wire.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.paramstream.core.StalenessHistogram;
import io.paramstream.core.StalenessPolicy;
import io.paramstream.proto.v1.ConsistencyMode;
import io.paramstream.proto.v1.DeregisterWorkerRequest;
import io.paramstream.proto.v1.GetStatsRequest;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.GroupVersion;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.RegisterWorkerRequest;
import io.paramstream.proto.v1.ServerStats;
import io.paramstream.proto.v1.StalenessCount;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the .proto promises about Push acks, codes and consistency modes, checked with the generated
 * stubs only, as a client in another language sees it. One nested class per server configuration.
 */
@Timeout(60)
class PushContractTest {

  private static final int OK = Status.Code.OK.value();
  private static final int CANCELLED = Status.Code.CANCELLED.value();
  private static final int INVALID_ARGUMENT = Status.Code.INVALID_ARGUMENT.value();
  private static final int DEADLINE_EXCEEDED = Status.Code.DEADLINE_EXCEEDED.value();
  private static final int FAILED_PRECONDITION = Status.Code.FAILED_PRECONDITION.value();

  /** The lr every Wire.group has; the kernel multiplies by float32(lr). */
  private static final double LR = 0.1;

  private static PushRequest basedOn(long base, PushRequest request) {
    return request.toBuilder().setBaseVersion(base).build();
  }

  private static PushRequest fromWorker(String worker, PushRequest request) {
    return request.toBuilder().setWorkerId(worker).build();
  }

  private static PushRequest continued(PushRequest request) {
    return request.toBuilder().setContinued(true).build();
  }

  private static io.paramstream.proto.v1.GradientSlice at(
      long offset, io.paramstream.proto.v1.GradientSlice slice) {
    return slice.toBuilder().setOffset(offset).build();
  }

  private static List<GroupVersion> versions(String group, long version) {
    return List.of(GroupVersion.newBuilder().setGroup(group).setVersion(version).build());
  }

  private static float[] values(InProcessServerExtension grpc, String name) {
    return Wire.reassemble(
            grpc.blocking()
                .pull(
                    PullRequest.newBuilder()
                        .addGroups(GroupSelector.newBuilder().setName(name))
                        .build()))
        .get(name);
  }

  private static ServerStats stats(InProcessServerExtension grpc) {
    return grpc.blocking().getStats(GetStatsRequest.getDefaultInstance());
  }

  private static StalenessCount bucket(long staleness, long count) {
    return StalenessCount.newBuilder().setStaleness(staleness).setCount(count).build();
  }

  /** The stream is still open: no status arrived, and the next push is acknowledged. */
  private static void assertStillOpen(Wire.PushStream stream, long pushId, PushRequest next)
      throws Exception {
    assertThat(stream.closed).isNotDone();
    PushAck ack = stream.send(next);
    assertThat(ack.getPushId()).isEqualTo(pushId);
    assertThat(ack.getCode()).isEqualTo(OK);
  }

  /**
   * A mode as ServerMain builds it: --max-staleness (default 4) is passed whatever the mode, so the
   * stats must not report it outside bounded staleness.
   */
  private static ConsistencyConfig withDefaultMaxStaleness(
      ConsistencyConfig.Mode mode, Duration stragglerTimeout) {
    return new ConsistencyConfig(
        mode, stragglerTimeout, new StalenessPolicy(4, StalenessPolicy.Action.REJECT));
  }

  private static InProcessServerExtension stalenessLimitOne(StalenessPolicy.Action action) {
    return new InProcessServerExtension()
        .withConsistency(ConsistencyConfig.boundedStaleness(new StalenessPolicy(1, action)));
  }

  private static void register(InProcessServerExtension grpc, String... workers) {
    for (String worker : workers) {
      grpc.blocking()
          .registerWorker(RegisterWorkerRequest.newBuilder().setWorkerId(worker).build());
    }
  }

  @Nested
  class Asynchronous {

    @RegisterExtension
    final InProcessServerExtension grpc =
        new InProcessServerExtension()
            .withConsistency(
                withDefaultMaxStaleness(
                    ConsistencyConfig.Mode.ASYNCHRONOUS, Duration.ofSeconds(30)));

    @Test
    void push_pushIdChangesMidPush_oneAckWithFirstPushIdInvalidArgumentStreamStaysOpen()
        throws Exception {
      Wire.create(grpc.async(), group("w", false, 1f, 1f));
      Wire.PushStream stream = new Wire.PushStream(grpc.async());
      stream.requests.onNext(continued(push(1, slice("w", 1f))));
      stream.requests.onNext(push(2, at(1, slice("w", 1f))));

      PushAck ack = stream.nextAck();

      assertThat(ack.getPushId()).isEqualTo(1);
      assertThat(ack.getCode()).isEqualTo(INVALID_ARGUMENT);
      assertThat(ack.getMessage()).contains("push_id 2");
      assertThat(ack.getVersionsList()).isEmpty();
      // The message with push_id 2 ended push 1 (it had continued = false): no ack of its own.
      assertStillOpen(stream, 3, push(3, slice("w", 1f, 1f)));
      assertThat(stream.drainAcks()).isEmpty();
      assertThat(values(grpc, "w")).containsExactly(1f - (float) LR, 1f - (float) LR);
    }

    @Test
    void push_chunkOutOfOrder_ackedOnlyAtPushEndWithFirstFailureStreamStaysOpen() throws Exception {
      Wire.create(grpc.async(), group("w", false, 1f, 1f));
      Wire.PushStream stream = new Wire.PushStream(grpc.async());
      stream.requests.onNext(continued(push(1, at(1, slice("w", 1f)))));

      // The failure is only reported when the push's last message arrives.
      assertThat(stream.acks.poll(300, TimeUnit.MILLISECONDS)).isNull();
      stream.requests.onNext(continued(push(1, slice("w", 1f))));
      stream.requests.onNext(push(1, slice("no-such-group", 1f)));
      PushAck ack = stream.nextAck();

      assertThat(ack.getPushId()).isEqualTo(1);
      assertThat(ack.getCode()).isEqualTo(INVALID_ARGUMENT);
      assertThat(ack.getMessage()).contains("offset 1").contains("expected 0");
      PushAck next = stream.send(push(2, slice("w", 1f, 1f)));
      assertThat(next.getVersionsList()).isEqualTo(versions("w", 1));
      assertThat(stream.closed).isNotDone();
    }

    @Test
    void push_baseVersionInAsynchronousMode_ignored() throws Exception {
      Wire.create(grpc.async(), group("w", false, 1f));
      Wire.PushStream stream = new Wire.PushStream(grpc.async());

      PushAck ack = stream.send(basedOn(99, push(1, slice("w", 1f))));

      assertThat(ack.getCode()).isEqualTo(OK);
      assertThat(ack.getStaleness()).isZero();
      assertThat(ack.getVersionsList()).isEqualTo(versions("w", 1));
    }

    @Test
    void getStats_asynchronous_reportsModeAndNoMaxStaleness() throws Exception {
      Wire.create(grpc.async(), group("w", false, 1f));
      new Wire.PushStream(grpc.async()).send(push(1, slice("w", 1f)));

      ServerStats stats = stats(grpc);

      assertThat(stats.getMode()).isEqualTo(ConsistencyMode.ASYNCHRONOUS);
      assertThat(stats.getMaxStaleness()).isZero();
      assertThat(stats.getStep()).isZero();
      assertThat(stats.getStalenessList()).isEmpty();
      assertThat(stats.getRejectedStalePushes()).isZero();
    }
  }

  @Nested
  class BoundedStalenessReject {

    @RegisterExtension
    final InProcessServerExtension grpc = stalenessLimitOne(StalenessPolicy.Action.REJECT);

    @Test
    void push_stalerThanLimit_acksFailedPreconditionCountsItStreamStaysOpen() throws Exception {
      Wire.create(grpc.async(), group("w", false, 0f));
      Wire.PushStream stream = new Wire.PushStream(grpc.async());
      assertThat(stream.send(basedOn(0, push(1, slice("w", 1f)))).getStaleness()).isZero();
      assertThat(stream.send(basedOn(0, push(2, slice("w", 1f)))).getStaleness()).isEqualTo(1);

      PushAck stale = stream.send(basedOn(0, push(3, slice("w", 1f))));

      assertThat(stale.getPushId()).isEqualTo(3);
      assertThat(stale.getCode()).isEqualTo(FAILED_PRECONDITION);
      assertThat(stale.getMessage()).contains("2 versions stale").contains("limit is 1");
      assertThat(stale.getVersionsList()).isEmpty();
      assertStillOpen(stream, 4, basedOn(2, push(4, slice("w", 1f))));
      ServerStats stats = stats(grpc);
      assertThat(stats.getMode()).isEqualTo(ConsistencyMode.BOUNDED_STALENESS);
      assertThat(stats.getMaxStaleness()).isEqualTo(1);
      assertThat(stats.getStalenessList()).containsExactly(bucket(0, 2), bucket(1, 1));
      assertThat(stats.getRejectedStalePushes()).isEqualTo(1);
    }

    @Test
    void push_withoutBaseVersion_acksFailedPreconditionNotCountedAsStale() throws Exception {
      Wire.create(grpc.async(), group("w", false, 0f));
      Wire.PushStream stream = new Wire.PushStream(grpc.async());

      PushAck ack = stream.send(push(1, slice("w", 1f)));

      assertThat(ack.getCode()).isEqualTo(FAILED_PRECONDITION);
      assertThat(ack.getMessage()).contains("base_version");
      assertStillOpen(stream, 2, basedOn(0, push(2, slice("w", 1f))));
      assertThat(stats(grpc).getRejectedStalePushes()).isZero();
      assertThat(stats(grpc).getStalenessList()).containsExactly(bucket(0, 1));
    }

    @Test
    void push_baseVersionAheadOfGroup_acksInvalidArgumentNotCountedAsStale() throws Exception {
      Wire.create(grpc.async(), group("w", false, 0f));
      Wire.PushStream stream = new Wire.PushStream(grpc.async());

      PushAck ack = stream.send(basedOn(1, push(1, slice("w", 1f))));

      assertThat(ack.getCode()).isEqualTo(INVALID_ARGUMENT);
      assertThat(ack.getMessage()).contains("base version 1 is ahead of group 'w' at version 0");
      assertStillOpen(stream, 2, basedOn(0, push(2, slice("w", 1f))));
      assertThat(stats(grpc).getRejectedStalePushes()).isZero();
    }

    @Test
    void push_chunked_baseVersionReadFromFirstMessage() throws Exception {
      Wire.create(grpc.async(), group("w", false, 0f, 0f));
      Wire.PushStream stream = new Wire.PushStream(grpc.async());
      stream.send(basedOn(0, push(1, slice("w", 0f, 0f))));

      // The last message's base_version 9 would be ahead of the group; it is not read.
      stream.requests.onNext(continued(basedOn(0, push(2, slice("w", 1f)))));
      PushAck ack = stream.send(basedOn(9, push(2, at(1, slice("w", 1f)))));

      assertThat(ack.getCode()).isEqualTo(OK);
      assertThat(ack.getStaleness()).isEqualTo(1);
      assertThat(ack.getVersionsList()).isEqualTo(versions("w", 2));
    }

    @Test
    void push_sameWorkerAndSequenceTwice_appliedTwice_deduplicationIsAsynchronousOnly()
        throws Exception {
      Wire.create(grpc.async(), group("w", false, 0f));
      Wire.PushStream stream = new Wire.PushStream(grpc.async());
      PushRequest numbered =
          basedOn(0, push(1, slice("w", 1f)).toBuilder().setWorkerId("a").setSequence(1).build());

      PushAck first = stream.send(numbered);
      PushAck resent = stream.send(numbered);

      assertThat(first.getVersionsList()).isEqualTo(versions("w", 1));
      assertThat(resent.getDuplicate()).isFalse();
      assertThat(resent.getVersionsList()).isEqualTo(versions("w", 2));
    }
  }

  @Nested
  class BoundedStalenessScaleLr {

    @RegisterExtension
    final InProcessServerExtension grpc = stalenessLimitOne(StalenessPolicy.Action.SCALE_LR);

    @Test
    void push_stalerThanLimit_appliedWithLrTimesSPlusOneOverStalenessPlusOne() throws Exception {
      Wire.create(grpc.async(), group("a", false, 1f));
      Wire.create(grpc.async(), group("b", false, 1f));
      Wire.create(grpc.async(), group("decayed", true, 1f));
      Wire.PushStream stream = new Wire.PushStream(grpc.async());
      for (long v = 0; v < 3; v++) {
        stream.send(basedOn(v, push(v + 1, slice("a", 0f))));
      }

      // a is at 3, the others at 0: the push's staleness is the largest, 3, and scales them all.
      PushAck ack =
          stream.send(basedOn(0, push(4, slice("a", 1f), slice("b", 2f), slice("decayed", 2f))));

      assertThat(ack.getCode()).isEqualTo(OK);
      assertThat(ack.getStaleness()).isEqualTo(3);
      double lr = LR * ((1 + 1.0) / (3 + 1.0));
      float s = (float) lr;
      assertThat(values(grpc, "a")).containsExactly(1f - s * 1f);
      assertThat(values(grpc, "b")).containsExactly(1f - s * 2f);
      // The decay term uses the scaled rate too: c = float32(lr' * weight_decay).
      float c = (float) (lr * 0.01);
      assertThat(values(grpc, "decayed")).containsExactly(1f - (s * 2f + c * 1f));
      assertThat(stats(grpc).getRejectedStalePushes()).isZero();

      // Within the limit (b at 1, base 0: staleness 1 = S) the learning rate is unchanged.
      float before = values(grpc, "b")[0];
      assertThat(stream.send(basedOn(0, push(5, slice("b", 1f)))).getStaleness()).isEqualTo(1);
      assertThat(values(grpc, "b")).containsExactly(before - (float) LR * 1f);
    }

    @Test
    void getStats_histogram_exactBelowOverflowOneBucketFromOverflowUp() throws Exception {
      assertThat(StalenessHistogram.OVERFLOW).isEqualTo(64);
      Wire.create(grpc.async(), group("w", false, 0f));
      Wire.PushStream stream = new Wire.PushStream(grpc.async());
      long id = 0;
      for (long v = 0; v < 70; v++) {
        stream.send(basedOn(v, push(++id, slice("w", 0f))));
      }

      // Versions 70, 71, 72 pushed from 0, 8 and 8: staleness 70, 63 and 64.
      List<Long> staleness =
          List.of(
              stream.send(basedOn(0, push(++id, slice("w", 0f)))).getStaleness(),
              stream.send(basedOn(8, push(++id, slice("w", 0f)))).getStaleness(),
              stream.send(basedOn(8, push(++id, slice("w", 0f)))).getStaleness());

      assertThat(staleness).containsExactly(70L, 63L, 64L);
      assertThat(stats(grpc).getStalenessList())
          .containsExactly(bucket(0, 70), bucket(63, 1), bucket(64, 2));
    }
  }

  @Nested
  class Synchronous {

    @RegisterExtension
    final InProcessServerExtension grpc =
        new InProcessServerExtension()
            .withConsistency(
                withDefaultMaxStaleness(
                    ConsistencyConfig.Mode.SYNCHRONOUS, Duration.ofSeconds(20)));

    /** Workers a and b registered, a's push of group w waiting in step 0 for b's. */
    private Wire.PushStream pushOfAWaitingForB() throws Exception {
      Wire.create(grpc.async(), group("w", false, 0f));
      register(grpc, "a", "b");
      Wire.PushStream a = new Wire.PushStream(grpc.async());
      a.requests.onNext(fromWorker("a", push(1, slice("w", 1f))));
      awaitPushedInStep("a");
      assertThat(a.acks.poll(200, TimeUnit.MILLISECONDS)).isNull();
      return a;
    }

    /**
     * Waits until the step being collected holds a push of {@code worker}. Pushes on different
     * streams reach the server in no set order, so a test that needs one to arrive first waits.
     */
    private void awaitPushedInStep(String worker) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!grpc.server().applier().barrier().pushedWorkers().contains(worker)) {
        assertThat(System.nanoTime()).as("%s's push reached the step", worker).isLessThan(deadline);
        Thread.sleep(5);
      }
    }

    @Test
    void push_acksHeldUntilEveryRegisteredWorkerPushedThenStepApplied() throws Exception {
      Wire.create(grpc.async(), group("w", false, 0f, 0f));
      register(grpc, "a", "b");
      Wire.PushStream a = new Wire.PushStream(grpc.async());
      Wire.PushStream b = new Wire.PushStream(grpc.async());

      a.requests.onNext(fromWorker("a", push(1, slice("w", 2f, 0f))));
      assertThat(a.acks.poll(300, TimeUnit.MILLISECONDS)).isNull();
      assertThat(values(grpc, "w")).containsExactly(0f, 0f);
      PushAck second = b.send(fromWorker("b", push(7, slice("w", 4f, 2f))));
      PushAck first = a.nextAck();

      assertThat(first.getPushId()).isEqualTo(1);
      assertThat(second.getPushId()).isEqualTo(7);
      assertThat(first.getVersionsList()).isEqualTo(versions("w", 1));
      assertThat(second.getVersionsList()).isEqualTo(versions("w", 1));
      // The average (3, 1) applied once.
      assertThat(values(grpc, "w")).containsExactly(-(float) LR * 3f, -(float) LR * 1f);
      ServerStats stats = stats(grpc);
      assertThat(stats.getMode()).isEqualTo(ConsistencyMode.SYNCHRONOUS);
      assertThat(stats.getStep()).isEqualTo(1);
      assertThat(stats.getMaxStaleness()).isZero();
      assertThat(stats.getStalenessList()).isEmpty();
    }

    @Test
    void push_unregisteredOrTwiceInOneStep_acksFailedPrecondition() throws Exception {
      Wire.create(grpc.async(), group("w", false, 0f));
      register(grpc, "a", "b");
      Wire.PushStream a = new Wire.PushStream(grpc.async());
      a.requests.onNext(fromWorker("a", push(1, slice("w", 1f))));
      // Else a's second push below could reach the step first and be the one held.
      awaitPushedInStep("a");
      Wire.PushStream other = new Wire.PushStream(grpc.async());

      PushAck stranger = other.send(fromWorker("c", push(1, slice("w", 1f))));
      PushAck twice = other.send(fromWorker("a", push(2, slice("w", 1f))));

      assertThat(stranger.getCode()).isEqualTo(FAILED_PRECONDITION);
      assertThat(stranger.getMessage()).contains("'c' is not registered");
      assertThat(twice.getCode()).isEqualTo(FAILED_PRECONDITION);
      assertThat(twice.getMessage()).contains("already pushed for step 0");
      assertThat(other.send(fromWorker("b", push(3, slice("w", 1f)))).getCode()).isEqualTo(OK);
      assertThat(a.nextAck().getVersionsList()).isEqualTo(versions("w", 1));
    }

    @Test
    void push_malformedAloneAckedAtOnce_nonFiniteFailsTheWholeStep() throws Exception {
      Wire.create(grpc.async(), group("w", false, 0f));
      register(grpc, "a", "b");
      Wire.PushStream a = new Wire.PushStream(grpc.async());
      Wire.PushStream b = new Wire.PushStream(grpc.async());

      // Checked while staging: acked at once, the step does not wait on it.
      assertThat(a.send(fromWorker("a", push(1, slice("w", 1f, 1f)))).getCode())
          .isEqualTo(INVALID_ARGUMENT);
      // Finiteness is checked on the step's average: one NaN fails the step for every worker.
      a.requests.onNext(fromWorker("a", push(2, slice("w", Float.NaN))));
      PushAck other = b.send(fromWorker("b", push(1, slice("w", 1f))));
      PushAck nan = a.nextAck();

      assertThat(other.getCode()).isEqualTo(INVALID_ARGUMENT);
      assertThat(nan.getCode()).isEqualTo(INVALID_ARGUMENT);
      assertThat(values(grpc, "w")).containsExactly(0f);
      assertThat(stats(grpc).getStep()).isZero();
    }

    @Test
    void serverShutdown_whilePushWaitsInStep_acksUnavailableThenEndsStream() throws Exception {
      Wire.PushStream a = pushOfAWaitingForB();

      grpc.server().close();

      assertThat(a.nextAck().getCode()).isEqualTo(Status.Code.UNAVAILABLE.value());
      assertThat(Status.fromThrowable(a.closed.get(10, TimeUnit.SECONDS)).getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void deregisterWorker_whosePushIsWaiting_acksItCancelledAndDropsIt() throws Exception {
      Wire.PushStream a = pushOfAWaitingForB();

      grpc.blocking()
          .deregisterWorker(DeregisterWorkerRequest.newBuilder().setWorkerId("a").build());
      PushAck ack = a.nextAck();

      assertThat(ack.getCode()).isEqualTo(CANCELLED);
      assertThat(ack.getMessage()).contains("'a' left");
      assertThat(values(grpc, "w")).containsExactly(0f);
      assertThat(stats(grpc).getStep()).isZero();
    }
  }

  @Nested
  class SynchronousStraggler {

    @RegisterExtension
    final InProcessServerExtension grpc =
        new InProcessServerExtension()
            .withConsistency(ConsistencyConfig.synchronous(Duration.ofMillis(300)));

    @Test
    void push_stepWaitsPastStragglerTimeout_acksDeadlineExceededWorkersStayRegistered()
        throws Exception {
      Wire.create(grpc.async(), group("w", false, 0f));
      register(grpc, "a", "b");
      Wire.PushStream a = new Wire.PushStream(grpc.async());

      PushAck timedOut = a.send(fromWorker("a", push(1, slice("w", 1f))));

      assertThat(timedOut.getCode()).isEqualTo(DEADLINE_EXCEEDED);
      assertThat(timedOut.getMessage()).contains("step 0").contains("[b]");
      assertThat(values(grpc, "w")).containsExactly(0f);
      assertThat(stats(grpc).getStep()).isZero();
      // Same stream, same step number: both workers are still waited for.
      a.requests.onNext(fromWorker("a", push(2, slice("w", 1f))));
      PushAck b = new Wire.PushStream(grpc.async()).send(fromWorker("b", push(1, slice("w", 3f))));
      assertThat(b.getVersionsList()).isEqualTo(versions("w", 1));
      assertThat(a.nextAck().getPushId()).isEqualTo(2);
      assertThat(values(grpc, "w")).containsExactly(-(float) LR * 2f);
    }
  }
}
