package io.paramstream.client;

import java.util.Map;

/**
 * The server's consistency statistics.
 *
 * @param mode ASYNCHRONOUS, SYNCHRONOUS or BOUNDED_STALENESS
 * @param step synchronous steps applied so far
 * @param staleness applied pushes by staleness, ascending (bounded staleness)
 * @param rejectedStalePushes pushes refused as too stale
 * @param maxStaleness the bound S
 */
public record ConsistencyStats(
    String mode,
    long step,
    Map<Long, Long> staleness,
    long rejectedStalePushes,
    long maxStaleness) {}
