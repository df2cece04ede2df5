package io.paramstream.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One consistent set of a watch: the watched groups that changed since the previous set, all at the
 * versions of one applied state of the server, so a push of several groups is seen entirely or not
 * at all. The first set holds every watched group newer than the version asked for. A slow consumer
 * gets the latest set when it is ready, not every intermediate one.
 *
 * @param groups the changed groups, in the order they were watched
 */
public record WatchSet(List<GroupValues> groups) {
  public WatchSet {
    groups = List.copyOf(groups);
  }

  /** The set's groups by name. */
  public Map<String, GroupValues> byName() {
    Map<String, GroupValues> byName = new LinkedHashMap<>();
    groups.forEach(g -> byName.put(g.name(), g));
    return byName;
  }
}
