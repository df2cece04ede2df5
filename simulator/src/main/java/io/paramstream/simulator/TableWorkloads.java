package io.paramstream.simulator;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.CreateTableRequest;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.Hyperparameters;
import io.paramstream.proto.v1.ListTablesRequest;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.v1.PullRowsRequest;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.RowChunk;
import io.paramstream.proto.v1.RowSelector;
import io.paramstream.proto.v1.RowSlice;
import io.paramstream.proto.v1.TableInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One worker of the table benchmark, on the generated stubs: pushes and pulls of {@code batch}
 * random rows of a {@code rows} x {@code dim} indexed or keyed table, and of a dense group of
 * {@code batch * dim} floats (the same value bytes). Both kinds go through the same code path, one
 * message per push and one call per pull, so the difference measured is the server's: the Java
 * client's chunking would split a 1 MiB row push (values and ids) in two and the dense one not.
 * Requests are built once, {@link #VARIANTS} of each with other random rows, and sent in turn.
 */
final class TableWorkloads implements AutoCloseable {
  static final String DENSE = "bench-dense";
  static final String INDEXED = "bench-indexed";
  static final String KEYED = "bench-keyed";
  static final int VARIANTS = 16;
  private static final int MESSAGE_BYTES = 1 << 20;
  private static final long DEADLINE_SECONDS = 120;

  /** What a cell moves: dense floats, or rows of an indexed or keyed table. */
  enum Kind {
    DENSE,
    INDEXED,
    KEYED
  }

  /** The sizes: table rows, rows per push or pull, and floats per row. */
  record Shape(int rows, int batch, int dim) {
    Shape {
      if (rows < 1 || batch < 1 || dim < 1) {
        throw new IllegalArgumentException(
            "rows, batch and dim must be >= 1, got " + rows + ", " + batch + ", " + dim);
      }
    }

    long floatBytes() {
      return 4L * rows * dim;
    }
  }

  private final Shape shape;
  private final ManagedChannel channel;
  private final ParameterServerGrpc.ParameterServerBlockingStub stub;
  private final BlockingQueue<Object> acks = new LinkedBlockingQueue<>();
  private final StreamObserver<PushRequest> pushStream;
  private final Map<Kind, List<PushRequest>> pushes = new EnumMap<>(Kind.class);
  private final Map<Kind, List<PullRowsRequest>> rowPulls = new EnumMap<>(Kind.class);
  private final PullRequest densePull =
      PullRequest.newBuilder().addGroups(GroupSelector.newBuilder().setName(DENSE)).build();
  private long sent;

  TableWorkloads(String target, Shape shape, long seed) {
    this.shape = shape;
    channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    stub = ParameterServerGrpc.newBlockingStub(channel);
    pushStream = ParameterServerGrpc.newStub(channel).push(into(acks));
    Random random = new Random(seed);
    for (Kind kind : Kind.values()) {
      List<PushRequest> requests = new ArrayList<>();
      List<PullRowsRequest> pulls = new ArrayList<>();
      for (int v = 0; v < VARIANTS; v++) {
        float[] gradient = new float[shape.batch() * shape.dim()];
        for (int i = 0; i < gradient.length; i++) {
          gradient[i] = (random.nextFloat() - 0.5f) * 1e-3f;
        }
        List<Long> ids = new ArrayList<>(shape.batch());
        for (int i = 0; i < shape.batch(); i++) {
          ids.add(id(kind, random.nextInt(shape.rows())));
        }
        requests.add(push(kind, ids, gradient));
        pulls.add(
            PullRowsRequest.newBuilder()
                .addTables(RowSelector.newBuilder().setTable(table(kind)).addAllIds(ids))
                .build());
      }
      pushes.put(kind, requests);
      rowPulls.put(kind, pulls);
    }
  }

  /** Row {@code i}'s id: itself in the indexed table, a scattered 64-bit key in the keyed one. */
  static long id(Kind kind, long i) {
    if (kind != Kind.KEYED) {
      return i;
    }
    // SplitMix64's finalizer: distinct inputs give distinct, well spread keys.
    long z = (i + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static String table(Kind kind) {
    return kind == Kind.KEYED ? KEYED : INDEXED;
  }

  private PushRequest push(Kind kind, List<Long> ids, float[] gradient) {
    PushRequest.Builder push = PushRequest.newBuilder();
    if (kind == Kind.DENSE) {
      return push.addGradients(
              GradientSlice.newBuilder()
                  .setGroup(DENSE)
                  .setValues(bytes(gradient, 0, gradient.length)))
          .build();
    }
    return push.addRows(
            RowSlice.newBuilder()
                .setTable(table(kind))
                .addAllIds(ids)
                .setValues(bytes(gradient, 0, gradient.length)))
        .build();
  }

  static ByteString bytes(float[] values, int from, int to) {
    ByteBuffer buffer = ByteBuffer.allocate(4 * (to - from)).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values, from, to - from);
    return ByteString.copyFrom(buffer);
  }

  /** Creates the dense group and the tables this run measures (SGD, lr 0.01, zeros). */
  void create(List<Kind> kinds) {
    Hyperparameters sgd = Hyperparameters.newBuilder().setLearningRate(0.01).build();
    for (Kind kind : kinds) {
      if (kind == Kind.DENSE) {
        createDense(sgd);
        continue;
      }
      boolean keyed = kind == Kind.KEYED;
      stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .createTable(
              CreateTableRequest.newBuilder()
                  .setName(table(kind))
                  .setDim(shape.dim())
                  .setKeyed(keyed)
                  .setRows(keyed ? 0 : shape.rows())
                  .setHyperparameters(sgd)
                  .build());
    }
  }

  private void createDense(Hyperparameters sgd) {
    BlockingQueue<Object> created = new LinkedBlockingQueue<>();
    StreamObserver<CreateGroupRequest> create =
        ParameterServerGrpc.newStub(channel)
            .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
            .createGroup(into(created));
    create.onNext(
        CreateGroupRequest.newBuilder()
            .setName(DENSE)
            .setSize((long) shape.batch() * shape.dim())
            .setHyperparameters(sgd)
            .build());
    create.onCompleted();
    take(created, "create the dense group");
  }

  /** An observer that queues every answer, and the error that ends the call. */
  private static <T> StreamObserver<T> into(BlockingQueue<Object> queue) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T answer) {
        queue.add(answer);
      }

      @Override
      public void onError(Throwable t) {
        queue.add(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  /** The next answer of the queue, or an IllegalStateException saying what failed. */
  private static Object take(BlockingQueue<Object> queue, String what) {
    Object next;
    try {
      next = queue.poll(DEADLINE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting to " + what, e);
    }
    if (next == null) {
      throw new IllegalStateException("no answer within " + DEADLINE_SECONDS + " s to " + what);
    }
    if (next instanceof Throwable t) {
      throw new IllegalStateException("could not " + what + ": " + t.getMessage(), t);
    }
    return next;
  }

  /**
   * Creates every row of the keyed table with pushes of at most 1 MiB, so the measured pushes and
   * pulls find a full table, as after a long training run.
   */
  void touchEveryKeyedRow() {
    int perPush = Math.max(1, MESSAGE_BYTES / (4 * shape.dim() + 8));
    float[] gradient = new float[perPush * shape.dim()];
    for (int from = 0; from < shape.rows(); from += perPush) {
      int count = Math.min(perPush, shape.rows() - from);
      List<Long> ids = new ArrayList<>(count);
      for (int i = from; i < from + count; i++) {
        ids.add(id(Kind.KEYED, i));
      }
      pushStream.onNext(
          PushRequest.newBuilder()
              .addRows(
                  RowSlice.newBuilder()
                      .setTable(KEYED)
                      .addAllIds(ids)
                      .setValues(bytes(gradient, 0, count * shape.dim())))
              .build());
      checkAck(take(acks, "fill the keyed table"));
    }
  }

  /** Rows and bytes the server reports for the keyed table. */
  TableInfo keyedInfo() {
    return stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .listTables(ListTablesRequest.newBuilder().addNames(KEYED).build())
        .getTables(0);
  }

  /** One push, acknowledged, of this kind's next prepared gradient. */
  void push(Kind kind) {
    pushStream.onNext(pushes.get(kind).get((int) (sent++ % VARIANTS)));
    checkAck(take(acks, "push " + kind));
  }

  /** One pull of this kind's next prepared rows (or of the dense group), checked for size. */
  void pull(Kind kind) {
    long floats = 0;
    if (kind == Kind.DENSE) {
      Iterator<GroupChunk> chunks =
          stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).pull(densePull);
      while (chunks.hasNext()) {
        floats += chunks.next().getValues().size() / 4;
      }
    } else {
      Iterator<RowChunk> chunks =
          stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
              .pullRows(rowPulls.get(kind).get((int) (sent++ % VARIANTS)));
      while (chunks.hasNext()) {
        floats += chunks.next().getValues().size() / 4;
      }
    }
    if (floats != (long) shape.batch() * shape.dim()) {
      throw new IllegalStateException(
          "pull "
              + kind
              + " answered "
              + floats
              + " floats, expected "
              + shape.batch() * shape.dim());
    }
  }

  private static void checkAck(Object answer) {
    PushAck ack = (PushAck) answer;
    if (ack.getCode() != 0) {
      throw new IllegalStateException(
          "push refused with code " + ack.getCode() + ": " + ack.getMessage());
    }
  }

  @Override
  public void close() throws InterruptedException {
    pushStream.onCompleted();
    channel.shutdown();
    if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
      channel.shutdownNow();
    }
  }
}
