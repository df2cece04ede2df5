package io.paramstream.core;

import io.paramstream.core.table.SparseTable;
import io.paramstream.core.table.TableCheckpoint;
import io.paramstream.core.table.TableHeader;
import io.paramstream.core.table.TableRowSink;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A consistent image of a store that a checkpoint writer streams out: the descriptions of all
 * groups and tables first (so section lengths are known up front), then each group's arrays and
 * each table's rows one at a time, so the writer never needs every array in memory at once.
 */
public interface CheckpointSource {

  /** Every group in the image, sorted by name. */
  List<GroupHeader> groups();

  /** Worker id to its last applied push sequence, consistent with the groups. */
  Map<String, Long> lastSequences();

  /**
   * Hands every group's arrays to {@code sink}, once each, in an order of the source's choosing.
   * The arrays are valid only during the call and must not be changed.
   */
  void forEachGroup(GroupSink sink) throws IOException;

  /** Every sparse table in the image, sorted by name; none by default. */
  default List<TableHeader> tables() {
    return List.of();
  }

  /**
   * Hands every table's rows to {@code sink}, one table at a time, once each, in an order of the
   * source's choosing.
   */
  default void forEachTable(TableRowSink sink) throws IOException {}

  /** Receives one group's arrays; the optimizer buffers are null where the rule keeps none. */
  @FunctionalInterface
  interface GroupSink {
    void group(GroupHeader header, float[] values, float[] firstMoment, float[] secondMoment)
        throws IOException;
  }

  /** A source over an image already in memory, e.g. one read from a file or built by a test. */
  static CheckpointSource of(StoreState state) {
    return new CheckpointSource() {
      @Override
      public List<GroupHeader> groups() {
        return state.groups().stream().map(CheckpointSource::headerOf).toList();
      }

      @Override
      public Map<String, Long> lastSequences() {
        return state.lastSequences();
      }

      @Override
      public List<TableHeader> tables() {
        return state.tables().stream().map(TableCheckpoint::headerOf).toList();
      }

      @Override
      public void forEachTable(TableRowSink sink) throws IOException {
        for (SparseTable table : state.tables()) {
          TableCheckpoint.writeRows(table, sink);
        }
      }

      @Override
      public void forEachGroup(GroupSink sink) throws IOException {
        for (GroupState group : state.groups()) {
          OptimizerSnapshot optimizer = group.optimizer();
          sink.group(
              headerOf(group), group.values(), optimizer.firstMoment(), optimizer.secondMoment());
        }
      }
    };
  }

  private static GroupHeader headerOf(GroupState group) {
    return new GroupHeader(
        group.name(),
        group.weightDecay(),
        group.version(),
        group.hyperparameters(),
        group.values().length,
        group.optimizer().optimizer(),
        group.optimizer().steps());
  }
}
