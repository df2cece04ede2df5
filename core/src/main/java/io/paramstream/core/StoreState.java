package io.paramstream.core;

import io.paramstream.core.table.SparseTable;
import java.util.List;
import java.util.Map;

/**
 * A consistent image of a whole store: every group and sparse table at one instant between pushes,
 * and the last applied sequence of every worker at that same instant, so that de-duplication
 * survives a restart from it.
 *
 * @param groups sorted by name
 * @param lastSequences worker id to the highest push sequence applied for it
 * @param tables sorted by name; tables read from a checkpoint, built fresh for the store that
 *     imports them (a table is mutable storage: this record does not copy it, and one table must be
 *     imported into one store only)
 */
public record StoreState(
    List<GroupState> groups, Map<String, Long> lastSequences, List<SparseTable> tables) {

  public StoreState {
    groups = List.copyOf(groups);
    lastSequences = Map.copyOf(lastSequences);
    tables = List.copyOf(tables);
  }

  /** An image without tables. */
  public StoreState(List<GroupState> groups, Map<String, Long> lastSequences) {
    this(groups, lastSequences, List.of());
  }
}
