package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.ShardPlacementGrpc;
import org.junit.jupiter.api.Test;

class RoleTest {

  private static final String PUSH = ParameterServerGrpc.getPushMethod().getFullMethodName();
  private static final String REGISTER =
      ParameterServerGrpc.getRegisterWorkerMethod().getFullMethodName();
  private static final String CREATE =
      ParameterServerGrpc.getCreateGroupMethod().getFullMethodName();
  private static final String CHECKPOINT =
      ParameterServerGrpc.getCheckpointMethod().getFullMethodName();
  private static final String PULL_ROWS =
      ParameterServerGrpc.getPullRowsMethod().getFullMethodName();
  private static final String LIST_TABLES =
      ParameterServerGrpc.getListTablesMethod().getFullMethodName();
  private static final String CREATE_TABLE =
      ParameterServerGrpc.getCreateTableMethod().getFullMethodName();
  private static final String DELETE_TABLES =
      ParameterServerGrpc.getDeleteTablesMethod().getFullMethodName();
  private static final String STATS = ParameterServerGrpc.getGetStatsMethod().getFullMethodName();
  private static final String PLACEMENT =
      ShardPlacementGrpc.getDescribeShardMethod().getFullMethodName();

  @Test
  void reader_readsButNeverWrites() {
    assertThat(Role.READER.allows(STATS)).isTrue();
    assertThat(Role.READER.allows(PLACEMENT)).isTrue();
    assertThat(Role.READER.allows(PUSH)).isFalse();
    assertThat(Role.READER.allows(REGISTER)).isFalse();
    assertThat(Role.READER.allows(CREATE)).isFalse();
    assertThat(Role.READER.allows(PULL_ROWS)).isTrue();
    assertThat(Role.READER.allows(LIST_TABLES)).isTrue();
    assertThat(Role.READER.allows(CREATE_TABLE)).isFalse();
  }

  @Test
  void worker_pushesAndJoinsBarrierButNeverAdministers() {
    assertThat(Role.WORKER.allows(PUSH)).isTrue();
    assertThat(Role.WORKER.allows(REGISTER)).isTrue();
    assertThat(Role.WORKER.allows(CREATE)).isFalse();
    assertThat(Role.WORKER.allows(CHECKPOINT)).isFalse();
    assertThat(Role.WORKER.allows(PULL_ROWS)).isTrue();
    assertThat(Role.WORKER.allows(CREATE_TABLE)).isFalse();
    assertThat(Role.WORKER.allows(DELETE_TABLES)).isFalse();
  }

  @Test
  void admin_mayCallEverything() {
    assertThat(Role.ADMIN.allows(CREATE)).isTrue();
    assertThat(Role.ADMIN.allows(CHECKPOINT)).isTrue();
    assertThat(Role.ADMIN.allows(PUSH)).isTrue();
  }
}
