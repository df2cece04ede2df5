package io.paramstream.simulator;

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
    r.settings().forEach((k, v) -> row(out, k, escape(v)));
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
    row(out, "errors", r.errors().isEmpty() ? "none" : escape(r.errors().toString()));
    row(out, "acknowledged pushes", Long.toString(r.acknowledgedPushes()));
    row(out, "versions advanced", escape(r.versionsAdvanced().toString()));
    out.append("</table>\n<h2>Latency by percentile</h2>\n");
    percentileChart(out, l);
    out.append("\n<h2>Throughput over time</h2>\n");
    timelineChart(out, r.timeline());
    out.append("\n</body></html>\n");
    return out.toString();
  }

  private static final int W = 720;
  private static final int H = 320;
  private static final int PAD = 60;

  // x: percentile on a log scale of 1/(1-p) (p100 drawn one decade past p99.999); y: latency ms.
  private static void percentileChart(StringBuilder out, LatencySummary l) {
    svgStart(out);
    if (l.curve().isEmpty()) {
      out.append("<text x=\"100\" y=\"150\">no operations recorded</text></svg>");
      return;
    }
    double maxX = 6;
    double maxMs = Math.max(l.maxNanos() / 1e6, 1e-3);
    StringBuilder points = new StringBuilder();
    for (LatencySummary.CurvePoint p : l.curve()) {
      double x = p.percentile() >= 100 ? maxX : Math.log10(1 / (1 - p.percentile() / 100));
      double px = PAD + Math.min(x, maxX) / maxX * (W - 2 * PAD);
      double py = H - PAD - (p.nanos() / 1e6) / maxMs * (H - 2 * PAD);
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
      out.append(
          String.format(
              Locale.ROOT,
              "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f77b4\"><title>p%s: %s</title>"
                  + "</circle>",
              px,
              py,
              num(p.percentile()),
              millis(p.nanos())));
    }
    out.append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"")
        .append(points)
        .append("\"/>");
    String[] labels = {"p0", "p90", "p99", "p99.9", "p99.99", "p99.999", "max"};
    for (int i = 0; i < labels.length; i++) {
      double px = PAD + i / maxX * (W - 2 * PAD);
      label(out, px, H - PAD + 18, labels[i], "middle");
    }
    axes(out, maxMs, "latency (ms)");
    out.append("</svg>");
  }

  private static void timelineChart(StringBuilder out, List<RunReport.Interval> timeline) {
    svgStart(out);
    if (timeline.isEmpty()) {
      out.append("<text x=\"100\" y=\"150\">no measurement intervals</text></svg>");
      return;
    }
    double maxT = timeline.get(timeline.size() - 1).elapsedSeconds();
    double maxOps = 1e-9;
    for (RunReport.Interval p : timeline) {
      maxOps = Math.max(maxOps, p.operationsPerSecond());
    }
    StringBuilder points = new StringBuilder();
    for (RunReport.Interval p : timeline) {
      double px = PAD + p.elapsedSeconds() / Math.max(maxT, 1e-9) * (W - 2 * PAD);
      double py = H - PAD - p.operationsPerSecond() / maxOps * (H - 2 * PAD);
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
    }
    out.append("<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"")
        .append(points)
        .append("\"/>");
    label(out, PAD, H - PAD + 18, "0 s", "middle");
    label(out, W - PAD, H - PAD + 18, String.format(Locale.ROOT, "%.0f s", maxT), "middle");
    axes(out, maxOps, "operations/s");
    out.append("</svg>");
  }

  private static void svgStart(StringBuilder out) {
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(H)
        .append("\">");
  }

  private static void axes(StringBuilder out, double maxY, String yName) {
    out.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>"
                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>",
            PAD,
            H - PAD,
            W - PAD,
            H - PAD,
            PAD,
            PAD,
            PAD,
            H - PAD));
    label(out, PAD - 5, PAD + 4, String.format(Locale.ROOT, "%.4g", maxY), "end");
    label(out, PAD - 5, H - PAD + 4, "0", "end");
    label(out, PAD, PAD - 15, yName, "start");
  }

  private static void label(StringBuilder out, double x, double y, String text, String anchor) {
    out.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"%s\">%s</text>",
            x,
            y,
            anchor,
            escape(text)));
  }

  private static void row(StringBuilder out, String key, String value) {
    out.append("<tr><th>")
        .append(escape(key))
        .append("</th><td>")
        .append(value)
        .append("</td></tr>");
  }

  static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
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
