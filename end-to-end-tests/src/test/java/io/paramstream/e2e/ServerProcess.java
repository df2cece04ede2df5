package io.paramstream.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The shaded server jar run as a real process, as an operator would run it. */
final class ServerProcess implements AutoCloseable {

  private static final Pattern LISTENING =
      Pattern.compile("paramstream server listening on (\\S+):(\\d+)");

  private final Process process;
  private final List<String> output = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final Thread reader;

  private ServerProcess(Process process) {
    this.process = process;
    reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  output.add(line);
                  Matcher matcher = LISTENING.matcher(line);
                  if (matcher.find()) {
                    port.complete(Integer.parseInt(matcher.group(2)));
                  }
                }
              } catch (IOException e) {
                port.completeExceptionally(e);
              }
              port.completeExceptionally(new IllegalStateException("server exited: " + output));
            },
            "server-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** The jar the server module built in this reactor run. */
  static Path jar() {
    String path = System.getProperty("paramstream.server.jar");
    if (path == null || !Files.isRegularFile(Path.of(path))) {
      throw new IllegalStateException(
          "server jar not found at "
              + path
              + "; build it first with ./mvnw -B package (the server module makes it)");
    }
    return Path.of(path);
  }

  static ServerProcess start(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java());
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(List.of(args));
    return startCommand(command);
  }

  /** Runs a whole command line, e.g. a container's entrypoint with the paths made local. */
  static ServerProcess startCommand(List<String> command) throws IOException {
    return new ServerProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  /** The java launcher of the JVM running the tests. */
  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Waits for the line that says the port is bound. */
  int awaitPort() throws Exception {
    return port.get(30, TimeUnit.SECONDS);
  }

  /** Waits for the process to exit and for its output to be read to the end. */
  boolean awaitExit(long timeout, TimeUnit unit) throws InterruptedException {
    if (!process.waitFor(timeout, unit)) {
      return false;
    }
    reader.join(unit.toMillis(timeout));
    return true;
  }

  Process process() {
    return process;
  }

  List<String> output() {
    return output;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
