package io.paramstream.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The shaded paramstream-ctl jar run as a real process, as an operator would run it. */
final class CtlProcess {

  private CtlProcess() {}

  /** Starts {@code java -jar paramstream-ctl-all.jar args...}; its output is read as it comes. */
  static ServerProcess start(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ServerProcess.java());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(List.of(args));
    return ServerProcess.startCommand(command);
  }

  /** The jar the ctl module built in this reactor run. */
  static Path jar() {
    String path = System.getProperty("paramstream.ctl.jar");
    if (path == null || !Files.isRegularFile(Path.of(path))) {
      throw new IllegalStateException(
          "paramstream-ctl jar not found at " + path + "; build it with ./mvnw -B package");
    }
    return Path.of(path);
  }
}
