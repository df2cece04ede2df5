package io.paramstream.core;

import java.util.List;

/**
 * A push applied under bounded staleness.
 *
 * @param versions the new version of each group, in push order
 * @param staleness how many versions behind its base the push was
 * @param lrScale the learning-rate factor it was applied with
 */
public record StalePush(List<GroupVersion> versions, long staleness, double lrScale) {}
