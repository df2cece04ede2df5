package io.paramstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paramstream.ctl.CtlMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * One paramstream-ctl command run in this JVM, as {@code main} would run it, with what it printed.
 *
 * @param exitCode what the process would exit with
 * @param out what it printed on stdout
 * @param err what it printed on stderr
 */
record CtlRun(int exitCode, String out, String err) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Runs {@code args}, adding {@code --target target} unless given or the command is placement. */
  static CtlRun run(String target, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.contains("--target") && !all.contains("placement")) {
      all.add("--target");
      all.add(target);
    }
    return exactly(all.toArray(String[]::new));
  }

  /** Runs {@code args} as given. */
  static CtlRun exactly(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = CtlMain.commandLine();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exitCode = commandLine.execute(args);
    return new CtlRun(exitCode, out.toString(), err.toString());
  }

  JsonNode json() throws Exception {
    return JSON.readTree(out);
  }
}
