package io.paramstream.server;

import static io.paramstream.server.TableWire.filled;
import static io.paramstream.server.TableWire.indexed;
import static io.paramstream.server.TableWire.info;
import static io.paramstream.server.TableWire.keyed;
import static io.paramstream.server.TableWire.pull;
import static io.paramstream.server.TableWire.push;
import static io.paramstream.server.TableWire.rows;
import static io.paramstream.server.TableWire.select;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.paramstream.core.StalenessPolicy;
import io.paramstream.proto.v1.DeleteTablesRequest;
import io.paramstream.proto.v1.ListTablesRequest;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may use tables, and in which consistency modes rows may be pushed, over Netty on loopback.
 */
@Timeout(60)
class SparseTablesAccessEndToEndTest {

  private static final int DIM = 2;
  private static final String ADMIN = "admin-token-0123456789";
  private static final String WORKER = "worker-token-0123456789";
  private static final String READER = "reader-token-0123456789";

  @TempDir Path dir;

  private static ParameterServerGrpc.ParameterServerBlockingStub as(
      LoopbackServer server, String token) {
    return ParameterServerGrpc.newBlockingStub(server.channel())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token)))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static Metadata bearer(String token) {
    Metadata headers = new Metadata();
    headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
    return headers;
  }

  private static Wire.PushStream pushStreamAs(LoopbackServer server, String token) {
    return new Wire.PushStream(
        ParameterServerGrpc.newStub(server.channel())
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token))));
  }

  /** Pushes one row with {@code token} on a stream the server is expected to refuse. */
  private static PushAck pushAs(LoopbackServer server, String token) throws Exception {
    Wire.PushStream stream = pushStreamAs(server, token);
    stream.requests.onNext(push(1, rows("users", new long[] {1}, filled(DIM, 1))));
    Throwable closed = stream.closed.get(10, TimeUnit.SECONDS);
    if (closed != null) {
      throw (Exception) closed;
    }
    return stream.nextAck();
  }

  private static void assertDenied(ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  @Test
  void roles_readersPullWorkersPushAdminsCreateAndDelete() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(
        tokens, "admin " + ADMIN + "\nworker " + WORKER + "\nreader " + READER + "\n");
    LoopbackServer server =
        new LoopbackServer().withInterceptor(new AuthInterceptor(BearerTokens.fromFile(tokens)));
    server.start();
    try {
      as(server, ADMIN).createTable(keyed("users", 0, DIM).build());
      ListTablesRequest all = ListTablesRequest.getDefaultInstance();

      // Readers list and pull, nothing more.
      assertThat(as(server, READER).listTables(all).getTablesCount()).isEqualTo(1);
      assertThat(pull(as(server, READER), select("users", 1))).hasSize(1);
      assertThatThrownBy(() -> pushAs(server, READER))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
      assertDenied(() -> as(server, READER).createTable(keyed("t", 0, DIM).build()));

      // Workers also push rows, and still may not create or delete tables.
      assertThat(pushAsWorker(server).getCode()).isZero();
      assertThat(pull(as(server, WORKER), select("users", 1))).hasSize(1);
      assertDenied(() -> as(server, WORKER).createTable(keyed("t", 0, DIM).build()));
      assertDenied(
          () ->
              as(server, WORKER)
                  .deleteTables(DeleteTablesRequest.newBuilder().addNames("users").build()));
      assertThat(info(as(server, ADMIN), "users").getVersion()).isEqualTo(1);

      // Admins delete.
      as(server, ADMIN).deleteTables(DeleteTablesRequest.newBuilder().addNames("users").build());
      assertThat(as(server, ADMIN).listTables(all).getTablesCount()).isZero();
    } finally {
      server.afterEach(null);
    }
  }

  private static PushAck pushAsWorker(LoopbackServer server) throws Exception {
    Wire.PushStream stream = pushStreamAs(server, WORKER);
    PushAck ack = stream.send(push(1, rows("users", new long[] {1}, filled(DIM, 1))));
    stream.requests.onCompleted();
    return ack;
  }

  @Test
  void push_rowsInSynchronousMode_failedPreconditionAndNothingApplied() throws Exception {
    assertRowsRefusedIn(ConsistencyConfig.synchronous(Duration.ofSeconds(5)), "SYNCHRONOUS");
  }

  @Test
  void push_rowsInBoundedStalenessMode_failedPreconditionAndNothingApplied() throws Exception {
    assertRowsRefusedIn(
        ConsistencyConfig.boundedStaleness(new StalenessPolicy(4, StalenessPolicy.Action.REJECT)),
        "BOUNDED_STALENESS");
  }

  private void assertRowsRefusedIn(ConsistencyConfig consistency, String mode) throws Exception {
    LoopbackServer server = new LoopbackServer().withConsistency(consistency);
    server.start();
    try {
      server.blocking().createTable(indexed("items", 4, DIM).build());
      Wire.PushStream stream = new Wire.PushStream(server.async());

      PushAck ack =
          stream.send(
              push(1, rows("items", new long[] {1}, filled(DIM, 1))).toBuilder()
                  .setWorkerId("w")
                  .setBaseVersion(0)
                  .build());

      assertThat(ack.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
      assertThat(ack.getMessage()).contains("asynchronous mode only").contains(mode);
      assertThat(info(server.blocking(), "items").getVersion()).isZero();
      stream.requests.onCompleted();
    } finally {
      server.afterEach(null);
    }
  }
}
