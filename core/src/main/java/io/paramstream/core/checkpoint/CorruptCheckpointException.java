package io.paramstream.core.checkpoint;

import java.io.IOException;

/** A checkpoint file that must not be loaded: torn, corrupted, or not a checkpoint at all. */
public final class CorruptCheckpointException extends IOException {

  public CorruptCheckpointException(String message) {
    super(message);
  }
}
