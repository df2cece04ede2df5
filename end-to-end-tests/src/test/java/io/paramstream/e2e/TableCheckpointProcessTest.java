package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupStore;
import io.paramstream.core.table.RowGradient;
import io.paramstream.core.table.RowInitializer;
import io.paramstream.core.table.RowSelection;
import io.paramstream.core.table.TableSpec;
import io.paramstream.proto.v1.CheckpointRequest;
import io.paramstream.proto.v1.CheckpointResponse;
import io.paramstream.proto.v1.CreateTableRequest;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.GroupVersion;
import io.paramstream.proto.v1.Hyperparameters;
import io.paramstream.proto.v1.ListTablesRequest;
import io.paramstream.proto.v1.Optimizer;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRowsRequest;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.RowChunk;
import io.paramstream.proto.v1.RowInitializer.Kind;
import io.paramstream.proto.v1.RowSelector;
import io.paramstream.proto.v1.RowSlice;
import io.paramstream.proto.v1.TableInfo;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sparse tables across real server restarts: a checkpoint (requested, or written at SIGTERM) holds
 * every table, a server killed with SIGKILL comes back with every row bit for bit and its optimizer
 * state (the next push lands exactly where an uninterrupted run puts it), and a resent push is a
 * duplicate.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TableCheckpointProcessTest {

  private static final int DIM = 8;
  private static final int ITEMS = 64;
  private static final int DENSE = 300;
  private static final double LR = 0.05;
  private static final double DECAY = 0.01;
  private static final int PUSHES = 40;

  @TempDir Path work;

  private LoggedServerProcess start() throws Exception {
    return LoggedServerProcess.start(
        work.resolve("logs"),
        "--checkpoint-dir",
        work.resolve("checkpoints").toString(),
        "--checkpoint-interval",
        "PT0S");
  }

  private static Hyperparameters hyperparameters() {
    return Hyperparameters.newBuilder().setLearningRate(LR).setWeightDecay(DECAY).build();
  }

  private static io.paramstream.proto.v1.RowInitializer initializer(
      Kind kind, double scale, long seed) {
    return io.paramstream.proto.v1.RowInitializer.newBuilder()
        .setKind(kind)
        .setScale(scale)
        .setSeed(seed)
        .build();
  }

  /** An Adam indexed shard (id offset 5, stride 3) and a momentum keyed table with a row limit. */
  private static void createTables(ManagedChannel channel) {
    Stubs.blocking(channel)
        .createTable(
            CreateTableRequest.newBuilder()
                .setName("items")
                .setDim(DIM)
                .setRows(ITEMS)
                .setWeightDecay(true)
                .setHyperparameters(hyperparameters())
                .setOptimizer(Optimizer.newBuilder().setKind(Optimizer.Kind.ADAM))
                .setInitializer(initializer(Kind.UNIFORM, 0.5, 7))
                .setIdOffset(5)
                .setIdStride(3)
                .build());
    Stubs.blocking(channel)
        .createTable(
            CreateTableRequest.newBuilder()
                .setName("users")
                .setDim(DIM)
                .setKeyed(true)
                .setRows(10_000)
                .setHyperparameters(hyperparameters())
                .setOptimizer(Optimizer.newBuilder().setKind(Optimizer.Kind.SGD).setMomentum(0.9))
                .setInitializer(initializer(Kind.NORMAL, 0.1, 9))
                .build());
  }

  /** The same model in this JVM's core: what an uninterrupted server computes. */
  private static GroupStore reference() {
    io.paramstream.core.Hyperparameters hp = new io.paramstream.core.Hyperparameters(LR, DECAY);
    GroupStore store = new GroupStore(hp);
    store.create("bias", new float[DENSE], true, hp);
    store
        .tables()
        .createIndexed(
            new TableSpec(
                "items",
                DIM,
                true,
                hp,
                io.paramstream.core.Optimizer.adam(0.9, 0.999, 1e-8),
                RowInitializer.uniform(0.5, 7)),
            ITEMS,
            5,
            3);
    store
        .tables()
        .createKeyed(
            new TableSpec(
                "users",
                DIM,
                false,
                hp,
                io.paramstream.core.Optimizer.sgd(0.9, 0, false),
                RowInitializer.normal(0.1, 9)),
            10_000);
    return store;
  }

  /** Push {@code sequence} of worker "w": a dense gradient and rows of both tables. */
  private record Push(
      long sequence,
      float[] dense,
      long[] items,
      float[] itemRows,
      long[] users,
      float[] userRows) {

    static Push of(long sequence) {
      SplittableRandom random = new SplittableRandom(sequence);
      long[] items = {random.nextInt(ITEMS), random.nextInt(ITEMS), random.nextInt(ITEMS)};
      long[] users = {random.nextLong(), -sequence, 42};
      return new Push(
          sequence,
          gradient(random, DENSE),
          items,
          gradient(random, items.length * DIM),
          users,
          gradient(random, users.length * DIM));
    }

    PushRequest request() {
      RowSlice.Builder itemSlice =
          RowSlice.newBuilder().setTable("items").setValues(Stubs.encode(itemRows));
      for (long id : items) {
        itemSlice.addIds(id);
      }
      RowSlice.Builder userSlice =
          RowSlice.newBuilder().setTable("users").setValues(Stubs.encode(userRows));
      for (long id : users) {
        userSlice.addIds(id);
      }
      return PushRequest.newBuilder()
          .setPushId(sequence)
          .setWorkerId("w")
          .setSequence(sequence)
          .addGradients(GradientSlice.newBuilder().setGroup("bias").setValues(Stubs.encode(dense)))
          .addRows(itemSlice)
          .addRows(userSlice)
          .build();
    }

    void applyTo(GroupStore store) {
      store.push(
          "w",
          sequence,
          List.of(new GroupGradient("bias", dense)),
          List.of(
              new RowGradient("items", items, itemRows),
              new RowGradient("users", users, userRows)));
    }
  }

  private static float[] gradient(SplittableRandom random, int length) {
    float[] values = new float[length];
    for (int i = 0; i < length; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return values;
  }

  /** Sends pushes one at a time on one stream and returns their acks. */
  private static List<PushAck> push(ManagedChannel channel, List<PushRequest> pushes)
      throws Exception {
    BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    StreamObserver<PushRequest> requests =
        ParameterServerGrpc.newStub(channel).push(Stubs.queueing(replies));
    List<PushAck> acks = new ArrayList<>();
    for (PushRequest request : pushes) {
      requests.onNext(request);
      Object reply = replies.poll(20, TimeUnit.SECONDS);
      assertThat(reply).isInstanceOf(PushAck.class);
      acks.add((PushAck) reply);
    }
    requests.onCompleted();
    return acks;
  }

  /** Every item and the pushed user ids, plus one never pushed: what a checkpoint must keep. */
  private static long[] userIds(int pushes) {
    List<Long> ids = new ArrayList<>(List.of(42L, 123_456_789L));
    for (long s = 1; s <= pushes; s++) {
      ids.add(Push.of(s).users()[0]);
      ids.add(-s);
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  private static long[] itemIds() {
    long[] ids = new long[ITEMS];
    for (int i = 0; i < ITEMS; i++) {
      ids[i] = i;
    }
    return ids;
  }

  /** The rows' float bits, so NaN payloads and -0 count too. */
  private static int[] pullBits(ManagedChannel channel, String table, long[] ids) {
    RowSelector.Builder selector = RowSelector.newBuilder().setTable(table);
    for (long id : ids) {
      selector.addIds(id);
    }
    Iterator<RowChunk> chunks =
        Stubs.blocking(channel).pullRows(PullRowsRequest.newBuilder().addTables(selector).build());
    int[] bits = new int[ids.length * DIM];
    while (chunks.hasNext()) {
      RowChunk chunk = chunks.next();
      var floats = chunk.getValues().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      int at = (int) chunk.getOffset() * DIM;
      while (floats.hasRemaining()) {
        bits[at++] = Float.floatToRawIntBits(floats.getFloat());
      }
    }
    return bits;
  }

  private static int[] referenceBits(GroupStore reference, String table, long[] ids) {
    float[] values =
        reference.tables().read(List.of(new RowSelection(table, ids, -1))).get(0).values();
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  private static List<TableInfo> listTables(ManagedChannel channel) {
    return Stubs.blocking(channel)
        .listTables(ListTablesRequest.getDefaultInstance())
        .getTablesList();
  }

  @Test
  void killNine_afterCheckpoint_restoresEveryRowBitForBit_andResentPushIsDuplicate()
      throws Exception {
    GroupStore reference = reference();
    List<PushRequest> pushes = new ArrayList<>();
    for (long s = 1; s <= PUSHES; s++) {
      pushes.add(Push.of(s).request());
      Push.of(s).applyTo(reference);
    }
    List<TableInfo> tablesBefore;
    int[] itemsBefore;
    int[] usersBefore;
    try (LoggedServerProcess server = start()) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      Stubs.create(ParameterServerGrpc.newStub(channel), "bias", DENSE, LR);
      createTables(channel);
      assertThat(push(channel, pushes)).allSatisfy(ack -> assertThat(ack.getCode()).isZero());

      CheckpointResponse checkpoint =
          Stubs.blocking(channel).checkpoint(CheckpointRequest.getDefaultInstance());
      assertThat(checkpoint.getGroups()).isEqualTo(1);
      assertThat(checkpoint.getTables()).isEqualTo(2);
      tablesBefore = listTables(channel);
      itemsBefore = pullBits(channel, "items", itemIds());
      usersBefore = pullBits(channel, "users", userIds(PUSHES));

      server.kill9();
      channel.shutdownNow();
    }
    // The server computed what this JVM's core computes for the same pushes.
    assertThat(itemsBefore).isEqualTo(referenceBits(reference, "items", itemIds()));
    assertThat(usersBefore).isEqualTo(referenceBits(reference, "users", userIds(PUSHES)));

    try (LoggedServerProcess restarted = start()) {
      ManagedChannel channel = Stubs.plaintext(restarted.target());

      assertThat(listTables(channel)).isEqualTo(tablesBefore);
      assertThat(tablesBefore)
          .extracting(TableInfo::getVersion, TableInfo::getIdOffset, TableInfo::getIdStride)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple((long) PUSHES, 5L, 3L),
              org.assertj.core.groups.Tuple.tuple((long) PUSHES, 0L, 1L));
      assertThat(pullBits(channel, "items", itemIds())).isEqualTo(itemsBefore);
      assertThat(pullBits(channel, "users", userIds(PUSHES))).isEqualTo(usersBefore);
      assertThat(restarted.log()).contains("restored 1 groups, 2 tables and 1 workers' sequences");

      PushAck resent = push(channel, List.of(pushes.get(PUSHES - 1))).get(0);
      assertThat(resent.getCode()).isZero();
      assertThat(resent.getDuplicate()).isTrue();
      assertThat(resent.getTableVersionsList())
          .extracting(GroupVersion::getVersion)
          .containsOnly((long) PUSHES);
      assertThat(pullBits(channel, "items", itemIds())).isEqualTo(itemsBefore);

      // Adam's step count, its moments and the momentum buffers came back: the next push lands
      // exactly where the uninterrupted reference puts it.
      Push next = Push.of(PUSHES + 1);
      next.applyTo(reference);
      PushAck applied = push(channel, List.of(next.request())).get(0);
      assertThat(applied.getDuplicate()).isFalse();
      assertThat(applied.getTableVersionsList())
          .extracting(GroupVersion::getVersion)
          .containsOnly((long) PUSHES + 1);
      assertThat(pullBits(channel, "items", itemIds()))
          .isEqualTo(referenceBits(reference, "items", itemIds()));
      assertThat(pullBits(channel, "users", userIds(PUSHES + 1)))
          .isEqualTo(referenceBits(reference, "users", userIds(PUSHES + 1)));
      channel.shutdownNow();
    }
  }

  @Test
  void sigterm_shutdownCheckpointHoldsTheTables() throws Exception {
    List<PushRequest> pushes = new ArrayList<>();
    for (long s = 1; s <= 10; s++) {
      pushes.add(Push.of(s).request());
    }
    int[] usersBefore;
    try (LoggedServerProcess server = start()) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      Stubs.create(ParameterServerGrpc.newStub(channel), "bias", DENSE, LR);
      createTables(channel);
      push(channel, pushes);
      usersBefore = pullBits(channel, "users", userIds(10));
      channel.shutdownNow();
      assertThat(server.terminate()).isIn(0, 143); // 128 + SIGTERM, after the shutdown hooks
      assertThat(server.log()).containsPattern("written: 1 groups and 2 tables");
    }

    try (LoggedServerProcess restarted = start()) {
      ManagedChannel channel = Stubs.plaintext(restarted.target());
      assertThat(listTables(channel)).extracting(TableInfo::getVersion).containsExactly(10L, 10L);
      assertThat(pullBits(channel, "users", userIds(10))).isEqualTo(usersBefore);
      channel.shutdownNow();
    }
  }
}
