package io.paramstream.ctl;

import io.paramstream.cli.BuildInfo;
import io.paramstream.cli.CommandLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code paramstream-ctl}: what an operator does to a running server, from a shell. Exit codes: 0
 * done, 1 the server refused or could not be reached (the status code and message are printed), 2 a
 * usage error.
 */
@Command(
    name = "paramstream-ctl",
    mixinStandardHelpOptions = true,
    versionProvider = CtlMain.Version.class,
    description =
        "Operates a Paramstream parameter server: groups, sparse tables, values,"
            + " hyperparameters, stats, checkpoints, health and cluster placement.",
    subcommands = {
      GroupsCommand.class,
      PullCommand.class,
      TablesCommand.class,
      PullRowsCommand.class,
      SetHyperparametersCommand.class,
      StatsCommand.class,
      CheckpointCommand.class,
      HealthCommand.class,
      PlacementCommand.class,
      CommandLine.HelpCommand.class
    })
public final class CtlMain implements Runnable {

  /** Exit code of a call the server refused, or of a server that could not be reached. */
  static final int REFUSED = 1;

  /** {@code --version}: the build's version, SNAPSHOT included, and its git commit. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"paramstream-ctl " + BuildInfo.current().describe()};
    }
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with every subcommand, the shared converters and the exit codes above. */
  public static CommandLine commandLine() {
    CommandLine commandLine = CommandLines.configure(new CommandLine(new CtlMain()));
    return commandLine.setExecutionExceptionHandler(new CtlErrors());
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
  }
}
