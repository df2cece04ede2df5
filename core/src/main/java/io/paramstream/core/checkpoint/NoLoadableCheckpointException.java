package io.paramstream.core.checkpoint;

import java.io.IOException;
import java.util.List;

/**
 * The checkpoint directory holds checkpoint files and none of them loads: starting empty would
 * silently lose the model, so the server refuses unless the operator says otherwise.
 */
public final class NoLoadableCheckpointException extends IOException {

  private final transient List<CheckpointStore.Skipped> files;

  public NoLoadableCheckpointException(List<CheckpointStore.Skipped> files) {
    super(files.size() + " checkpoint file(s) and none loads");
    this.files = List.copyOf(files);
  }

  /** Every checkpoint file, newest first, with why it did not load. */
  public List<CheckpointStore.Skipped> files() {
    return files;
  }
}
