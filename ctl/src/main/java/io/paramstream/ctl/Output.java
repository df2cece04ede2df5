package io.paramstream.ctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --output table|json}: what a command prints on stdout. */
final class Output {

  /** How results are printed. */
  enum Format {
    /** Aligned columns for people. */
    TABLE,
    /** JSON for scripts (jq). */
    JSON
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table or json (default: ${DEFAULT-VALUE}).")
  Format format;

  /** Prints {@code value} as JSON, or runs {@code table} to print it for people. */
  void print(Object value, Runnable table) {
    if (format == Format.JSON) {
      printJson(out(), value);
    } else {
      table.run();
    }
    out().flush();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  static void printJson(PrintWriter out, Object value) {
    try {
      out.println(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
