package io.paramstream.core;

import java.util.List;

/**
 * What a push did.
 *
 * @param versions the groups' versions after the push, in the order of its gradients
 * @param duplicate true when the push's (worker, sequence) had already been applied: nothing
 *     changed and {@code versions} are the current ones
 */
public record PushOutcome(List<GroupVersion> versions, boolean duplicate) {

  public PushOutcome {
    versions = List.copyOf(versions);
  }
}
