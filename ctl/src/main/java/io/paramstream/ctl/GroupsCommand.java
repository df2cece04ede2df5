package io.paramstream.ctl;

import io.paramstream.client.GroupInfo;
import io.paramstream.client.ParamstreamClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code groups list | describe NAME... | delete NAME...}. */
@Command(
    name = "groups",
    mixinStandardHelpOptions = true,
    description = "Lists, describes and deletes parameter groups.",
    subcommands = {
      GroupsCommand.ListGroups.class,
      GroupsCommand.DescribeGroups.class,
      GroupsCommand.DeleteGroups.class
    })
final class GroupsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "name a subcommand: list, describe or delete");
  }

  /** What {@code list} and {@code describe} share: one listing call, printed two ways. */
  abstract static class ShowGroups implements Callable<Integer> {
    @Mixin Connection connection;
    @Mixin Output output;

    /** The groups to show; none shows every group. */
    abstract String[] names();

    abstract void print(PrintWriter out, List<GroupInfo> groups);

    @Override
    public Integer call() throws Exception {
      List<GroupInfo> groups = connection.withClient(client -> client.listGroups(names()));
      output.print(groups, () -> print(output.out(), groups));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists every group.")
  static final class ListGroups extends ShowGroups {
    @Override
    String[] names() {
      return new String[0];
    }

    @Override
    void print(PrintWriter out, List<GroupInfo> groups) {
      table(out, groups);
    }
  }

  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Shows groups' metadata; an unknown name fails with NOT_FOUND.")
  static final class DescribeGroups extends ShowGroups {
    @Parameters(arity = "1..*", paramLabel = "NAME", description = "Groups to describe.")
    List<String> names;

    @Override
    String[] names() {
      return names.toArray(String[]::new);
    }

    @Override
    void print(PrintWriter out, List<GroupInfo> groups) {
      describe(out, groups);
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Deletes groups, all or none: if a name is unknown nothing is deleted.")
  static final class DeleteGroups extends DeleteCommand {
    @Override
    void delete(ParamstreamClient client, String[] names) {
      client.deleteGroups(names);
    }
  }

  /** One line per group under a header. */
  static void table(PrintWriter out, List<GroupInfo> groups) {
    out.printf("%-32s %12s %10s %-6s %12s %12s%n", "NAME", "SIZE", "VERSION", "DECAY", "LR", "WD");
    for (GroupInfo group : groups) {
      out.printf(
          "%-32s %12d %10d %-6s %12s %12s%n",
          group.name(),
          group.size(),
          group.version(),
          group.weightDecay() ? "yes" : "no",
          group.hyperparameters() == null ? "?" : group.hyperparameters().learningRate(),
          group.hyperparameters() == null ? "?" : group.hyperparameters().weightDecay());
    }
  }

  private static void describe(PrintWriter out, List<GroupInfo> groups) {
    for (GroupInfo group : groups) {
      out.println("name:           " + group.name());
      out.println("size:           " + group.size() + " float32 (" + 4 * group.size() + " bytes)");
      out.println("version:        " + group.version());
      out.println("weight decay:   " + (group.weightDecay() ? "on" : "off"));
      if (group.hyperparameters() != null) {
        out.println("learning rate:  " + group.hyperparameters().learningRate());
        out.println("decay rate:     " + group.hyperparameters().weightDecay());
      }
      out.println();
    }
  }
}
