package io.paramstream.cli;

import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine;

/** Sets up a picocli command line the way every Paramstream command reads its flags. */
public final class CommandLines {

  /** Exit code of a usage error: a bad flag or value. */
  public static final int USAGE_ERROR = 2;

  private CommandLines() {}

  /**
   * Durations such as {@code 30s}, enum values in any case, and a usage error as one line naming
   * the flag and value (exit code 2) rather than the whole help. Call it after adding subcommands:
   * picocli applies these to the subcommands present at the time.
   */
  public static CommandLine configure(CommandLine commandLine) {
    return commandLine
        .registerConverter(Duration.class, new DurationConverter())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setParameterExceptionHandler(CommandLines::printOneLine);
  }

  private static int printOneLine(CommandLine.ParameterException e, String[] args) {
    CommandLine commandLine = e.getCommandLine();
    PrintWriter err = commandLine.getErr();
    // "paramstream-ctl groups list: ...": the whole command, so the user sees which one refused.
    err.println(
        commandLine.getCommandSpec().qualifiedName()
            + ": "
            + String.valueOf(e.getMessage()).replace('\n', ' ')
            + " (see --help)");
    err.flush();
    return USAGE_ERROR;
  }
}
