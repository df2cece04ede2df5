package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --version} of the shaded jars tells which build an operator runs: the Maven version,
 * SNAPSHOT included, and the git commit, which tells two SNAPSHOT builds apart.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VersionOptionProcessTest {

  private static final Pattern LINE = Pattern.compile("(\\S+) (\\S+) \\(commit (\\S+)\\)");

  @Test
  void serverVersion_namesVersionAndCommitOfTheBuild() throws Exception {
    try (ServerProcess server = ServerProcess.start("--version")) {
      assertVersionLine(server, "paramstream-server");
    }
  }

  @Test
  void ctlVersion_namesVersionAndCommitOfTheBuild() throws Exception {
    try (ServerProcess ctl = CtlProcess.start("--version")) {
      assertVersionLine(ctl, "paramstream-ctl");
    }
  }

  private static void assertVersionLine(ServerProcess process, String name) throws Exception {
    assertThat(process.awaitExit(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.process().exitValue()).isZero();
    assertThat(process.output()).hasSize(1);
    Matcher line = LINE.matcher(process.output().get(0));
    assertThat(line.matches()).as("version line %s", process.output().get(0)).isTrue();
    assertThat(line.group(1)).isEqualTo(name);
    assertThat(line.group(2)).isEqualTo(System.getProperty("paramstream.version"));
    BuildCommit.assertIsThisBuild(line.group(3));
  }
}
