package io.paramstream.client;

/**
 * A checkpoint the server wrote on request.
 *
 * @param file the file's name within the server's checkpoint directory
 * @param groups how many groups it holds
 * @param tables how many sparse tables it holds
 */
public record CheckpointInfo(String file, long groups, long tables) {
  /** A checkpoint of groups only. */
  public CheckpointInfo(String file, long groups) {
    this(file, groups, 0);
  }
}
