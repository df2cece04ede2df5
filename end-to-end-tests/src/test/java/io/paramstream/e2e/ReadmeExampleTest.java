package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.PushResult;
import io.paramstream.client.PushSession;
import io.paramstream.client.RowGradient;
import io.paramstream.client.RowInitializer;
import io.paramstream.client.RowQuery;
import io.paramstream.client.TableInfo;
import io.paramstream.client.TableRows;
import io.paramstream.client.TableSpec;
import io.paramstream.client.WatchSubscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Java client examples of the README, kept compiling and true. */
@Timeout(60)
class ReadmeExampleTest {

  @RegisterExtension final NettyServerExtension netty = new NettyServerExtension();

  @Test
  void readmeExample_runsAsDocumented() throws Exception {
    try (ParamstreamClient client =
        ParamstreamClient.builder()
            .target(netty.target())
            .deadline(Duration.ofSeconds(30)) // per call
            .build()) {
      Hyperparameters sgd = new Hyperparameters(0.1, 0.01); // lr, weight_decay
      client.createGroup(new GroupSpec("w", new float[] {1.0f, 2.0f}, true, sgd)); // decay
      client.createGroup(new GroupSpec("b", new float[] {0.5f}, false, sgd)); // no decay

      client.push(Map.of("w", new float[] {0.1f, 0.2f}, "b", new float[] {0.05f}));

      try (PushSession session = client.openPushSession()) {
        CompletableFuture<PushResult> ack = session.push(Map.of("b", new float[] {0.01f}));
        assertThat(ack.join().versions()).isEqualTo(Map.of("b", 2L));
      }

      Map<String, GroupValues> weights = client.pull("w", "b");
      assertThat(weights.get("w").values())
          .containsExactly(new float[] {0.989f, 1.978f}, within(1e-6f));
      Optional<GroupValues> fresh = client.pullIfNewer("w", 1);
      assertThat(fresh).isEmpty();
      CompletableFuture<GroupValues> first = new CompletableFuture<>();
      try (WatchSubscription watch = client.watch(first::complete, error -> {}, "w")) {
        assertThat(first.get(10, TimeUnit.SECONDS).version()).isEqualTo(1);
      }
    }
  }

  @Test
  void readmeTablesExample_runsAsDocumented() {
    ParamstreamClient client = netty.client();
    client.createGroup(GroupSpec.zeros("w", 2, true));
    float[] gradW = {0.1f, 0.2f};
    float[] gradRows = new float[2 * 16];
    java.util.Arrays.fill(gradRows, 1f);

    client.createTable(
        TableSpec.builder("users", 16)
            .keyed(0)
            .weightDecay(true)
            .hyperparameters(new Hyperparameters(0.05, 0.02))
            .initializer(RowInitializer.normal(0.1, 42))
            .build());
    client.createTable(TableSpec.indexed("positions", 512, 16));
    TableRows rows = client.pullRows("users", 7, 12345, 7);
    Map<String, TableRows> both =
        client.pullRows(
            List.of(RowQuery.of("users", 7, 9), RowQuery.ifNewerThan("positions", 3, 0, 1)));
    Map<String, Long> tableVersions;
    try (PushSession session = client.openPushSession()) {
      tableVersions =
          session
              .push(
                  Map.of("w", gradW),
                  List.of(new RowGradient("users", new long[] {7, 9}, gradRows)))
              .join()
              .tableVersions();
    }
    List<TableInfo> changed =
        client.setTableHyperparameters(new Hyperparameters(0.01, 0.02), "users");

    assertThat(rows.ids()).containsExactly(7, 12345, 7);
    assertThat(rows.row(2)).containsExactly(rows.row(0));
    // positions is at version 0, not newer than 3: left out.
    assertThat(both).containsOnlyKeys("users");
    assertThat(tableVersions).isEqualTo(Map.of("users", 1L));
    assertThat(changed.get(0).hyperparameters()).isEqualTo(new Hyperparameters(0.01, 0.02));
  }
}
