package io.paramstream.core;

import java.util.List;

/**
 * What a push did.
 *
 * @param versions the groups' versions after the push, in the order of its gradients
 * @param tableVersions the tables' versions after the push (as {@code GroupVersion}s named by
 *     table), in the order of its row gradients
 * @param duplicate true when the push's (worker, sequence) had already been applied: nothing
 *     changed and {@code versions} are the current ones
 */
public record PushOutcome(
    List<GroupVersion> versions, List<GroupVersion> tableVersions, boolean duplicate) {

  public PushOutcome {
    versions = List.copyOf(versions);
    tableVersions = List.copyOf(tableVersions);
  }

  /** A push of groups only. */
  public PushOutcome(List<GroupVersion> versions, boolean duplicate) {
    this(versions, List.of(), duplicate);
  }
}
