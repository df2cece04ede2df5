package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.paramstream.core.StoreLimits;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.CreateGroupResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Create buffers come out of the transient budget and go back however the create ends; sizes and
 * store limits are refused on the first message, before anything is allocated.
 */
@Timeout(30)
class CreateMemoryBudgetTest {

  private static final long BUDGET = 64 << 10;
  private static final int BIG = 10_000; // 40 KB of initial values: one fits, two do not

  @RegisterExtension
  final InProcessServerExtension grpc =
      new InProcessServerExtension()
          .withLimits(
              new LimitsConfig(
                  new StoreLimits(3, 1 << 20), Integer.MAX_VALUE, BUDGET, Duration.ofSeconds(1)));

  /** A CreateGroup call whose messages the test sends one by one. */
  private final class CreateCall {
    final CompletableFuture<CreateGroupResponse> result = new CompletableFuture<>();
    final StreamObserver<CreateGroupRequest> requests =
        grpc.async().withDeadlineAfter(20, TimeUnit.SECONDS).createGroup(Wire.observer(result));

    /** The status the call failed with, within 10 s. */
    Status failure() throws Exception {
      try {
        result.get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        return Status.fromThrowable(e.getCause());
      }
      throw new AssertionError("create succeeded");
    }
  }

  @Test
  void create_withValues_releasesItsBufferOnceCreated() throws Exception {
    CreateCall call = new CreateCall();
    call.requests.onNext(first("g", BIG).setInitialValues(Wire.bytes(new float[BIG])).build());
    call.requests.onCompleted();

    assertThat(call.result.get(10, TimeUnit.SECONDS).getGroup().getSize()).isEqualTo(BIG);
    grpc.awaitTransientBytes(0);
  }

  @Test
  void create_cancelledMidway_releasesItsBuffer() throws Exception {
    CreateCall call = new CreateCall();
    call.requests.onNext(firstHalf("g"));
    grpc.awaitTransientBytes(BIG * 4L);

    call.requests.onError(new RuntimeException("client gone"));
    grpc.awaitTransientBytes(0);
    assertThat(grpc.server().store().size()).isZero();
  }

  @Test
  void create_halfClosedWithPartOfItsValues_failsAndReleases() throws Exception {
    CreateCall call = new CreateCall();
    call.requests.onNext(firstHalf("g"));
    call.requests.onCompleted();

    assertThat(call.failure().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    grpc.awaitTransientBytes(0);
  }

  @Test
  void create_neverHalfClosed_endsWithDeadlineExceededNamingTimeout_andReleases() throws Exception {
    CreateCall call = new CreateCall();
    call.requests.onNext(firstHalf("stuck"));

    Status status = call.failure();
    assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(status.getDescription())
        .contains("'stuck'")
        .contains("--stream-idle-timeout")
        .contains("PT1S");
    grpc.awaitTransientBytes(0);
    assertThat(grpc.server().store().size()).isZero();
  }

  @Test
  void create_notFittingNow_waitsThenCompletesOnceMemoryIsReleased() throws Exception {
    CreateCall stalled = new CreateCall();
    stalled.requests.onNext(firstHalf("stalled"));
    grpc.awaitTransientBytes(BIG * 4L);

    CreateCall waiting = new CreateCall();
    waiting.requests.onNext(first("w", BIG).setInitialValues(Wire.bytes(new float[BIG])).build());
    waiting.requests.onCompleted();
    assertThatThrownBy(() -> waiting.result.get(300, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);

    assertThat(stalled.failure().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(waiting.result.get(10, TimeUnit.SECONDS).getGroup().getName()).isEqualTo("w");
    grpc.awaitTransientBytes(0);
  }

  @Test
  void create_valuesLargerThanTheBudget_failAtOnceNamingIt() throws Exception {
    CreateCall call = new CreateCall();
    int size = 20_000;
    call.requests.onNext(
        first("g", size).setInitialValues(Wire.bytes(new float[size / 2])).build());

    Status status = call.failure();
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("'g'").contains("--max-transient-bytes");
    grpc.awaitTransientBytes(0);
  }

  @Test
  void create_largestArraySize_failsAtOnceWithResourceExhausted() throws Exception {
    Status status = refusedOnFirstMessage(first("g", 2_147_483_639L).build());

    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("2147483639");
  }

  @Test
  void create_sizeAboveTheLargestArray_failsAtOnceWithInvalidArgument() throws Exception {
    for (long size : List.of((long) Integer.MAX_VALUE, 1L << 40, -1L)) {
      Status status = refusedOnFirstMessage(first("g", size).build());

      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).contains(Long.toUnsignedString(size));
    }
  }

  @Test
  void create_pastMaxParameterBytes_failsAtOnce() throws Exception {
    // 300 M floats: their bytes overflow an int; the 1 MiB store limit refuses them first.
    Status status = refusedOnFirstMessage(first("g", 300_000_000L).build());

    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription())
        .contains("300000000 elements (1200000000 bytes)")
        .contains("1048576");
  }

  @Test
  void create_pastMaxGroups_failsAtOnce() throws Exception {
    for (String name : List.of("a", "b", "c")) {
      Wire.create(grpc.async(), first(name, 1).build());
    }
    Status status = refusedOnFirstMessage(first("d", 1).build());

    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("'d'").contains("maximum of 3 groups");
    assertThat(grpc.server().store().size()).isEqualTo(3);
  }

  /** Sends only the first message: the answer must come before the client half-closes. */
  private Status refusedOnFirstMessage(CreateGroupRequest message) throws Exception {
    CreateCall call = new CreateCall();
    call.requests.onNext(message);
    Status status = call.failure();
    call.requests.onCompleted();
    assertThat(grpc.server().transientBudget().inUseBytes()).isZero();
    assertThat(grpc.server().store().list(List.of())).noneMatch(g -> g.name().equals("g"));
    return status;
  }

  private static CreateGroupRequest.Builder first(String name, long size) {
    return CreateGroupRequest.newBuilder().setName(name).setSize(size);
  }

  private static CreateGroupRequest firstHalf(String name) {
    return first(name, BIG).setInitialValues(Wire.bytes(new float[BIG / 2])).build();
  }
}
