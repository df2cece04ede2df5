package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the Grafana board (docker/grafana/dashboards) queries is one a real server exports:
 * a renamed metric would otherwise leave an empty panel that nobody notices until an incident.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrafanaBoardTest {

  private static final Path BOARD =
      Path.of("..", "docker", "grafana", "dashboards", "paramstream.json");

  // PromQL words that look like names but are not metrics.
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "inf", "nan");

  @TempDir Path work;

  @Test
  void everyMetricTheBoardQueries_isExportedByTheServer() throws Exception {
    Set<String> queried = queriedMetrics(new ObjectMapper().readTree(BOARD.toFile()));
    assertThat(queried).hasSizeGreaterThan(15);

    try (LoggedServerProcess server = LoggedServerProcess.startObserved(work);
        ParamstreamClient client = ParamstreamClient.builder().target(server.target()).build()) {
      // Labelled series appear once something happened: a push, a rejection, a pull, a checkpoint.
      client.createGroup(new GroupSpec("w", new float[4], true, new Hyperparameters(0.1, 0)));
      client.push(Map.of("w", new float[4]));
      assertThatThrownBy(() -> client.push(Map.of("w", new float[3])))
          .isInstanceOf(ParamstreamException.class);
      client.pull("w");
      var channel = Stubs.plaintext(server.target());
      Stubs.blocking(channel)
          .checkpoint(io.paramstream.proto.v1.CheckpointRequest.getDefaultInstance());
      channel.shutdownNow();

      Set<String> exported = Scrape.of(server.metricsPort()).sampleNames();
      assertThat(exported).as("metrics a running server exports").containsAll(queried);
    }
  }

  @Test
  void queriedMetrics_readsNamesOutOfPromQl() {
    assertThat(
            names(
                "histogram_quantile(0.99, sum by (instance, le) (rate(a_seconds_bucket{x=\"y\","
                    + " instance=~\"$shard\"}[1m]))) / ignoring(le) b_total offset 5m"))
        .containsExactly("a_seconds_bucket", "b_total");
    assertThat(names("time() - (c_timestamp_seconds > 0)")).containsExactly("c_timestamp_seconds");
  }

  /** The metric names in every expression and variable query of a Grafana board. */
  static Set<String> queriedMetrics(JsonNode board) {
    Set<String> names = new TreeSet<>();
    for (JsonNode expr : board.findValues("expr")) {
      names.addAll(names(expr.asText()));
    }
    Matcher variables =
        Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(board.toString());
    while (variables.find()) {
      names.add(variables.group(1));
    }
    return names;
  }

  /** Metric names of one PromQL expression: identifiers outside labels, ranges and groupings. */
  static Set<String> names(String promql) {
    String bare =
        promql
            .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^\\]]*\\]", " ")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
            .replaceAll("\\boffset\\s+\\w+", " ");
    Set<String> names = new TreeSet<>();
    // Not inside a number such as 1e-3; a name followed by '(' is a function.
    Matcher identifier = Pattern.compile("(?<![\\w.])[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(bare);
    while (identifier.find()) {
      boolean call = bare.substring(identifier.end()).matches("(?s)\\s*\\(.*");
      if (!call && !KEYWORDS.contains(identifier.group().toLowerCase(Locale.ROOT))) {
        names.add(identifier.group());
      }
    }
    return names;
  }
}
