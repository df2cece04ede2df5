package io.paramstream.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Which build a program is: its Maven version, SNAPSHOT included, and the git commit it was built
 * from. A version alone cannot tell two SNAPSHOT builds apart; the commit can. Every program's
 * {@code --version}, the server's ServerInfo and its {@code paramstream_build_info} metric report
 * this.
 *
 * @param version the Maven version, e.g. {@code 0.1.0-SNAPSHOT}, or {@code unknown}
 * @param commit the full commit id, followed by {@code -dirty} when the working tree had
 *     uncommitted changes; {@code unknown} when the build had no git metadata (a source tarball,
 *     the Docker build context)
 */
public record BuildInfo(String version, String commit) {

  /** What a build without the information reports. */
  public static final String UNKNOWN = "unknown";

  /** Suffix of a commit built with uncommitted changes. */
  public static final String DIRTY = "-dirty";

  private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{7,40}");

  public BuildInfo {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(commit, "commit");
  }

  /** This build, from the resource the build writes into this module (see cli-support/pom.xml). */
  public static BuildInfo current() {
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        return new BuildInfo(UNKNOWN, UNKNOWN);
      }
      Properties properties = new Properties();
      properties.load(in);
      return of(
          properties.getProperty("version"),
          properties.getProperty("commit"),
          properties.getProperty("dirty"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * From the written values. A commit that is not a commit id (empty: the sources had no .git; or
   * {@code ${git.commit}} as written: the build found no git program) is unknown, not passed on.
   */
  static BuildInfo of(String version, String commitId, String dirty) {
    String v = version == null || version.isBlank() || version.contains("${") ? UNKNOWN : version;
    if (commitId == null || !COMMIT_ID.matcher(commitId).matches()) {
      return new BuildInfo(v, UNKNOWN);
    }
    return new BuildInfo(v, "true".equals(dirty) ? commitId + DIRTY : commitId);
  }

  /** {@code 0.1.0-SNAPSHOT (commit 0123abcd...)}: what a version option prints after the name. */
  public String describe() {
    return version + " (commit " + commit + ")";
  }
}
