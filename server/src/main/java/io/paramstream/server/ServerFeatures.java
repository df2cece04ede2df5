package io.paramstream.server;

import io.paramstream.cli.BuildInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code ServerInfo} tells a client about this server beyond limits: its build and the
 * optional features it supports, so a client can check before it relies on one. The names are part
 * of the public contract (listed in the .proto); a feature is only ever added.
 */
final class ServerFeatures {

  /** The PullStream RPC. */
  static final String PULL_STREAM = "pull_stream";

  /**
   * Push de-duplication by (worker_id, sequence), also across restarts with checkpoints. Only in
   * asynchronous mode: the synchronous and bounded-staleness paths ignore the sequence.
   */
  static final String EXACTLY_ONCE = "exactly_once";

  /** Optimizers besides plain SGD; every server has all of them. */
  static final String OPTIMIZER_MOMENTUM = "optimizer_sgd_momentum";

  static final String OPTIMIZER_ADAM = "optimizer_adam";
  static final String OPTIMIZER_ADAMW = "optimizer_adamw";

  /** Hyperparameters fields have presence: SetHyperparameters changes only what is set. */
  static final String PARTIAL_HYPERPARAMETERS = "partial_hyperparameters";

  /** The Checkpoint RPC works: the server runs with a checkpoint directory. */
  static final String CHECKPOINTS = "checkpoints";

  /** Sparse tables: CreateTable, ListTables, DeleteTables, PullRows and row slices in pushes. */
  static final String SPARSE_TABLES = "sparse_tables";

  private static final BuildInfo BUILD = BuildInfo.current();

  private ServerFeatures() {}

  static List<String> of(boolean checkpoints, boolean asynchronous) {
    List<String> features =
        new ArrayList<>(
            List.of(
                PULL_STREAM,
                OPTIMIZER_MOMENTUM,
                OPTIMIZER_ADAM,
                OPTIMIZER_ADAMW,
                PARTIAL_HYPERPARAMETERS,
                SPARSE_TABLES));
    if (asynchronous) {
      features.add(EXACTLY_ONCE);
    }
    if (checkpoints) {
      features.add(CHECKPOINTS);
    }
    return List.copyOf(features);
  }

  /** The build's version, e.g. {@code 0.1.0-SNAPSHOT}, and the git commit it was built from. */
  static BuildInfo build() {
    return BUILD;
  }
}
