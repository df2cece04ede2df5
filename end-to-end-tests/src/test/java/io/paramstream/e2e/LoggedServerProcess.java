package io.paramstream.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shaded server jar as a real child process on an ephemeral loopback port, with its stdout and
 * stderr captured in files so a test can read the log after the process is gone.
 */
final class LoggedServerProcess implements AutoCloseable {

  private static final Pattern LISTENING =
      Pattern.compile("paramstream server listening on (\\S+):(\\d+)");

  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private final int port;

  private LoggedServerProcess(Process process, Path stdout, Path stderr, int port) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
    this.port = port;
  }

  /** Starts the server with {@code args} (plus {@code --port 0}) and waits until it listens. */
  static LoggedServerProcess start(Path workDir, String... args)
      throws IOException, InterruptedException {
    String jar = System.getProperty("paramstream.server.jar");
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException("shaded server jar not found: " + jar);
    }
    Files.createDirectories(workDir);
    Path out = Files.createTempFile(workDir, "server", ".out");
    Path err = Files.createTempFile(workDir, "server", ".err");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-jar");
    command.add(jar);
    command.add("--port");
    command.add("0");
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Matcher matcher = LISTENING.matcher(Files.readString(out, StandardCharsets.UTF_8));
      if (matcher.find()) {
        return new LoggedServerProcess(process, out, err, Integer.parseInt(matcher.group(2)));
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "server exited with " + process.exitValue() + ": " + Files.readString(err));
      }
      Thread.sleep(50);
    }
    process.destroyForcibly();
    throw new IllegalStateException("server did not report its port: " + Files.readString(err));
  }

  int port() {
    return port;
  }

  /** The Prometheus endpoint's port, when started with --metrics-port. */
  int metricsPort() throws IOException {
    Matcher matcher =
        Pattern.compile("paramstream metrics on \\S+:(\\d+)").matcher(Files.readString(stdout));
    if (!matcher.find()) {
      throw new IllegalStateException("server did not report a metrics port");
    }
    return Integer.parseInt(matcher.group(1));
  }

  /** Resident set size of the server process now, from /proc/<pid>/status (Linux). */
  long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", "" + process.pid(), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS for server process " + process.pid());
  }

  String target() {
    return "127.0.0.1:" + port;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM: the graceful shutdown path; returns the exit code. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("server did not stop on SIGTERM");
    }
    return process.exitValue();
  }

  String log() throws IOException {
    return Files.readString(stderr, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill9();
    }
  }
}
