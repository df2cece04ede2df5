package io.paramstream.client;

/**
 * A checkpoint the server wrote on request.
 *
 * @param file the file's name within the server's checkpoint directory
 * @param groups how many groups it holds
 */
public record CheckpointInfo(String file, long groups) {}
