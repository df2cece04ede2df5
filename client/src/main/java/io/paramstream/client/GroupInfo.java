package io.paramstream.client;

/**
 * Metadata of a group on the server, without its values.
 *
 * @param name group name
 * @param size number of float32 elements
 * @param weightDecay whether the update applies weight decay to this group
 * @param version number of pushes applied since creation
 * @param hyperparameters hyperparameters in force, or {@code null} if the server did not say
 */
public record GroupInfo(
    String name, long size, boolean weightDecay, long version, Hyperparameters hyperparameters) {}
