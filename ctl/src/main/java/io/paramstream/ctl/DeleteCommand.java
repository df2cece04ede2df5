package io.paramstream.ctl;

import io.paramstream.client.ParamstreamClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * What {@code groups delete} and {@code tables delete} share: one call deleting every name, all or
 * none, then the names deleted ({@code {"deleted": [...]}} in JSON).
 */
abstract class DeleteCommand implements Callable<Integer> {

  @Mixin Connection connection;
  @Mixin Output output;

  @Parameters(arity = "1..*", paramLabel = "NAME", description = "Names to delete.")
  List<String> names;

  /** Deletes {@code names} in one call; throws, deleting nothing, if one is unknown. */
  abstract void delete(ParamstreamClient client, String[] names);

  @Override
  public Integer call() throws Exception {
    connection.withClient(
        client -> {
          delete(client, names.toArray(String[]::new));
          return names;
        });
    output.print(
        Map.of("deleted", names),
        () -> output.out().println("deleted " + String.join(", ", names)));
    return 0;
  }
}
