package io.paramstream.example;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The UCI handwritten digits (see digits/ATTRIBUTION.md): 8x8 images scaled to [0, 1], labels 0..9.
 *
 * @param features one row of {@link #FEATURES} pixels per example
 * @param labels the class of each row
 */
public record Digits(float[][] features, int[] labels) {

  public static final int FEATURES = 64;
  public static final int CLASSES = 10;

  public int size() {
    return labels.length;
  }

  /** Loads the bundled data set. */
  public static Digits load() {
    try (InputStream raw = Digits.class.getResourceAsStream("/digits/digits.csv.gz")) {
      if (raw == null) {
        throw new IllegalStateException("digits/digits.csv.gz is missing from the classpath");
      }
      BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII));
      List<float[]> rows = new ArrayList<>();
      List<Integer> labels = new ArrayList<>();
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        String[] cells = line.split(",");
        if (cells.length != FEATURES + 1) {
          throw new IllegalStateException("expected 65 columns, got " + cells.length);
        }
        float[] row = new float[FEATURES];
        for (int i = 0; i < FEATURES; i++) {
          row[i] = Integer.parseInt(cells[i].trim()) / 16f;
        }
        rows.add(row);
        labels.add(Integer.parseInt(cells[FEATURES].trim()));
      }
      return new Digits(
          rows.toArray(new float[0][]), labels.stream().mapToInt(Integer::intValue).toArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A seeded shuffle split into {train, test}; the test part holds {@code testRows} rows. */
  public Digits[] split(long seed, int testRows) {
    int[] order = permutation(size(), new Random(seed));
    return new Digits[] {
      select(order, testRows, size()), select(order, 0, testRows),
    };
  }

  private Digits select(int[] order, int from, int to) {
    float[][] f = new float[to - from][];
    int[] l = new int[to - from];
    for (int i = from; i < to; i++) {
      f[i - from] = features[order[i]];
      l[i - from] = labels[order[i]];
    }
    return new Digits(f, l);
  }

  /** A Fisher-Yates permutation of 0..n-1. */
  static int[] permutation(int n, Random random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
