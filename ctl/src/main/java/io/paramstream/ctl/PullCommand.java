package io.paramstream.ctl;

import io.paramstream.client.GroupValues;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code pull NAME --format csv|json|npy [--out FILE]}: a group's values, for a notebook or a diff.
 */
@Command(
    name = "pull",
    mixinStandardHelpOptions = true,
    description = "Writes a group's current values as CSV (one per line), JSON or NumPy .npy.")
final class PullCommand implements Callable<Integer> {

  @Mixin Connection connection;
  @Mixin ValuesFile file;

  @Parameters(index = "0", paramLabel = "NAME", description = "The group.")
  String name;

  @Override
  public Integer call() throws Exception {
    file.check();
    GroupValues group = connection.withClient(client -> client.pull(name).get(name));
    file.write(
        new ValuesFile.Values() {
          @Override
          public Object json() {
            return group;
          }

          @Override
          public void csv(PrintWriter writer) {
            for (float value : group.values()) {
              writer.println(value);
            }
          }

          @Override
          public void npy(OutputStream out) throws IOException {
            NpyFile.write(group.values(), out);
          }
        });
    return 0;
  }
}
