package io.paramstream.server;

import io.grpc.stub.StreamObserver;
import io.paramstream.core.GroupMetadata;
import io.paramstream.core.GroupStore;
import io.paramstream.core.GroupStoreException;
import io.paramstream.core.GroupStoreException.Reason;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.CreateGroupResponse;

/**
 * One CreateGroup stream: the first message describes the group, the values arrive as consecutive
 * slices, and the group is created whole when the client half-closes.
 */
final class CreateGroupHandler implements StreamObserver<CreateGroupRequest> {

  private final GroupStore store;
  private final StreamObserver<CreateGroupResponse> response;

  private CreateGroupRequest first;
  private float[] values;
  private int covered;
  private Hyperparameters hyperparameters;
  private Optimizer optimizer = Optimizer.sgd();
  private boolean failed;

  CreateGroupHandler(GroupStore store, StreamObserver<CreateGroupResponse> response) {
    this.store = store;
    this.response = response;
  }

  @Override
  public void onNext(CreateGroupRequest message) {
    if (failed) {
      return;
    }
    try {
      if (first == null) {
        begin(message);
      }
      addSlice(message);
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void begin(CreateGroupRequest message) {
    first = message;
    String name = message.getName();
    if (name.isEmpty()) {
      throw invalid("group name must not be empty");
    }
    long size = message.getSize();
    if (size <= 0 || size > GroupStore.MAX_GROUP_SIZE) {
      throw invalid(
          "size of group '"
              + name
              + "' must be between 1 and "
              + GroupStore.MAX_GROUP_SIZE
              + ", got "
              + Long.toUnsignedString(size));
    }
    hyperparameters =
        message.hasHyperparameters()
            ? Converters.fromProto(message.getHyperparameters(), store.defaultHyperparameters())
            : null;
    if (message.hasOptimizer()) {
      optimizer = Converters.fromProto(message.getOptimizer());
    }
    values = new float[(int) size];
  }

  private void addSlice(CreateGroupRequest message) {
    if (message.getInitialValues().isEmpty()) {
      return;
    }
    String what = "initial values of group '" + first.getName() + "'";
    int count = Payloads.elementCount(message.getInitialValues(), what);
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
  }

  @Override
  public void onError(Throwable t) {
    failed = true;
    values = null;
  }

  @Override
  public void onCompleted() {
    if (failed) {
      return;
    }
    try {
      if (first == null) {
        throw invalid("CreateGroup stream carried no message");
      }
      if (covered != 0 && covered != values.length) {
        throw invalid(
            "initial values of group '"
                + first.getName()
                + "' cover "
                + covered
                + " of its "
                + values.length
                + " elements");
      }
      GroupMetadata created =
          store.create(first.getName(), values, first.getWeightDecay(), hyperparameters, optimizer);
      values = null;
      response.onNext(
          CreateGroupResponse.newBuilder().setGroup(Converters.toProto(created)).build());
      response.onCompleted();
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void fail(RuntimeException e) {
    failed = true;
    values = null;
    response.onError(StatusMapper.toException(e));
  }

  private static GroupStoreException invalid(String message) {
    return new GroupStoreException(Reason.INVALID_ARGUMENT, message);
  }
}
