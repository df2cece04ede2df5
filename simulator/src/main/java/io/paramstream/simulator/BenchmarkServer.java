package io.paramstream.simulator;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The server a benchmark measures: the shaded jar as a separate process when one is given (the
 * honest setting, and the only one whose memory can be read), otherwise a server in the benchmark's
 * own JVM. Closing stops whichever it is.
 */
final class BenchmarkServer implements AutoCloseable {
  private final Process process;
  private final EmbeddedServer embedded;
  private final String target;

  private BenchmarkServer(Process process, EmbeddedServer embedded, String target) {
    this.process = process;
    this.embedded = embedded;
    this.target = target;
  }

  /** Starts {@code serverJar} (null: an embedded server) and waits until it listens. */
  static BenchmarkServer start(Path serverJar, String jvmArgs, String serverArgs, File log)
      throws IOException, InterruptedException {
    if (serverJar == null) {
      EmbeddedServer embedded = EmbeddedServer.start();
      return new BenchmarkServer(null, embedded, embedded.target());
    }
    Process process = ServerJarProcess.start(serverJar, jvmArgs, serverArgs, log);
    try {
      return new BenchmarkServer(process, null, ServerJarProcess.awaitTarget(process, log));
    } catch (IOException e) {
      stop(process);
      throw e;
    }
  }

  String target() {
    return target;
  }

  /** The server process, for reading its memory; null when embedded. */
  Process process() {
    return process;
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null) {
      stop(process);
    }
    if (embedded != null) {
      embedded.close();
    }
  }

  /** SIGTERM (the server drains and exits), then SIGKILL if it is still there after 30 s. */
  static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
