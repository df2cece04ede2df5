package io.paramstream.server;

import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.ShardPlacementGrpc;
import java.util.Locale;
import java.util.Set;

/**
 * What a token may do. Readers read (groups and table rows); workers also push (gradients and
 * rows); admins may do everything, including the calls that change the set of groups or tables,
 * their hyperparameters, and checkpoints.
 */
enum Role {
  READER(
      Set.of(
          ParameterServerGrpc.getListGroupsMethod().getFullMethodName(),
          ParameterServerGrpc.getGetServerInfoMethod().getFullMethodName(),
          ParameterServerGrpc.getGetStatsMethod().getFullMethodName(),
          ParameterServerGrpc.getPullMethod().getFullMethodName(),
          ParameterServerGrpc.getPullStreamMethod().getFullMethodName(),
          ParameterServerGrpc.getWatchMethod().getFullMethodName(),
          ParameterServerGrpc.getListTablesMethod().getFullMethodName(),
          ParameterServerGrpc.getPullRowsMethod().getFullMethodName(),
          ShardPlacementGrpc.getDescribeShardMethod().getFullMethodName())),
  WORKER(
      Set.of(
          ParameterServerGrpc.getListGroupsMethod().getFullMethodName(),
          ParameterServerGrpc.getGetServerInfoMethod().getFullMethodName(),
          ParameterServerGrpc.getGetStatsMethod().getFullMethodName(),
          ParameterServerGrpc.getPullMethod().getFullMethodName(),
          ParameterServerGrpc.getPullStreamMethod().getFullMethodName(),
          ParameterServerGrpc.getWatchMethod().getFullMethodName(),
          ParameterServerGrpc.getListTablesMethod().getFullMethodName(),
          ParameterServerGrpc.getPullRowsMethod().getFullMethodName(),
          ShardPlacementGrpc.getDescribeShardMethod().getFullMethodName(),
          ParameterServerGrpc.getPushMethod().getFullMethodName(),
          // Synchronous training: workers join and leave the barrier themselves.
          ParameterServerGrpc.getRegisterWorkerMethod().getFullMethodName(),
          ParameterServerGrpc.getDeregisterWorkerMethod().getFullMethodName())),
  ADMIN(Set.of());

  private final Set<String> methods;

  Role(Set<String> methods) {
    this.methods = methods;
  }

  /**
   * Whether this role may call {@code fullMethodName} of the ParameterServer or ShardPlacement
   * service.
   */
  boolean allows(String fullMethodName) {
    return this == ADMIN || methods.contains(fullMethodName);
  }

  static Role parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown role '" + name + "'; expected admin, worker or reader", e);
    }
  }
}
