package io.paramstream.ctl;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --format csv|json|npy [--out FILE]}: how a command that reads values ({@code pull}, {@code
 * pull-rows}) writes them, to stdout or to a file.
 */
final class ValuesFile {

  /** The file format of the values. */
  enum Format {
    CSV,
    JSON,
    NPY
  }

  /** Values read from the server, in each format. */
  interface Values {
    /** What {@code --format json} prints. */
    Object json();

    /** Writes the values as CSV lines. */
    void csv(PrintWriter writer);

    /** Writes the values as a .npy file. */
    void npy(OutputStream file) throws IOException;
  }

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--format",
      defaultValue = "csv",
      description = "csv, json or npy (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--out", description = "File to write; stdout when unset (not for npy).")
  Path out;

  /** Refuses, before any call, a combination that cannot be written. */
  void check() {
    if (format == Format.NPY && out == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--format npy needs --out FILE");
    }
  }

  void write(Values values) throws IOException {
    if (out == null) {
      PrintWriter stdout = spec.commandLine().getOut();
      writeText(values, stdout);
      stdout.flush();
      return;
    }
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out))) {
      if (format == Format.NPY) {
        values.npy(file);
      } else {
        PrintWriter writer = new PrintWriter(new OutputStreamWriter(file, StandardCharsets.UTF_8));
        writeText(values, writer);
        writer.flush();
      }
    }
  }

  private void writeText(Values values, PrintWriter writer) {
    if (format == Format.JSON) {
      Output.printJson(writer, values.json());
    } else {
      values.csv(writer);
    }
  }
}
