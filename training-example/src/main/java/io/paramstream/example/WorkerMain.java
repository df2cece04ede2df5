package io.paramstream.example;

import io.paramstream.client.ParamstreamClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A worker process: {@code WorkerMain --target host:port --index k --workers n --mode async|sync
 * --epochs e --batch b --seed s [--results FILE]}. Started by {@link TrainingExample}; loads the
 * bundled data itself. With {@code --results} it writes its per-epoch results there as CSV when it
 * is done, for the launcher's report.
 */
public final class WorkerMain {

  private WorkerMain() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> options = parse(args);
    int index = Integer.parseInt(options.get("index"));
    int workers = Integer.parseInt(options.get("workers"));
    boolean synchronous = options.get("mode").equals("sync");
    TrainingPlan plan =
        new TrainingPlan(
            Integer.parseInt(options.get("epochs")),
            Integer.parseInt(options.get("batch")),
            Long.parseLong(options.get("seed")));
    Digits[] split =
        Digits.load().split(Long.parseLong(options.get("seed")), TrainingExample.TEST_ROWS);
    String id = "worker-" + index;
    List<EpochResult> results;
    try (ParamstreamClient client =
        ParamstreamClient.builder().target(options.get("target")).build()) {
      results =
          new Worker(id, index, workers, synchronous, plan, System.out)
              .run(client, split[0], split[1]);
      if (synchronous) {
        client.deregisterWorker(id);
      }
    }
    if (options.containsKey("results")) {
      TrainingReport.writeCsv(Path.of(options.get("results")), results);
    }
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }
}
