package io.paramstream.simulator;

import io.paramstream.charts.Svg;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link RunReport} as JSON (for machines), HTML (for people) and a text summary. */
final class ReportFormats {
  private ReportFormats() {}

  static String json(RunReport r) {
    StringBuilder out = new StringBuilder(4096);
    out.append("{\n  \"settings\": ");
    stringMap(out, r.settings());
    out.append(",\n  \"measuredSeconds\": ").append(num(r.measuredSeconds()));
    out.append(",\n  \"operations\": ").append(r.operations());
    out.append(",\n  \"operationsPerSecond\": ").append(num(r.operationsPerSecond()));
    out.append(",\n  \"floatsPerOperation\": ").append(r.floatsPerOperation());
    out.append(",\n  \"floatsPerSecond\": ").append(num(r.floatsPerSecond()));
    out.append(",\n  \"gigabytesPerSecond\": ").append(num(r.gigabytesPerSecond()));
    LatencySummary l = r.latency();
    out.append(",\n  \"latencyNanos\": {\"count\": ").append(l.count());
    out.append(", \"mean\": ").append(num(l.meanNanos()));
    out.append(", \"p50\": ").append(l.p50Nanos());
    out.append(", \"p90\": ").append(l.p90Nanos());
    out.append(", \"p99\": ").append(l.p99Nanos());
    out.append(", \"p99.9\": ").append(l.p999Nanos());
    out.append(", \"max\": ").append(l.maxNanos());
    out.append(", \"curve\": [");
    for (int i = 0; i < l.curve().size(); i++) {
      LatencySummary.CurvePoint p = l.curve().get(i);
      out.append(i == 0 ? "" : ", ")
          .append("{\"percentile\": ")
          .append(num(p.percentile()))
          .append(", \"nanos\": ")
          .append(p.nanos())
          .append('}');
    }
    out.append("]}");
    out.append(",\n  \"errors\": ");
    longMap(out, r.errors());
    out.append(",\n  \"acknowledgedPushes\": ").append(r.acknowledgedPushes());
    out.append(",\n  \"versionsAdvanced\": ");
    longMap(out, r.versionsAdvanced());
    out.append(",\n  \"watchUpdates\": ").append(r.watchUpdates());
    out.append(",\n  \"timeline\": [");
    List<RunReport.Interval> timeline = r.timeline();
    for (int i = 0; i < timeline.size(); i++) {
      RunReport.Interval p = timeline.get(i);
      out.append(i == 0 ? "\n    " : ",\n    ")
          .append("{\"elapsedSeconds\": ")
          .append(num(p.elapsedSeconds()))
          .append(", \"operationsPerSecond\": ")
          .append(num(p.operationsPerSecond()))
          .append(", \"megabytesPerSecond\": ")
          .append(num(p.megabytesPerSecond()))
          .append(", \"p99Nanos\": ")
          .append(p.p99Nanos())
          .append('}');
    }
    out.append(timeline.isEmpty() ? "]" : "\n  ]").append("\n}\n");
    return out.toString();
  }

  static String text(RunReport r) {
    LatencySummary l = r.latency();
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "operations: %d in %.1f s = %.1f ops/s, %.3g floats/s, %.3f GB/s%n",
            r.operations(),
            r.measuredSeconds(),
            r.operationsPerSecond(),
            r.floatsPerSecond(),
            r.gigabytesPerSecond()));
    out.append(
        String.format(
            Locale.ROOT,
            "latency: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s%n",
            millis(l.p50Nanos()),
            millis(l.p90Nanos()),
            millis(l.p99Nanos()),
            millis(l.p999Nanos()),
            millis(l.maxNanos())));
    out.append("errors: ").append(r.errors().isEmpty() ? "none" : r.errors()).append('\n');
    out.append("acknowledged pushes (whole run): ").append(r.acknowledgedPushes()).append('\n');
    out.append("versions advanced on the server: ").append(r.versionsAdvanced()).append('\n');
    if (r.watchUpdates() > 0) {
      out.append("watch updates received: ").append(r.watchUpdates()).append('\n');
    }
    return out.toString();
  }

  static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
  }

  /** A self-contained page: two inline SVG charts, no scripts, no external resources. */
  static String html(RunReport r) {
    StringBuilder out = new StringBuilder(8192);
    out.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Paramstream")
        .append(" simulator report</title>\n<style>body{font-family:sans-serif;margin:2em}")
        .append("td,th{padding:2px 10px;text-align:right}th{text-align:left}")
        .append("svg{border:1px solid #ccc;margin:1em 0}</style></head><body>\n")
        .append("<h1>Paramstream simulator report</h1>\n<h2>Settings</h2>\n<table>");
    r.settings().forEach((k, v) -> row(out, k, Svg.escape(v)));
    out.append("</table>\n<h2>Results</h2>\n<table>");
    LatencySummary l = r.latency();
    row(out, "measured seconds", num(r.measuredSeconds()));
    row(out, "operations", Long.toString(r.operations()));
    row(out, "operations/s", String.format(Locale.ROOT, "%.1f", r.operationsPerSecond()));
    row(out, "floats/s", String.format(Locale.ROOT, "%.4g", r.floatsPerSecond()));
    row(out, "GB/s", String.format(Locale.ROOT, "%.3f", r.gigabytesPerSecond()));
    row(out, "p50", millis(l.p50Nanos()));
    row(out, "p90", millis(l.p90Nanos()));
    row(out, "p99", millis(l.p99Nanos()));
    row(out, "p99.9", millis(l.p999Nanos()));
    row(out, "max", millis(l.maxNanos()));
    row(out, "errors", r.errors().isEmpty() ? "none" : Svg.escape(r.errors().toString()));
    row(out, "acknowledged pushes", Long.toString(r.acknowledgedPushes()));
    row(out, "versions advanced", Svg.escape(r.versionsAdvanced().toString()));
    out.append("</table>\n<h2>Latency by percentile</h2>\n");
    ReportCharts.percentiles(out, l);
    out.append("\n<h2>Throughput over time</h2>\n");
    ReportCharts.throughput(out, r.timeline());
    out.append("\n</body></html>\n");
    return out.toString();
  }

  private static void row(StringBuilder out, String key, String value) {
    out.append("<tr><th>")
        .append(Svg.escape(key))
        .append("</th><td>")
        .append(value)
        .append("</td></tr>");
  }

  private static String num(double d) {
    if (!Double.isFinite(d)) {
      return "null";
    }
    return d == Math.rint(d) && Math.abs(d) < 1e15
        ? Long.toString((long) d)
        : String.format(Locale.ROOT, "%.6g", d);
  }

  private static void stringMap(StringBuilder out, Map<String, String> map) {
    out.append('{');
    Iterator<Map.Entry<String, String>> it = map.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, String> e = it.next();
      out.append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
      if (it.hasNext()) {
        out.append(", ");
      }
    }
    out.append('}');
  }

  private static void longMap(StringBuilder out, Map<String, Long> map) {
    out.append('{');
    Iterator<Map.Entry<String, Long>> it = map.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Long> e = it.next();
      out.append(quote(e.getKey())).append(": ").append(e.getValue());
      if (it.hasNext()) {
        out.append(", ");
      }
    }
    out.append('}');
  }

  static String quote(String s) {
    StringBuilder q = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        case '\n' -> q.append("\\n");
        case '\r' -> q.append("\\r");
        case '\t' -> q.append("\\t");
        default -> {
          if (c < 0x20) {
            q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            q.append(c);
          }
        }
      }
    }
    return q.append('"').toString();
  }
}
