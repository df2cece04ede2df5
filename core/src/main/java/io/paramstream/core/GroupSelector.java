package io.paramstream.core;

/**
 * Names a group to read, optionally only when it is newer than a version the reader already has.
 *
 * @param ifNewerThan read the values only if the group's version is greater; {@link #ANY_VERSION}
 *     reads them whatever the version
 */
public record GroupSelector(String name, long ifNewerThan) {

  /** Reads a group whatever its version. */
  public static final long ANY_VERSION = -1;

  public static GroupSelector any(String name) {
    return new GroupSelector(name, ANY_VERSION);
  }
}
