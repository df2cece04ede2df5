package io.paramstream.server;

import static io.paramstream.server.TableWire.filled;
import static io.paramstream.server.TableWire.info;
import static io.paramstream.server.TableWire.keyed;
import static io.paramstream.server.TableWire.push;
import static io.paramstream.server.TableWire.rows;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.paramstream.core.StoreLimits;
import io.paramstream.proto.v1.PushAck;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Row slices are staged in the transient memory budget, and give it all back. */
@Timeout(30)
class SparseTablesMemoryBudgetTest {

  private static final int DIM = 16;

  // 4 KiB: a row of 16 floats with its id is 72 bytes staged, so 56 rows fit and 57 never do.
  @RegisterExtension
  final InProcessServerExtension server =
      new InProcessServerExtension()
          .withLimits(
              new LimitsConfig(
                  StoreLimits.NONE, 100, Integer.MAX_VALUE, 4096, Duration.ofSeconds(5)));

  @Test
  void push_rowsWithinBudget_appliedAndBudgetReleased() throws Exception {
    server.blocking().createTable(keyed("users", 0, DIM).build());
    Wire.PushStream stream = new Wire.PushStream(server.async());

    for (int p = 0; p < 3; p++) {
      // Two messages: the table's rows grow while staged, and are applied as one push.
      stream.requests.onNext(
          push(p, rows("users", new long[] {1}, filled(DIM, 1))).toBuilder()
              .setContinued(true)
              .build());
      PushAck ack = stream.send(push(p, rows("users", new long[] {2, 3}, filled(2 * DIM, 1))));
      assertThat(ack.getCode()).isZero();
    }

    assertThat(info(server.blocking(), "users").getVersion()).isEqualTo(3);
    assertThat(info(server.blocking(), "users").getRows()).isEqualTo(3);
    // The stream keeps its staging arrays for its next push; once it ends, they are released.
    assertThat(server.server().transientBudget().inUseBytes()).isPositive().isLessThan(1024);
    stream.requests.onCompleted();
    assertThat(stream.closed.get(5, TimeUnit.SECONDS)).isNull();
    server.awaitTransientBytes(0);
  }

  @Test
  void push_rowsPastTheBudget_resourceExhaustedNamingItAndNothingApplied() throws Exception {
    server.blocking().createTable(keyed("users", 0, DIM).build());
    Wire.PushStream stream = new Wire.PushStream(server.async());
    long[] ids = new long[57];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }

    PushAck ack = stream.send(push(1, rows("users", ids, filled(ids.length * DIM, 1))));

    assertThat(ack.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    assertThat(ack.getMessage()).contains("--max-transient-bytes").contains("users");
    assertThat(info(server.blocking(), "users").getRows()).isZero();
    stream.requests.onCompleted();
    assertThat(stream.closed.get(5, TimeUnit.SECONDS)).isNull();
    server.awaitTransientBytes(0);
  }
}
