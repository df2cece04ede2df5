package io.paramstream.simulator;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/** Samples a process's resident set size (VmRSS) every few milliseconds and keeps the peak. */
public final class RssSampler implements AutoCloseable {

  private final long pid;
  private final AtomicLong peak = new AtomicLong();
  private final Thread thread;
  private volatile boolean stop;

  public RssSampler(long pid, long intervalMillis) {
    this.pid = pid;
    thread =
        new Thread(
            () -> {
              while (!stop) {
                sample();
                try {
                  Thread.sleep(intervalMillis);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "rss-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** VmRSS now, in bytes; also taken into the peak. */
  public long sample() {
    try {
      long rss = ProcStatus.read(pid).vmRssBytes();
      peak.accumulateAndGet(rss, Math::max);
      return rss;
    } catch (IOException | IllegalArgumentException e) {
      return -1; // the process is gone
    }
  }

  /** The highest VmRSS sampled since this sampler started or was {@link #reset}. */
  public long peakBytes() {
    return peak.get();
  }

  public void reset() {
    peak.set(0);
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(1_000);
  }
}
