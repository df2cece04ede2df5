package io.paramstream.simulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory lines of a Linux process's {@code /proc/PID/status}, in bytes.
 *
 * @param vmRssBytes resident set size now (VmRSS)
 * @param vmHwmBytes peak resident set size since the process started (VmHWM)
 * @param rssAnonBytes resident anonymous memory (RssAnon): heap, thread stacks, direct buffers; 0
 *     on kernels that do not report it
 * @param rssFileBytes resident file-backed memory (RssFile): mapped jars, the CDS archive, code
 */
record ProcStatus(long vmRssBytes, long vmHwmBytes, long rssAnonBytes, long rssFileBytes) {

  /** Reads the status of process {@code pid}. */
  static ProcStatus read(long pid) throws IOException {
    return parse(
        Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8));
  }

  /**
   * Parses status text. The kernel writes these fields as {@code "VmRSS:\t 123456 kB"}, where kB
   * means KiB.
   *
   * @throws IllegalArgumentException if VmRSS or VmHWM is missing or not in kB
   */
  static ProcStatus parse(String status) {
    long rss = -1;
    long hwm = -1;
    long anon = 0;
    long file = 0;
    for (String line : status.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon);
      switch (key) {
        case "VmRSS" -> rss = kibibytes(line, colon);
        case "VmHWM" -> hwm = kibibytes(line, colon);
        case "RssAnon" -> anon = kibibytes(line, colon);
        case "RssFile" -> file = kibibytes(line, colon);
        default -> {
          // not a memory line we report
        }
      }
    }
    if (rss < 0 || hwm < 0) {
      throw new IllegalArgumentException("status text has no VmRSS or VmHWM line");
    }
    return new ProcStatus(rss, hwm, anon, file);
  }

  private static long kibibytes(String line, int colon) {
    String value = line.substring(colon + 1).trim();
    if (!value.endsWith(" kB")) {
      throw new IllegalArgumentException("not a size in kB: " + line);
    }
    return Long.parseLong(value.substring(0, value.length() - 3).trim()) * 1024;
  }
}
