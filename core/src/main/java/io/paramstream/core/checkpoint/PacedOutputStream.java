package io.paramstream.core.checkpoint;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * Holds writes to an average of at most {@code bytesPerSecond} since the stream opened, by sleeping
 * whenever it runs ahead of that pace. A background checkpoint writes through one so that it does
 * not take a whole core (checksum, copies into the page cache) from the threads serving pushes, the
 * way databases rate-limit compaction and recovery I/O.
 */
final class PacedOutputStream extends FilterOutputStream {

  /** Sleeps shorter than this are not worth a wake-up; the debt carries to the next write. */
  private static final long MIN_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private final double nanosPerByte;
  private final long start = System.nanoTime();
  private long written;

  PacedOutputStream(OutputStream out, long bytesPerSecond) {
    super(out);
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytes per second must be > 0, got " + bytesPerSecond);
    }
    this.nanosPerByte = 1e9 / bytesPerSecond;
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    written++;
    pace();
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    written += len;
    pace();
  }

  private void pace() throws IOException {
    long ahead = start + (long) (written * nanosPerByte) - System.nanoTime();
    if (ahead < MIN_SLEEP_NANOS) {
      return;
    }
    try {
      TimeUnit.NANOSECONDS.sleep(ahead);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("checkpoint write interrupted");
    }
  }
}
