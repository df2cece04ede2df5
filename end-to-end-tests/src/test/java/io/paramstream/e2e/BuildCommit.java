package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The git commit this build came from, as {@code git rev-parse HEAD} in the repository tells it, to
 * check what the programs report against it: the version option, ServerInfo and the build-info
 * metric.
 */
final class BuildCommit {

  private BuildCommit() {}

  /**
   * Asserts that {@code reported} names this build: the full id of HEAD, with {@code -dirty} after
   * it or not (the working tree may have had changes), or {@code unknown} when the sources are not
   * a git checkout (a source tarball, the Docker build context).
   */
  static void assertIsThisBuild(String reported) {
    Optional<String> head = head();
    if (head.isEmpty()) {
      assertThat(reported).as("commit of a build without git metadata").isEqualTo("unknown");
      return;
    }
    assertThat(reported).as("commit").matches("[0-9a-f]{7,40}(-dirty)?");
    assertThat(reported.replace("-dirty", ""))
        .as("commit against git rev-parse HEAD")
        .isEqualTo(head.get());
  }

  /** HEAD of the repository the build ran in, or empty when it is not a git checkout. */
  static Optional<String> head() {
    Path root = Path.of(System.getProperty("paramstream.repo.root", "..")).toAbsolutePath();
    try {
      Process git =
          new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "HEAD")
              .redirectErrorStream(true)
              .start();
      String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!git.waitFor(30, TimeUnit.SECONDS)) {
        git.destroyForcibly();
        throw new AssertionError("git rev-parse HEAD did not finish in " + root);
      }
      return git.exitValue() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      // No git program: only sources without .git can say why the build reported "unknown".
      if (Files.exists(root.resolve(".git"))) {
        throw new AssertionError("git is needed to check the build's commit in " + root, e);
      }
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
