package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

  /**
   * HEAD of the repository the build ran in, or empty when it is not a git checkout or git is not
   * installed: asked as the build asks (cli-support/pom.xml), of this project's own .git only.
   */
  static Optional<String> head() {
    Path root = Path.of(System.getProperty("paramstream.repo.root", "..")).toAbsolutePath();
    ProcessBuilder builder =
        new ProcessBuilder("git", "rev-parse", "HEAD")
            .directory(root.toFile())
            .redirectErrorStream(true);
    builder.environment().put("GIT_CEILING_DIRECTORIES", root.normalize().getParent().toString());
    try {
      Process git = builder.start();
      String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!git.waitFor(30, TimeUnit.SECONDS)) {
        git.destroyForcibly();
        throw new AssertionError("git rev-parse HEAD did not finish in " + root);
      }
      return git.exitValue() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // no git program: the build could not ask either
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
