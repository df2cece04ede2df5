package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees when the server cannot start: one line on stderr and exit code 2. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartupErrorsProcessTest {

  @TempDir Path work;

  private record Exit(int code, List<String> stderr) {}

  @Test
  void portInUse_isOneLineAndExitCode2() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      assertOneLine(
          run("--port", String.valueOf(port)),
          "paramstream-server: port " + port + " on 127.0.0.1 is already in use");
    }
  }

  @Test
  void badFlagValue_isOneLineAndExitCode2() throws Exception {
    assertOneLine(run("--port", "fifty"), "paramstream-server: Invalid value for option '--port'");
    assertOneLine(run("--chunk-bytes", "3"), "paramstream-server: max chunk bytes must be");
  }

  @Test
  void badDurationSizeOrMode_isOneLineNamingFlagAndValue() throws Exception {
    assertOneLine(
        run("--checkpoint-interval", "60x"),
        "paramstream-server: Invalid value for option '--checkpoint-interval': '60x' is not a"
            + " duration: use e.g. 250ms, 30s");
    assertOneLine(
        run("--max-transient-bytes", "64MB/s"),
        "paramstream-server: Invalid value for option '--max-transient-bytes': '64MB/s' is not a"
            + " size: use e.g. 1048576, 512KiB");
    assertOneLine(
        run("--consistency", "eventual"),
        "paramstream-server: Invalid value for option '--consistency': 'eventual' is not a mode");
  }

  @Test
  void missingTlsFile_isOneLineAndExitCode2() throws Exception {
    Path missing = work.resolve("missing.pem");
    assertOneLine(
        run("--tls-cert", missing.toString(), "--tls-key", missing.toString()),
        "paramstream-server: --tls-cert/--tls-key: " + missing);
  }

  @Test
  void missingOrWeakTokenFile_isOneLineAndExitCode2() throws Exception {
    Path missing = work.resolve("no-tokens");
    assertOneLine(
        run("--auth-tokens", missing.toString()),
        "paramstream-server: --auth-tokens: no such file: " + missing);
    Path weak = work.resolve("tokens");
    Files.writeString(weak, "admin short-token\n");
    assertOneLine(
        run("--auth-tokens", weak.toString()),
        "paramstream-server: --auth-tokens: " + weak + " line 1: tokens must be at least 16");
  }

  private static void assertOneLine(Exit exit, String prefix) {
    assertThat(exit.stderr()).as("stderr").hasSize(1);
    assertThat(exit.stderr().get(0)).startsWith(prefix);
    assertThat(exit.code()).as("exit code").isEqualTo(2);
  }

  /** Runs the server jar with {@code args} (port 0 unless given) until it exits. */
  private Exit run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ServerProcess.java());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-jar");
    command.add(ServerProcess.jar().toString());
    if (!List.of(args).contains("--port")) {
      command.add("--port");
      command.add("0");
    }
    command.addAll(List.of(args));
    Path out = Files.createTempFile(work, "server", ".out");
    Path err = Files.createTempFile(work, "server", ".err");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("server started instead of failing: " + Files.readString(out));
    }
    return new Exit(process.exitValue(), Files.readAllLines(err, StandardCharsets.UTF_8));
  }
}
