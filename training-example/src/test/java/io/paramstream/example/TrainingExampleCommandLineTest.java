package io.paramstream.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The example's flags: help, unknown options and bad values are one line, never a stack trace. */
class TrainingExampleCommandLineTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine commandLine = TrainingExample.commandLine();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    return commandLine.execute(args);
  }

  @Test
  void help_listsTheOptions() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("--workers", "--mode", "--epochs", "--optimizer");
  }

  @Test
  void unknownOption_failsNamingIt() {
    assertThat(run("--epoch", "1")).isEqualTo(2);
    assertThat(err.toString()).contains("'--epoch'").hasLineCount(1);
  }

  @Test
  void unknownMode_oneLineNamingFlagAndValue() {
    assertThat(run("--mode", "bsp")).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("training-example: Invalid value for option '--mode'")
        .contains("'bsp'")
        .doesNotContain("Exception")
        .hasLineCount(1);
  }
}
