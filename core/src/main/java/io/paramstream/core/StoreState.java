package io.paramstream.core;

import java.util.List;
import java.util.Map;

/**
 * A consistent image of a whole store: every group at one instant between pushes, and the last
 * applied sequence of every worker at that same instant, so that de-duplication survives a restart
 * from it.
 *
 * @param groups sorted by name
 * @param lastSequences worker id to the highest push sequence applied for it
 */
public record StoreState(List<GroupState> groups, Map<String, Long> lastSequences) {

  public StoreState {
    groups = List.copyOf(groups);
    lastSequences = Map.copyOf(lastSequences);
  }
}
