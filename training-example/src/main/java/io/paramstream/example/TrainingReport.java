package io.paramstream.example;

import io.paramstream.charts.LineChart;
import io.paramstream.charts.Svg;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The training run's record: {@code training.csv}, one row per epoch per worker followed by the
 * mean over the workers, and {@code training.html}, a self-contained page (inline SVG, no script,
 * nothing fetched) plotting loss and accuracy per epoch with one line per worker.
 */
final class TrainingReport {

  static final String CSV = "training.csv";
  static final String HTML = "training.html";

  /** The {@link EpochResult#worker()} of the rows averaging every worker's. */
  static final String MEAN = "mean";

  private static final String HEADER = "epoch,worker,loss,accuracy";

  private TrainingReport() {}

  /**
   * Writes both files into {@code dir} (created if needed).
   *
   * @param perWorker every worker's results, in worker order
   * @param settings what the run was, shown at the top of the page
   */
  static void write(Path dir, List<EpochResult> perWorker, Map<String, String> settings)
      throws IOException {
    Files.createDirectories(dir);
    writeCsv(dir.resolve(CSV), withMeans(perWorker));
    writeAtomically(dir.resolve(HTML), html(perWorker, settings));
  }

  /** Rows sorted by epoch, workers in their given order, each epoch ended by its mean row. */
  static List<EpochResult> withMeans(List<EpochResult> perWorker) {
    Map<Integer, List<EpochResult>> byEpoch = new TreeMap<>();
    for (EpochResult r : perWorker) {
      byEpoch.computeIfAbsent(r.epoch(), e -> new ArrayList<>()).add(r);
    }
    List<EpochResult> rows = new ArrayList<>();
    byEpoch.forEach(
        (epoch, results) -> {
          rows.addAll(results);
          rows.add(
              new EpochResult(
                  epoch,
                  MEAN,
                  mean(results, EpochResult::loss),
                  mean(results, EpochResult::accuracy)));
        });
    return rows;
  }

  static void writeCsv(Path file, List<EpochResult> rows) throws IOException {
    StringBuilder out = new StringBuilder(HEADER).append('\n');
    for (EpochResult r : rows) {
      out.append(
          String.format(
              Locale.ROOT, "%d,%s,%.6f,%.6f%n", r.epoch(), r.worker(), r.loss(), r.accuracy()));
    }
    writeAtomically(file, out.toString());
  }

  static List<EpochResult> readCsv(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      throw new IOException(file + " does not start with " + HEADER);
    }
    List<EpochResult> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      if (f.length != 4) {
        throw new IOException(file + ": expected 4 columns in '" + line + "'");
      }
      rows.add(
          new EpochResult(
              Integer.parseInt(f[0]), f[1], Double.parseDouble(f[2]), Double.parseDouble(f[3])));
    }
    return rows;
  }

  /** The page: the settings, then loss and accuracy against the epoch, one line per worker. */
  static String html(List<EpochResult> perWorker, Map<String, String> settings) {
    Map<String, List<EpochResult>> byWorker = new LinkedHashMap<>();
    for (EpochResult r : perWorker) {
      byWorker.computeIfAbsent(r.worker(), w -> new ArrayList<>()).add(r);
    }
    LineChart.Builder loss =
        LineChart.builder("loss")
            .xLabel("epoch")
            .yLabel("training loss (mean cross-entropy per row, nats)")
            .integerX();
    LineChart.Builder accuracy =
        LineChart.builder("accuracy")
            .xLabel("epoch")
            .yLabel("held-out accuracy (fraction of " + TrainingExample.TEST_ROWS + " rows)")
            .integerX()
            .tightY();
    byWorker.forEach(
        (worker, results) -> {
          double[] epochs = results.stream().mapToDouble(EpochResult::epoch).toArray();
          loss.series(worker, epochs, results.stream().mapToDouble(EpochResult::loss).toArray());
          accuracy.series(
              worker, epochs, results.stream().mapToDouble(EpochResult::accuracy).toArray());
        });
    StringBuilder out = new StringBuilder(16384);
    out.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Paramstream")
        .append(" digits training</title>\n<style>body{font-family:sans-serif;margin:2em}")
        .append("td,th{padding:2px 10px;text-align:left}")
        .append("svg{border:1px solid #ccc;margin:1em 0}</style></head><body>\n")
        .append("<h1>Digits training through Paramstream</h1>\n<table>");
    settings.forEach(
        (k, v) ->
            out.append("<tr><th>")
                .append(Svg.escape(k))
                .append("</th><td>")
                .append(Svg.escape(v))
                .append("</td></tr>"));
    out.append("</table>\n<h2>Training loss per epoch</h2>\n")
        .append(loss.svg())
        .append("\n<h2>Held-out accuracy per epoch</h2>\n")
        .append(accuracy.svg())
        .append("\n<p>Loss: the mean over the batches a worker computed in that epoch.")
        .append(" Accuracy: of the model the worker pulled at the end of that epoch.")
        .append(" The numbers are in ")
        .append(CSV)
        .append(".</p>\n</body></html>\n");
    return out.toString();
  }

  private static double mean(List<EpochResult> results, ToDoubleFunction<EpochResult> field) {
    return results.stream().mapToDouble(field).average().orElse(Double.NaN);
  }

  /** A reader never sees half a file: written beside it, then moved over it. */
  private static void writeAtomically(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
