package io.paramstream.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a server's /metrics in the Prometheus text format, read back by series. */
final class Scrape {

  private final Map<String, Double> samples = new LinkedHashMap<>();
  private final Set<String> families = new LinkedHashSet<>();
  private final Set<String> names = new LinkedHashSet<>();

  private Scrape(String text) {
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        families.add(line.split(" ")[2]);
      } else if (!line.isBlank() && !line.startsWith("#")) {
        int space = line.lastIndexOf(' ');
        String series = line.substring(0, space);
        samples.put(series, Double.parseDouble(line.substring(space + 1)));
        int brace = series.indexOf('{');
        names.add(brace < 0 ? series : series.substring(0, brace));
      }
    }
  }

  static Scrape of(int metricsPort) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("/metrics answered " + response.statusCode());
    }
    return new Scrape(response.body());
  }

  /** Metric families as declared by {@code # TYPE} lines (counters without {@code _total}). */
  Set<String> families() {
    return families;
  }

  /** Sample names as they appear in the samples ({@code _total}, {@code _bucket} and so on). */
  Set<String> sampleNames() {
    return names;
  }

  /** The value of one series, e.g. {@code paramstream_pushes_total{outcome="applied"}}. */
  double value(String series) {
    Double value = samples.get(series);
    if (value == null) {
      throw new AssertionError("no series " + series + " in the scrape; names: " + names);
    }
    return value;
  }

  /** The value of {@code label} on the one series of {@code name}, e.g. the build-info commit. */
  String label(String name, String label) {
    List<String> series = samples.keySet().stream().filter(s -> s.startsWith(name + "{")).toList();
    if (series.size() != 1) {
      throw new AssertionError("expected one series " + name + ", got " + series);
    }
    Matcher matcher = Pattern.compile("[{,]" + label + "=\"([^\"]*)\"").matcher(series.get(0));
    if (!matcher.find()) {
      throw new AssertionError("no label " + label + " on " + series.get(0));
    }
    return matcher.group(1);
  }

  /** The sum over every series of {@code name} whose labels contain {@code labelsPart}. */
  double sum(String name, String labelsPart) {
    return samples.entrySet().stream()
        .filter(e -> e.getKey().startsWith(name + "{") && e.getKey().contains(labelsPart))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }
}
