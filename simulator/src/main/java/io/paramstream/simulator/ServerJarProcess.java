package io.paramstream.simulator;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The shaded server jar run as a separate process on a free port, for the benchmarks that measure a
 * server from outside: its stderr goes to a log file, and its address is read from the line the
 * server prints once it is listening.
 */
final class ServerJarProcess {
  private static final String READY = "paramstream server listening on ";

  private ServerJarProcess() {}

  /** The {@code java} of this JVM running {@code serverJar} on port 0. */
  static Process start(Path serverJar, String jvmArgs, String serverArgs, File log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(words(jvmArgs));
    command.addAll(List.of("-jar", serverJar.toString(), "--port", "0"));
    command.addAll(words(serverArgs));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log)).start();
  }

  /** Splits a command-line fragment on whitespace; blank gives nothing. */
  static List<String> words(String line) {
    return Arrays.stream(line.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
  }

  /** Waits for the ready line and returns host:port; stdout is drained from then on. */
  static String awaitTarget(Process process, File log) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(READY)) {
        // Keep draining so the server never blocks on a full stdout pipe.
        Thread drain =
            new Thread(
                () -> {
                  try {
                    while (out.readLine() != null) {
                      // discard
                    }
                  } catch (IOException e) {
                    // server gone
                  }
                },
                "server-stdout");
        drain.setDaemon(true);
        drain.start();
        return line.substring(READY.length()).trim();
      }
    }
    throw new IOException("server exited before it was listening; see " + log);
  }
}
