package io.paramstream.server;

import static io.paramstream.server.TableWire.filled;
import static io.paramstream.server.TableWire.indexed;
import static io.paramstream.server.TableWire.info;
import static io.paramstream.server.TableWire.keyed;
import static io.paramstream.server.TableWire.pull;
import static io.paramstream.server.TableWire.pullValues;
import static io.paramstream.server.TableWire.push;
import static io.paramstream.server.TableWire.rows;
import static io.paramstream.server.TableWire.select;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.paramstream.core.StoreLimits;
import io.paramstream.proto.v1.CreateTableRequest;
import io.paramstream.proto.v1.DeleteTablesRequest;
import io.paramstream.proto.v1.ListTablesRequest;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.RowInitializer;
import io.paramstream.proto.v1.RowSlice;
import io.paramstream.proto.v1.TableInfo;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every bad table input over Netty on loopback gets its status code and a message naming the bad
 * value, and changes nothing: the tables keep their versions, rows and values.
 */
@Timeout(60)
class SparseTablesBadInputEndToEndTest {

  private static final int DIM = 4;

  // 1000 bytes of parameters: an indexed table of 8 x 4 floats (128 bytes) fits, 100 rows do not.
  @RegisterExtension
  final LoopbackServer server =
      new LoopbackServer().withLimits(new LimitsConfig(new StoreLimits(10, 1000), 100));

  private Wire.PushStream stream;

  @BeforeEach
  void createTables() throws Exception {
    server.blocking().createTable(indexed("items", 8, DIM).build());
    server.blocking().createTable(keyed("users", 3, DIM).build());
    stream = new Wire.PushStream(server.async());
    assertThat(stream.send(push(1, rows("users", new long[] {1}, filled(DIM, 1)))).getCode())
        .isZero();
  }

  /** Pushes {@code slice} and checks its ack's code and message, and that nothing changed. */
  private void assertRefused(RowSlice slice, Status.Code code, String message) throws Exception {
    PushAck ack = stream.send(push(2, slice));
    assertThat(ack.getCode()).as(ack.getMessage()).isEqualTo(code.value());
    assertThat(ack.getMessage()).contains(message);
    assertThat(ack.getTableVersionsList()).isEmpty();
    assertUnchanged();
  }

  private void assertUnchanged() {
    List<TableInfo> tables =
        server.blocking().listTables(ListTablesRequest.getDefaultInstance()).getTablesList();
    assertThat(tables).extracting(TableInfo::getName).containsExactly("items", "users");
    assertThat(tables).extracting(TableInfo::getVersion).containsExactly(0L, 1L);
    assertThat(tables.get(1).getRows()).isEqualTo(1);
    assertThat(pullValues(server.blocking(), "users", 1)).containsExactly(filled(DIM, -1));
    assertThat(pullValues(server.blocking(), "items", 0, 7)).containsOnly(0f);
  }

  private static void assertStatus(ThrowingCallable call, Status.Code code, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  @Test
  void push_unknownTable_notFound() throws Exception {
    assertRefused(rows("nope", new long[] {1}, filled(DIM, 1)), Status.Code.NOT_FOUND, "nope");
  }

  @Test
  void push_rowOfWrongWidth_invalidArgumentNamingTheSizes() throws Exception {
    assertRefused(
        rows("users", new long[] {1, 2}, filled(DIM + 1, 1)),
        Status.Code.INVALID_ARGUMENT,
        "2 ids and 20 bytes of values");
  }

  @Test
  void push_idOutsideIndexedTable_invalidArgumentNamingIt() throws Exception {
    assertRefused(
        rows("items", new long[] {2, 8}, filled(2 * DIM, 1)),
        Status.Code.INVALID_ARGUMENT,
        "index 8 is out of range");
    assertRefused(
        rows("items", new long[] {-1}, filled(DIM, 1)),
        Status.Code.INVALID_ARGUMENT,
        "index -1 is out of range");
  }

  @Test
  void push_nonFiniteValue_invalidArgument() throws Exception {
    float[] values = filled(2 * DIM, 1);
    values[5] = Float.NaN;
    assertRefused(rows("items", new long[] {1, 2}, values), Status.Code.INVALID_ARGUMENT, "NaN");
  }

  @Test
  void push_duplicateRowsSummingToInfinity_invalidArgument() throws Exception {
    assertRefused(
        rows("items", new long[] {3, 3}, filled(2 * DIM, Float.MAX_VALUE)),
        Status.Code.INVALID_ARGUMENT,
        "duplicate id 3");
  }

  @Test
  void push_payloadNotMultipleOfFour_invalidArgument() throws Exception {
    RowSlice slice =
        rows("users", new long[] {1}, filled(DIM, 1)).toBuilder()
            .setValues(ByteString.copyFrom(new byte[15]))
            .build();
    assertRefused(slice, Status.Code.INVALID_ARGUMENT, "15 bytes, not a multiple of 4");
  }

  @Test
  void push_pastKeyedRowLimit_resourceExhausted() throws Exception {
    assertRefused(
        rows("users", new long[] {2, 3, 4}, filled(3 * DIM, 1)),
        Status.Code.RESOURCE_EXHAUSTED,
        "limited to 3 rows");
  }

  @Test
  void push_goodTablePartBesideABadOne_nothingApplied() throws Exception {
    PushAck ack =
        stream.send(
            push(
                2,
                rows("items", new long[] {1}, filled(DIM, 1)),
                rows("users", new long[] {1}, filled(DIM + 4, 1))));
    assertThat(ack.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertUnchanged();
  }

  @Test
  void pullRows_unknownTableOrIdOutOfRange_failsSendingNothing() {
    assertStatus(() -> pull(server.blocking(), select("nope", 1)), Status.Code.NOT_FOUND, "nope");
    assertStatus(
        () -> pull(server.blocking(), select("items", 1), select("items", 9)),
        Status.Code.INVALID_ARGUMENT,
        "index 9");
    assertStatus(() -> pull(server.blocking()), Status.Code.INVALID_ARGUMENT, "at least one table");
    assertUnchanged();
  }

  @Test
  void createTable_badFields_invalidArgumentNamingThem() {
    assertStatus(
        () -> server.blocking().createTable(indexed("t", 4, 0).build()),
        Status.Code.INVALID_ARGUMENT,
        "got 0");
    assertStatus(
        () -> server.blocking().createTable(indexed("t", 0, DIM).build()),
        Status.Code.INVALID_ARGUMENT,
        "got 0");
    assertStatus(
        () -> server.blocking().createTable(indexed("", 4, DIM).build()),
        Status.Code.INVALID_ARGUMENT,
        "table name must not be empty");
    assertStatus(
        () -> server.blocking().createTable(keyed("t", 4, DIM).setIdOffset(3).build()),
        Status.Code.INVALID_ARGUMENT,
        "indexed tables only");
    assertStatus(
        () ->
            server
                .blocking()
                .createTable(
                    keyed("t", 4, DIM)
                        .setInitializer(
                            RowInitializer.newBuilder()
                                .setKind(RowInitializer.Kind.NORMAL)
                                .setScale(-1))
                        .build()),
        Status.Code.INVALID_ARGUMENT,
        "-1.0");
    assertStatus(
        () -> server.blocking().createTable(keyed("users", 0, DIM).build()),
        Status.Code.ALREADY_EXISTS,
        "users");
    assertUnchanged();
  }

  @Test
  void createTable_pastMaxParameterBytes_resourceExhaustedNamingTheLimit() {
    CreateTableRequest big = indexed("big", 100, DIM).build();
    assertStatus(
        () -> server.blocking().createTable(big),
        Status.Code.RESOURCE_EXHAUSTED,
        "--max-parameter-bytes");
    assertUnchanged();
  }

  @Test
  void deleteTables_oneUnknown_deletesNothing() {
    assertStatus(
        () ->
            server
                .blocking()
                .deleteTables(
                    DeleteTablesRequest.newBuilder().addNames("users").addNames("nope").build()),
        Status.Code.NOT_FOUND,
        "nope");
    assertUnchanged();
  }

  @Test
  void push_keyedRowsPastMaxParameterBytes_resourceExhausted() throws Exception {
    // 128 bytes of items + 16 of users are used; 54 more rows of 16 bytes pass the 1000.
    long[] ids = new long[54];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 100 + i;
    }
    server.blocking().createTable(keyed("wide", 0, DIM).build());
    PushAck ack = stream.send(push(2, rows("wide", ids, filled(ids.length * DIM, 1))));
    assertThat(ack.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    assertThat(ack.getMessage()).contains("--max-parameter-bytes");
    assertThat(info(server.blocking(), "wide").getRows()).isZero();
    assertThat(server.server().store().parameterBytes()).isEqualTo(128 + 16);
  }
}
