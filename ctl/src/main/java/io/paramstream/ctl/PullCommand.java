package io.paramstream.ctl;

import io.paramstream.client.GroupValues;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pull NAME --format csv|json|npy [--out FILE]}: a group's values, for a notebook or a diff.
 */
@Command(
    name = "pull",
    mixinStandardHelpOptions = true,
    description = "Writes a group's current values as CSV (one per line), JSON or NumPy .npy.")
final class PullCommand implements Callable<Integer> {

  /** The file format of the values. */
  enum Format {
    CSV,
    JSON,
    NPY
  }

  @Mixin Connection connection;

  @Parameters(index = "0", paramLabel = "NAME", description = "The group.")
  String name;

  @Option(
      names = "--format",
      defaultValue = "csv",
      description = "csv, json or npy (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--out", description = "File to write; stdout when unset (not for npy).")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (format == Format.NPY && out == null) {
      throw new CommandLine.ParameterException(
          connection.spec.commandLine(), "--format npy needs --out FILE");
    }
    GroupValues group = connection.withClient(client -> client.pull(name).get(name));
    if (out == null) {
      PrintWriter stdout = connection.spec.commandLine().getOut();
      writeText(group, stdout);
      stdout.flush();
      return 0;
    }
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out))) {
      if (format == Format.NPY) {
        NpyFile.write(group.values(), file);
      } else {
        PrintWriter writer = new PrintWriter(new OutputStreamWriter(file, StandardCharsets.UTF_8));
        writeText(group, writer);
        writer.flush();
      }
    }
    return 0;
  }

  private void writeText(GroupValues group, PrintWriter writer) {
    if (format == Format.JSON) {
      Output.printJson(writer, group);
      return;
    }
    for (float value : group.values()) {
      writer.println(value);
    }
  }
}
