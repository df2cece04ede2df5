package io.paramstream.ctl;

import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.TableInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tables list [NAME...] | delete NAME...}: the server's sparse tables. */
@Command(
    name = "tables",
    mixinStandardHelpOptions = true,
    description = "Lists and deletes sparse tables.",
    subcommands = {TablesCommand.ListTables.class, TablesCommand.DeleteTables.class})
final class TablesCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "name a subcommand: list or delete");
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists tables, all or those named; an unknown name fails with NOT_FOUND.")
  static final class ListTables implements Callable<Integer> {
    @Mixin Connection connection;
    @Mixin Output output;

    @Parameters(arity = "0..*", paramLabel = "NAME", description = "Tables to list; none: all.")
    List<String> names = List.of();

    @Override
    public Integer call() throws Exception {
      List<TableInfo> tables =
          connection.withClient(client -> client.listTables(names.toArray(String[]::new)));
      output.print(tables, () -> table(output.out(), tables));
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Deletes tables, all or none: if a name is unknown nothing is deleted.")
  static final class DeleteTables extends DeleteCommand {
    @Override
    void delete(ParamstreamClient client, String[] names) {
      client.deleteTables(names);
    }
  }

  /** One line per table under a header. */
  static void table(PrintWriter out, List<TableInfo> tables) {
    String format = "%-24s %-7s %5s %12s %12s %14s %10s %-5s %-9s %10s %10s%n";
    out.printf(
        format,
        "NAME",
        "KIND",
        "DIM",
        "ROWS",
        "MAX_ROWS",
        "BYTES",
        "VERSION",
        "DECAY",
        "OPTIMIZER",
        "LR",
        "WD");
    for (TableInfo table : tables) {
      out.printf(
          format,
          table.name(),
          table.keyed() ? "keyed" : "indexed",
          table.dim(),
          table.rows(),
          table.keyed() && table.maxRows() == 0 ? "-" : table.maxRows(),
          table.bytes(),
          table.version(),
          table.weightDecay() ? "yes" : "no",
          table.optimizer() == null ? "?" : table.optimizer().kind(),
          table.hyperparameters() == null ? "?" : table.hyperparameters().learningRate(),
          table.hyperparameters() == null ? "?" : table.hyperparameters().weightDecay());
    }
  }
}
