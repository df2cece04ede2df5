package io.paramstream.ctl;

import io.paramstream.client.CheckpointInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code checkpoint}: writes a checkpoint now (the server needs --checkpoint-dir). */
@Command(
    name = "checkpoint",
    mixinStandardHelpOptions = true,
    description =
        "Writes a checkpoint now and waits for it; give --timeout the time to write the model.")
final class CheckpointCommand implements Callable<Integer> {

  @Mixin Connection connection;
  @Mixin Output output;

  @Override
  public Integer call() throws Exception {
    CheckpointInfo written = connection.withClient(client -> client.checkpoint());
    output.print(
        written,
        () ->
            output
                .out()
                .println(
                    "wrote "
                        + written.file()
                        + " ("
                        + written.groups()
                        + " groups, "
                        + written.tables()
                        + " tables)"));
    return 0;
  }
}
