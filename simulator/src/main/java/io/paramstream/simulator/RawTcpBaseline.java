package io.paramstream.simulator;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Plain Java sockets over loopback moving the same bytes as a benchmark cell, as the ceiling the
 * gRPC path is compared against. Writes are at most 1 MiB; the receiver is a thread of this JVM.
 */
final class RawTcpBaseline {
  static final int WRITE_BYTES = 1 << 20;

  /** Messages and bytes moved in a timed run. */
  record Result(long messages, long bytes, double seconds) {
    double messagesPerSecond() {
      return messages / seconds;
    }

    double gigabytesPerSecond() {
      return bytes / seconds / 1e9;
    }
  }

  private RawTcpBaseline() {}

  /**
   * Sends messages of {@code messageBytes} one at a time, each answered by a 1-byte ack after the
   * receiver has read all of it: the raw analogue of a push acknowledged before the next.
   */
  static Result ackEach(int messageBytes, long warmupNanos, long durationNanos)
      throws IOException, InterruptedException {
    try (ServerSocket listener = new ServerSocket()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Thread receiver =
          daemon(
              () -> {
                try (Socket s = listener.accept()) {
                  s.setTcpNoDelay(true);
                  DataInputStream in = new DataInputStream(s.getInputStream());
                  OutputStream out = s.getOutputStream();
                  byte[] buffer = new byte[WRITE_BYTES];
                  while (true) {
                    int left = messageBytes;
                    while (left > 0) {
                      int n = in.read(buffer, 0, Math.min(left, buffer.length));
                      if (n < 0) {
                        return;
                      }
                      left -= n;
                    }
                    out.write(1);
                  }
                } catch (IOException e) {
                  // The sender closed the connection: done.
                }
              });
      try (Socket s = new Socket()) {
        s.setTcpNoDelay(true);
        s.connect(listener.getLocalSocketAddress());
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        byte[] payload = new byte[Math.min(messageBytes, WRITE_BYTES)];
        long start = System.nanoTime();
        long measureFrom = start + warmupNanos;
        long end = measureFrom + durationNanos;
        long messages = 0;
        long now;
        while ((now = System.nanoTime()) < end) {
          int left = messageBytes;
          while (left > 0) {
            int n = Math.min(left, payload.length);
            out.write(payload, 0, n);
            left -= n;
          }
          out.flush();
          if (in.read() < 0) {
            throw new IOException("receiver closed");
          }
          if (now >= measureFrom) {
            messages++;
          }
        }
        double seconds = (System.nanoTime() - measureFrom) / 1e9;
        s.shutdownOutput();
        receiver.join(5_000);
        return new Result(messages, messages * messageBytes, seconds);
      }
    }
  }

  /** Streams bytes one way as fast as possible in 1 MiB writes: the loopback bandwidth. */
  static Result stream(long warmupNanos, long durationNanos)
      throws IOException, InterruptedException {
    try (ServerSocket listener = new ServerSocket()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      long[] received = new long[1];
      Thread receiver =
          daemon(
              () -> {
                try (Socket s = listener.accept()) {
                  InputStream in = s.getInputStream();
                  byte[] buffer = new byte[WRITE_BYTES];
                  long total = 0;
                  int n;
                  while ((n = in.read(buffer)) >= 0) {
                    total += n;
                  }
                  synchronized (received) {
                    received[0] = total;
                  }
                } catch (IOException e) {
                  // Connection reset at the end: keep what was counted.
                }
              });
      long sentMeasured = 0;
      double seconds;
      try (Socket s = new Socket()) {
        s.connect(listener.getLocalSocketAddress());
        OutputStream out = s.getOutputStream();
        byte[] payload = new byte[WRITE_BYTES];
        long start = System.nanoTime();
        long measureFrom = start + warmupNanos;
        long end = measureFrom + durationNanos;
        long now;
        while ((now = System.nanoTime()) < end) {
          out.write(payload);
          if (now >= measureFrom) {
            sentMeasured += payload.length;
          }
        }
        seconds = (System.nanoTime() - measureFrom) / 1e9;
      }
      receiver.join(5_000);
      return new Result(sentMeasured / WRITE_BYTES, sentMeasured, seconds);
    }
  }

  private static Thread daemon(Runnable body) {
    Thread t = new Thread(body, "raw-tcp-receiver");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
