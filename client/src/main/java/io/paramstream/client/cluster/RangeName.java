package io.paramstream.client.cluster;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stored name of one range of a split group: {@code <group>#range:<start>-<end>/<total>} holds
 * elements [start, end) of a group of {@code total} elements. The layout is written into the names
 * so that any client finds a split group by listing the shards, with no catalog server.
 *
 * @param group the group's name
 * @param start first element of the range
 * @param end one past the last element of the range
 * @param total the group's size
 */
public record RangeName(String group, int start, int end, int total) {

  /** Group names must not contain this: it would make a whole group look like a range. */
  public static final String MARKER = "#range:";

  private static final Pattern FORMAT = Pattern.compile("(.+)#range:(\\d+)-(\\d+)/(\\d+)");

  public RangeName {
    if (start < 0 || start >= end || end > total) {
      throw new IllegalArgumentException(
          "bad range [" + start + ", " + end + ") of " + total + " for " + group);
    }
  }

  /** The range a stored name denotes, or empty for a whole group. */
  public static Optional<RangeName> parse(String storedName) {
    Matcher m = FORMAT.matcher(storedName);
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new RangeName(
              m.group(1),
              Integer.parseInt(m.group(2)),
              Integer.parseInt(m.group(3)),
              Integer.parseInt(m.group(4))));
    } catch (IllegalArgumentException e) {
      // Digits that overflow an int, or an empty range: not one of ours, treat as a plain name.
      return Optional.empty();
    }
  }

  /** The name this range is stored under. */
  public String storedName() {
    return group + MARKER + start + "-" + end + "/" + total;
  }

  public int length() {
    return end - start;
  }
}
