package io.paramstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class CommandLinesTest {

  enum Color {
    RED,
    DARK_BLUE
  }

  @Command(name = "demo")
  static final class Demo implements Callable<Integer> {
    @Option(names = "--wait", defaultValue = "PT1S")
    Duration wait;

    @Option(names = "--size", defaultValue = "0", converter = ByteSizeConverter.class)
    long size;

    @Option(names = "--color", defaultValue = "RED")
    Color color;

    @Override
    public Integer call() {
      return 0;
    }
  }

  private final Demo demo = new Demo();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine commandLine = CommandLines.configure(new CommandLine(demo));
    commandLine.setErr(new PrintWriter(err));
    return commandLine.execute(args);
  }

  @Test
  void configure_typedValues_areConverted() {
    assertThat(run("--wait", "90s", "--size", "4MiB", "--color", "dark_blue")).isZero();
    assertThat(demo.wait).isEqualTo(Duration.ofSeconds(90));
    assertThat(demo.size).isEqualTo(4L << 20);
    assertThat(demo.color).isEqualTo(Color.DARK_BLUE);
  }

  @Test
  void configure_badValue_oneLineNamingFlagAndValue_exit2() {
    assertThat(run("--wait", "60x")).isEqualTo(CommandLines.USAGE_ERROR);
    assertThat(err.toString())
        .isEqualTo(
            "demo: Invalid value for option '--wait': '60x' is not a duration: "
                + DurationConverter.EXAMPLES
                + " (see --help)"
                + System.lineSeparator());
  }

  @Test
  void configure_unknownOption_oneLineNamingIt() {
    assertThat(run("--epoch", "1")).isEqualTo(CommandLines.USAGE_ERROR);
    assertThat(err.toString())
        .startsWith("demo: Unknown option")
        .contains("'--epoch'")
        .hasLineCount(1);
  }
}
