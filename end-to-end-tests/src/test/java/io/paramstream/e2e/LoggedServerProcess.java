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

  /** A server process that ended by itself: its exit code and what it printed. */
  record Exited(int exitCode, String stdout, String stderr) {}

  /** Runs the server with {@code args} (plus {@code --port 0}) expecting it to exit by itself. */
  static Exited runToExit(Path workDir, String... args) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Path out = Files.createTempFile(workDir, "server", ".out");
    Path err = Files.createTempFile(workDir, "server", ".err");
    Process process = launch(out, err, List.of(), args);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("server did not exit: " + Files.readString(err));
    }
    return new Exited(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static Process launch(Path out, Path err, List<String> jvmArgs, String... args)
      throws IOException {
    String jar = System.getProperty("paramstream.server.jar");
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException("shaded server jar not found: " + jar);
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(jvmArgs);
    command.add("-jar");
    command.add(jar);
    command.add("--port");
    command.add("0");
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
  }

  /** Starts the server with {@code args} (plus {@code --port 0}) and waits until it listens. */
  static LoggedServerProcess start(Path workDir, String... args)
      throws IOException, InterruptedException {
    return start(workDir, List.of(), args);
  }

  /**
   * A server with its metrics port and checkpoints (in {@code workDir/ckpt}) on, plus {@code args}:
   * what the observability tests scrape.
   */
  static LoggedServerProcess startObserved(Path workDir, String... args)
      throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--metrics-port", "0", "--checkpoint-dir"));
    all.add(workDir.resolve("ckpt").toString());
    all.addAll(List.of(args));
    return start(workDir.resolve("logs"), all.toArray(String[]::new));
  }

  /** As {@link #start(Path, String...)}, with extra JVM options after the defaults. */
  static LoggedServerProcess start(Path workDir, List<String> jvmArgs, String... args)
      throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Path out = Files.createTempFile(workDir, "server", ".out");
    Path err = Files.createTempFile(workDir, "server", ".err");
    Process process = launch(out, err, jvmArgs, args);
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

  /** The operating system's process id, e.g. to read /proc/PID/status. */
  long pid() {
    return process.pid();
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
