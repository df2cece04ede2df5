package io.paramstream.charts;

import java.util.List;
import java.util.Locale;

/**
 * A grid of values: one row and one column label per cell, each cell written out and shaded by how
 * far its value lies from a reference (white at the reference, full colour at {@code span} or more
 * away): a table whose outliers show at a glance.
 */
public final class HeatMap {

  private static final int CELL_W = 74;
  private static final int CELL_H = 20;

  private HeatMap() {}

  /** A grid whose {@code <svg>} element gets the HTML id {@code id}. */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /** Collects the grid's labels, values and scale; {@link #svg()} draws it. */
  public static final class Builder extends ChartBuilder<Builder> {
    private List<String> rows = List.of();
    private List<String> columns = List.of();
    private List<String> columnGroups = List.of();
    private String[][] cells = new String[0][];
    private double reference;
    private double span = 1;

    private Builder(String id) {
      super(id);
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * The grid: {@code cells[r][c]} is written as given (so it keeps its source's digits) and
     * shaded by its numeric value.
     */
    public Builder grid(List<String> rowLabels, List<String> columnLabels, String[][] cells) {
      if (cells.length != rowLabels.size()) {
        throw new IllegalArgumentException(
            cells.length + " rows for " + rowLabels.size() + " labels");
      }
      for (String[] row : cells) {
        if (row.length != columnLabels.size()) {
          throw new IllegalArgumentException(
              row.length + " cells in a row for " + columnLabels.size() + " column labels");
        }
      }
      this.rows = List.copyOf(rowLabels);
      this.columns = List.copyOf(columnLabels);
      this.cells = cells.clone();
      return this;
    }

    /**
     * Headings above the column labels, each spanning an equal share of the columns (e.g. an
     * optimizer above its "server" and "torch" columns).
     */
    public Builder columnGroups(List<String> groups) {
      this.columnGroups = List.copyOf(groups);
      return this;
    }

    /** White at {@code reference}, full colour at {@code span} or more away from it. */
    public Builder shade(double reference, double span) {
      if (!(span > 0)) {
        throw new IllegalArgumentException("span must be > 0, got " + span);
      }
      this.reference = reference;
      this.span = span;
      return this;
    }

    @Override
    public String svg() {
      int left = 20 + 7 * rows.stream().mapToInt(String::length).max().orElse(0);
      int top = (title == null ? 10 : 40) + (columnGroups.isEmpty() ? 20 : 40);
      Plot plot =
          new Plot(
              left + CELL_W * Math.max(1, columns.size()) + 20,
              top + CELL_H * Math.max(1, rows.size()) + 50,
              left,
              20,
              top,
              50);
      StringBuilder out = new StringBuilder(16384);
      Svg.open(out, id, plot, title);
      if (rows.isEmpty() || columns.isEmpty()) {
        Svg.closeEmpty(out, "no data");
        return out.toString();
      }
      for (int c = 0; c < columns.size(); c++) {
        Svg.text(out, left + (c + 0.5) * CELL_W, top - 6, columns.get(c), "middle");
      }
      for (int r = 0; r < rows.size(); r++) {
        double y = top + r * CELL_H;
        Svg.text(out, left - 8, y + 14, rows.get(r), "end");
        for (int c = 0; c < columns.size(); c++) {
          double x = left + c * CELL_W;
          double v = Double.parseDouble(cells[r][c]);
          double depth = Math.min(1, Math.abs(v - reference) / span);
          Svg.rect(
              out,
              x,
              y,
              CELL_W,
              CELL_H,
              shade(depth),
              rows.get(r) + ", " + columns.get(c) + ": " + cells[r][c]);
          Svg.textSized(out, x + CELL_W / 2.0, y + 14, cells[r][c], "middle", 11);
        }
      }
      if (!columnGroups.isEmpty()) {
        double groupWidth = CELL_W * columns.size() / (double) columnGroups.size();
        for (int g = 0; g < columnGroups.size(); g++) {
          Svg.text(out, left + (g + 0.5) * groupWidth, top - 24, columnGroups.get(g), "middle");
          if (g > 0) {
            Svg.line(
                out,
                left + g * groupWidth,
                top - 36,
                left + g * groupWidth,
                top + CELL_H * rows.size(),
                "#888888",
                false);
          }
        }
      }
      Svg.text(out, 8, top - 6, yLabel, "start");
      Svg.text(out, left + CELL_W * columns.size() / 2.0, plot.height() - 16, xLabel, "middle");
      Svg.close(out);
      return out.toString();
    }

    /** White to red as depth goes from 0 to 1. */
    private static String shade(double depth) {
      int other = (int) Math.round(255 - depth * (255 - 60));
      return String.format(Locale.ROOT, "#ff%02x%02x", other, other);
    }
  }
}
