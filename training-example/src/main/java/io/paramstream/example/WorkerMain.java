package io.paramstream.example;

import io.paramstream.client.ParamstreamClient;
import java.util.HashMap;
import java.util.Map;

/**
 * A worker process: {@code WorkerMain --target host:port --index k --workers n --mode async|sync
 * --epochs e --batch b --seed s}. Started by {@link TrainingExample}; loads the bundled data
 * itself.
 */
public final class WorkerMain {

  private WorkerMain() {}

  public static void main(String[] args) {
    Map<String, String> options = parse(args);
    int index = Integer.parseInt(options.get("index"));
    int workers = Integer.parseInt(options.get("workers"));
    boolean synchronous = options.get("mode").equals("sync");
    TrainingPlan plan =
        new TrainingPlan(
            Integer.parseInt(options.get("epochs")),
            Integer.parseInt(options.get("batch")),
            Long.parseLong(options.get("seed")));
    Digits train =
        Digits.load().split(Long.parseLong(options.get("seed")), TrainingExample.TEST_ROWS)[0];
    String id = "worker-" + index;
    try (ParamstreamClient client =
        ParamstreamClient.builder().target(options.get("target")).build()) {
      new Worker(id, index, workers, synchronous, plan, System.out).run(client, train);
      if (synchronous) {
        client.deregisterWorker(id);
      }
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
