package io.paramstream.server;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.paramstream.core.GroupMetadata;
import io.paramstream.core.GroupStore;
import io.paramstream.core.GroupStoreException;
import io.paramstream.core.GroupStoreException.Reason;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.CreateGroupResponse;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CreateGroup stream: the first message describes the group, the values arrive as consecutive
 * slices, and the group is created whole when the client half-closes.
 *
 * <p>Every limit is checked on the first message, before anything is allocated: size, name, {@code
 * --max-groups}, {@code --max-parameter-bytes}, and whether the group could fit the heap at all.
 * The buffer for initial values is reserved from the {@link WriteBudget} when the first values
 * arrive; when it does not fit now, the stream stops reading until memory is released. A group
 * created without values (zeros) is allocated only at the half-close. A create left unfinished for
 * longer than the idle timeout ends with DEADLINE_EXCEEDED and releases its buffer.
 *
 * <p>gRPC serializes the call's callbacks; the lock orders them against memory waits and idle
 * checks, which the budget's timer runs.
 */
final class CreateGroupHandler implements StreamObserver<CreateGroupRequest> {

  private static final Logger log = LoggerFactory.getLogger(CreateGroupHandler.class);

  private final GroupStore store;
  private final ServerCallStreamObserver<CreateGroupResponse> call;
  private final WriteBudget budget;

  /** Guarded by this, like every field below. */
  private CreateGroupRequest first;

  private int size;
  private float[] values;
  private long reservedBytes;
  private int covered;
  private Hyperparameters hyperparameters;
  private Optimizer optimizer = Optimizer.sgd();
  private CreateGroupRequest waitingForMemory;
  private boolean halfClosedWhileWaiting;
  private long lastProgressNanos;
  private ScheduledFuture<?> idleCheck;
  private boolean done;

  CreateGroupHandler(
      GroupStore store, ServerCallStreamObserver<CreateGroupResponse> call, WriteBudget budget) {
    this.store = store;
    this.call = call;
    this.budget = budget;
  }

  /** Wires flow control and asks for the first message. */
  void start() {
    call.disableAutoRequest();
    call.setOnCancelHandler(this::release);
    // However the call ends (also when gRPC ends it itself), the buffer goes back.
    Context.current().addListener(context -> release(), Runnable::run);
    call.request(1);
  }

  @Override
  public synchronized void onNext(CreateGroupRequest message) {
    if (done) {
      return;
    }
    lastProgressNanos = System.nanoTime();
    try {
      if (first == null) {
        begin(message);
        scheduleIdleCheck(budget.idleTimeout().toNanos());
      }
      if (!addSlice(message)) {
        waitingForMemory = message;
        budget.whenReleased(this::retryAfterRelease);
        return;
      }
      call.request(1);
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private synchronized void retryAfterRelease() {
    CreateGroupRequest message = waitingForMemory;
    if (done || message == null) {
      return;
    }
    try {
      if (!addSlice(message)) {
        budget.whenReleased(this::retryAfterRelease);
        return;
      }
      waitingForMemory = null;
      lastProgressNanos = System.nanoTime();
      if (halfClosedWhileWaiting) {
        onCompleted();
      } else {
        call.request(1);
      }
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void begin(CreateGroupRequest message) {
    first = message;
    String name = message.getName();
    hyperparameters =
        message.hasHyperparameters()
            ? Converters.fromProto(message.getHyperparameters(), store.defaultHyperparameters())
            : null;
    if (message.hasOptimizer()) {
      optimizer = Converters.fromProto(message.getOptimizer());
    }
    store.checkCanCreate(name, message.getSize());
    size = (int) message.getSize();
    checkHeapCanHold(name, size);
  }

  /** Refuses a group larger than the whole heap at once, instead of failing to allocate it. */
  private static void checkHeapCanHold(String name, int size) {
    long bytes = (long) size * Float.BYTES;
    long heap = Runtime.getRuntime().maxMemory();
    if (bytes >= heap) {
      throw new GroupStoreException(
          Reason.RESOURCE_EXHAUSTED,
          "group '"
              + name
              + "' of "
              + size
              + " elements needs "
              + bytes
              + " bytes, more than this server's whole heap of "
              + heap
              + " bytes (-Xmx); nothing was created");
    }
  }

  /** Returns false, staging nothing, when the values buffer does not fit the budget now. */
  private boolean addSlice(CreateGroupRequest message) {
    if (message.getInitialValues().isEmpty()) {
      return true;
    }
    String what = "initial values of group '" + first.getName() + "'";
    int count = Payloads.elementCount(message.getInitialValues(), what);
    if (values == null && !reserveValues(what, count < size)) {
      return false;
    }
    if (message.getOffset() != covered) {
      throw invalid(
          what
              + ": slice starts at offset "
              + Long.toUnsignedString(message.getOffset())
              + ", expected "
              + covered);
    }
    if (count > values.length - covered) {
      throw invalid(
          what
              + " hold "
              + (covered + (long) count)
              + " elements or more, the group has "
              + values.length);
    }
    Payloads.decodeInto(message.getInitialValues(), values, covered);
    covered += count;
    return true;
  }

  private boolean reserveValues(String what, boolean ahead) {
    long bytes = (long) size * Float.BYTES;
    budget.checkCanEverFit(what, bytes, ahead);
    if (!budget.tryReserve(bytes, ahead)) {
      return false;
    }
    reservedBytes = bytes;
    values = allocate(what);
    return true;
  }

  private float[] allocate(String what) {
    try {
      return new float[size];
    } catch (OutOfMemoryError e) {
      throw new GroupStoreException(
          Reason.RESOURCE_EXHAUSTED,
          "the server has no heap left for "
              + what
              + " ("
              + size
              + " floats); nothing was created (retry later, or give the server a larger -Xmx)");
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    release();
  }

  @Override
  public synchronized void onCompleted() {
    if (done) {
      return;
    }
    if (waitingForMemory != null) {
      // gRPC delivers the half-close without a request: finish the waiting message first.
      halfClosedWhileWaiting = true;
      return;
    }
    try {
      if (first == null) {
        throw invalid("CreateGroup stream carried no message");
      }
      if (values != null && covered != values.length) {
        throw invalid(
            "initial values of group '"
                + first.getName()
                + "' cover "
                + covered
                + " of its "
                + values.length
                + " elements");
      }
      String name = first.getName();
      if (values == null) {
        // Zeros: checked again, since other groups may have been created meanwhile.
        store.checkCanCreate(name, size);
        values = allocate("group '" + name + "'");
      }
      GroupMetadata created =
          store.create(name, values, first.getWeightDecay(), hyperparameters, optimizer);
      release();
      log.info(
          "group {} created: {} floats, {}, lr {}, weight decay {}",
          created.name(),
          created.size(),
          created.optimizer().kind().name().toLowerCase(Locale.ROOT),
          created.hyperparameters().learningRate(),
          created.weightDecay() ? created.hyperparameters().weightDecay() : "off");
      call.onNext(CreateGroupResponse.newBuilder().setGroup(Converters.toProto(created)).build());
      call.onCompleted();
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void scheduleIdleCheck(long delayNanos) {
    idleCheck = budget.schedule(this::checkIdle, delayNanos);
  }

  /** Ends the create if it got no message (and did not wait for memory) for the idle timeout. */
  private synchronized void checkIdle() {
    idleCheck = null;
    if (done) {
      return;
    }
    long timeout = budget.idleTimeout().toNanos();
    long idle = System.nanoTime() - lastProgressNanos;
    if (waitingForMemory != null || idle < timeout) {
      scheduleIdleCheck(waitingForMemory != null ? timeout : timeout - idle);
      return;
    }
    end(
        Status.DEADLINE_EXCEEDED
            .withDescription(
                "CreateGroup of group '"
                    + first.getName()
                    + "' got no message for "
                    + budget.idleTimeout()
                    + " (--stream-idle-timeout) before the client half-closed; nothing was"
                    + " created and its memory was released")
            .asRuntimeException());
  }

  private void fail(RuntimeException e) {
    end(StatusMapper.toException(e));
  }

  private void end(StatusRuntimeException error) {
    boolean open = !done;
    release();
    if (open) {
      call.onError(error);
    }
  }

  /** Ends this create's hold on memory and timers; idempotent. */
  private synchronized void release() {
    done = true;
    waitingForMemory = null;
    values = null;
    budget.release(reservedBytes);
    reservedBytes = 0;
    if (idleCheck != null) {
      idleCheck.cancel(false);
      idleCheck = null;
    }
  }

  private static GroupStoreException invalid(String message) {
    return new GroupStoreException(Reason.INVALID_ARGUMENT, message);
  }
}
