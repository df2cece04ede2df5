package io.paramstream.server;

import static io.paramstream.server.Wire.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.paramstream.core.StoreLimits;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Staged gradients come out of the transient budget and go back on every path a push or its stream
 * can end by; pushes that do not fit wait or fail, never allocate past the budget.
 */
@Timeout(30)
class PushMemoryBudgetTest {

  private static final long BUDGET = 64 << 10;
  private static final int BIG = 10_000; // 40 KB: one fits, two do not
  private static final int MID = 6_000; // 24 KB: fits beside BIG
  private static final int HUGE = 20_000; // 80 KB: never fits

  @RegisterExtension
  final InProcessServerExtension grpc =
      new InProcessServerExtension()
          .withLimits(
              new LimitsConfig(StoreLimits.NONE, Integer.MAX_VALUE, BUDGET, Duration.ofSeconds(1)));

  @BeforeEach
  void createGroups() throws Exception {
    // Groups of zeros are created without initial values, so no create buffer is needed.
    for (String name : List.of("big", "mid", "huge", "small")) {
      int size =
          switch (name) {
            case "big" -> BIG;
            case "mid" -> MID;
            case "huge" -> HUGE;
            default -> 2;
          };
      Wire.create(
          grpc.async(), CreateGroupRequest.newBuilder().setName(name).setSize(size).build());
    }
  }

  @Test
  void push_applied_keepsOnlyItsSpare_andStreamEndReleasesAll() throws Exception {
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    assertThat(stream.send(Wire.push(1, slice("big", new float[BIG]))).getCode()).isZero();
    assertThat(budget()).isEqualTo(BIG * 4L); // the spare kept for the next push

    stream.requests.onCompleted();
    assertThat(stream.closed.get(10, TimeUnit.SECONDS)).isNull();
    grpc.awaitTransientBytes(0);
  }

  @Test
  void push_rejected_releasesWhatItStaged() throws Exception {
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    stream.requests.onNext(firstHalf(2, "big", BIG));
    PushAck ack =
        stream.send(Wire.push(2, slice("big", 1f).toBuilder().setOffset(BIG / 2 + 1).build()));
    assertThat(ack.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());

    stream.requests.onCompleted();
    stream.closed.get(10, TimeUnit.SECONDS);
    grpc.awaitTransientBytes(0);
  }

  @Test
  void push_cancelledMidPush_releasesWhatItStaged() throws Exception {
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    stream.requests.onNext(firstHalf(3, "big", BIG));
    grpc.awaitTransientBytes(BIG * 4L);

    stream.requests.onError(new RuntimeException("worker gone"));
    grpc.awaitTransientBytes(0);
  }

  @Test
  void push_halfClosedMidPush_failsAndReleases() throws Exception {
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    stream.requests.onNext(firstHalf(4, "big", BIG));
    stream.requests.onCompleted();

    Throwable error = stream.closed.get(10, TimeUnit.SECONDS);
    assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    grpc.awaitTransientBytes(0);
  }

  @Test
  void push_idleMidPush_endsWithDeadlineExceededNamingTimeoutAndPush_andReleases()
      throws Exception {
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    stream.requests.onNext(firstHalf(7, "big", BIG));

    Throwable error = stream.closed.get(10, TimeUnit.SECONDS);
    assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(error)
        .hasMessageContaining("push 7")
        .hasMessageContaining("--stream-idle-timeout")
        .hasMessageContaining("PT1S");
    grpc.awaitTransientBytes(0);
    assertThat(grpc.server().store().list(List.of("big")).get(0).version()).isZero();
  }

  @Test
  void stream_idleBetweenPushes_isNotEnded() throws Exception {
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    assertThat(stream.send(Wire.push(1, slice("small", 1f, 1f))).getCode()).isZero();
    Thread.sleep(1_500);
    assertThat(stream.closed).isNotDone();
    assertThat(stream.send(Wire.push(2, slice("small", 1f, 1f))).getCode()).isZero();
  }

  @Test
  void push_notFittingNow_waitsWithoutReading_thenAppliesOnceMemoryIsReleased() throws Exception {
    Wire.PushStream stalled = new Wire.PushStream(grpc.async());
    stalled.requests.onNext(firstHalf(1, "big", BIG));
    grpc.awaitTransientBytes(BIG * 4L);

    Wire.PushStream waiting = new Wire.PushStream(grpc.async());
    waiting.requests.onNext(Wire.push(1, slice("big", new float[BIG])));
    assertThat(waiting.acks.poll(300, TimeUnit.MILLISECONDS)).isNull();
    // Small pushes still fit beside the stalled one.
    Wire.PushStream small = new Wire.PushStream(grpc.async());
    assertThat(small.send(Wire.push(1, slice("small", 1f, 1f))).getCode()).isZero();
    small.requests.onCompleted();

    // The stalled push idles out; its release wakes the waiting one.
    assertThat(stalled.closed.get(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(waiting.nextAck().getCode()).isZero();
    waiting.requests.onCompleted();
    waiting.closed.get(10, TimeUnit.SECONDS);
    grpc.awaitTransientBytes(0);
  }

  @Test
  void stalledPushes_holdAtMostThreeQuarters_soPushesWhoseDataArrivedStillFit() throws Exception {
    Wire.PushStream stalledBig = new Wire.PushStream(grpc.async());
    stalledBig.requests.onNext(firstHalf(1, "big", BIG));
    grpc.awaitTransientBytes(BIG * 4L);
    // 40 KB + 24 KB fit the 64 KiB budget, but not the 48 KiB share for data not yet here.
    Wire.PushStream stalledMid = new Wire.PushStream(grpc.async());
    stalledMid.requests.onNext(firstHalf(1, "mid", MID));

    Wire.PushStream whole = new Wire.PushStream(grpc.async());
    assertThat(whole.send(Wire.push(1, slice("mid", new float[MID]))).getCode()).isZero();
    assertThat(stalledMid.closed).isNotDone();
    assertThat(grpc.server().store().list(List.of("mid")).get(0).version()).isEqualTo(1);
    for (Wire.PushStream stream : List.of(stalledBig, stalledMid, whole)) {
      stream.requests.onError(new RuntimeException("done"));
    }
    grpc.awaitTransientBytes(0);
  }

  @Test
  void push_largerThanTheBudget_acksResourceExhaustedNamingIt_andStreamGoesOn() throws Exception {
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    PushAck ack = stream.send(Wire.push(1, slice("huge", new float[HUGE])));

    assertThat(ack.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    assertThat(ack.getMessage())
        .contains("'huge'")
        .contains("--max-transient-bytes " + BUDGET)
        .contains("nothing was applied");
    assertThat(stream.send(Wire.push(2, slice("small", 1f, 1f))).getCode()).isZero();
    assertThat(grpc.server().store().list(List.of("huge")).get(0).version()).isZero();
  }

  @Test
  void push_holdingStagingAndNeedingMore_isRejectedAtOnceInsteadOfWaiting() throws Exception {
    Wire.PushStream stalled = new Wire.PushStream(grpc.async());
    stalled.requests.onNext(firstHalf(1, "mid", MID));
    grpc.awaitTransientBytes(MID * 4L);

    // Holding BIG, this push would need MID more: it may not wait while holding.
    Wire.PushStream stream = new Wire.PushStream(grpc.async());
    stream.requests.onNext(
        PushRequest.newBuilder()
            .setPushId(5)
            .setContinued(true)
            .addGradients(slice("big", new float[BIG]))
            .build());
    PushAck ack = stream.send(Wire.push(5, slice("mid", new float[MID])));

    assertThat(ack.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    assertThat(ack.getMessage()).contains("push 5").contains("'mid'");
    stalled.requests.onError(new RuntimeException("gone"));
    stream.requests.onCompleted();
    stream.closed.get(10, TimeUnit.SECONDS);
    grpc.awaitTransientBytes(0);
  }

  private static PushRequest firstHalf(long pushId, String group, int size) {
    return PushRequest.newBuilder()
        .setPushId(pushId)
        .setContinued(true)
        .addGradients(slice(group, new float[size / 2]))
        .build();
  }

  private long budget() {
    return grpc.server().transientBudget().inUseBytes();
  }
}
