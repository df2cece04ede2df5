package io.paramstream.ctl;

import io.paramstream.client.GroupInfo;
import io.paramstream.client.Hyperparameters;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code set-hyperparameters [--lr X] [--weight-decay Y] [NAME...]}: changes only what is given;
 * the request leaves the other field unset and the server keeps each group's value of it.
 */
@Command(
    name = "set-hyperparameters",
    mixinStandardHelpOptions = true,
    description =
        "Changes the learning rate and/or weight decay of groups; with no name, of every group"
            + " and every table.")
final class SetHyperparametersCommand implements Callable<Integer> {

  @Mixin Connection connection;
  @Mixin Output output;

  @Option(names = "--lr", description = "New learning rate.")
  Double learningRate;

  @Option(names = "--weight-decay", description = "New weight decay.")
  Double weightDecay;

  @Parameters(
      arity = "0..*",
      paramLabel = "NAME",
      description = "Groups to change; none: every group and table.")
  List<String> names = List.of();

  @Override
  public Integer call() throws Exception {
    if (learningRate == null && weightDecay == null) {
      throw new CommandLine.ParameterException(
          connection.spec.commandLine(), "give --lr, --weight-decay or both");
    }
    String[] groups = names.toArray(String[]::new);
    List<GroupInfo> changed =
        connection.withClient(
            client -> {
              if (learningRate != null && weightDecay != null) {
                return client.setHyperparameters(
                    new Hyperparameters(learningRate, weightDecay), groups);
              }
              return learningRate != null
                  ? client.setLearningRate(learningRate, groups)
                  : client.setWeightDecay(weightDecay, groups);
            });
    output.print(changed, () -> GroupsCommand.table(output.out(), changed));
    return 0;
  }
}
